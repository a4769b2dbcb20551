"""Words of a text as an obfuscating writer spells them, mapped back to plain Cyrillic, and their lemmas.

Candidates are the text's words, words glued by punctuation ("х.уй") and runs of single letters
("х у й", "х.у.й"); each keeps its span in the (normalised) text it came from. A plain Russian word (the
common case) is its own reading, and a check looks at it only when a cheap test on the text's
vocabulary says it may match; every other candidate goes through the de-obfuscation of `normalise`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from core.morphology import morph
from moderation.text.caches import cached
from moderation.text.normalize import Span, cyrillic_word

# Letters a single "*" most often hides in a censored word.
WILDCARD_LETTERS = "аеиоуыяюбздх"
MAX_WILDCARDS = 3

# Phonetic transliteration of words typed in Latin letters ("blyat", "nahui"): digraphs first.
_TRANSLIT = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("ya", "я"), ("ja", "я"), ("yo", "ё"), ("yu", "ю"), ("ju", "ю"), ("ye", "е"),
)  # fmt: skip
_TRANSLIT_LETTERS = str.maketrans("abvgdezijklmnoprstufhcyxw", "абвгдезийклмнопрстуфхцыхв")
_LATIN_WORD = re.compile(r"[a-z]+")
_CHAR = r"(?:[^\W_]|[*@])"  # a character of a word
_GLUE = r"[.\-_'`~()]{1,3}"  # between the parts of one glued word: "х.уй", "пи-зда", "хо(х)лы"
_SPACER = r"[\s.,\-_/\\|+~'\"`^:;!·•]{1,3}"  # between spaced-out letters: "х у й"
_TOKEN = re.compile(f"{_CHAR}+")
# A word on its own — a plain Russian one in group "plain", a number (never a word) in group "number" —
# or a run of words glued together.
_WORD_OR_RUN = re.compile(
    f"(?<!{_CHAR})(?:(?P<plain>[а-яёА-ЯЁ]+)(?!{_CHAR}|{_GLUE}{_CHAR})|(?P<number>\\d+)(?!{_CHAR}|{_GLUE}{_CHAR})"
    f"|{_CHAR}+(?:{_GLUE}{_CHAR}+)*)"
)
_SPACED = re.compile(f"(?<!{_CHAR}){_CHAR}(?!{_CHAR})(?:{_SPACER}{_CHAR}(?!{_CHAR})){{2,}}")
_HIDDEN_SIGN = re.compile(r"(?<=[^\W\d_])[%#](?=[^\W\d_])")  # "на%уй": a sign for a hidden letter
_RUSSIAN_WORD = re.compile(r"[а-яё]+")
_STRIP = re.compile(r"[^\w*@]+|_+")
_REPEATS = re.compile(r"(.)\1+")
_REPEATED = re.compile(r"(.)\1")
_HIDDEN = re.compile(r"(?<=\w)(?:\.{2,3}|[%#])(?=\w)")


@cached(maxsize=65536)
def normalise(raw: str) -> str:
    """Lower-case Cyrillic spelling of one word: dots, "%" or "#" for a hidden letter read as "*" ("с..ка",
    "на%уй"), "3.14" read as "пи", other separators dropped, look-alikes and digits mapped."""
    word = _HIDDEN.sub("*", raw.lower().replace("3.14", "пи"))
    return cyrillic_word(_STRIP.sub("", word).strip("*@"))


def transliterate(raw: str) -> str | None:
    """Cyrillic reading of a word typed in Latin letters ("pizdec" → "пиздец"), else None."""
    word = raw.lower()
    if not _LATIN_WORD.fullmatch(word):
        return None
    for latin, cyrillic in _TRANSLIT:
        word = word.replace(latin, cyrillic)
    word = re.sub(r"y$", "й", word)
    return word.translate(_TRANSLIT_LETTERS)


@cached(maxsize=65536)
def collapse_repeats(word: str) -> str:
    """The word with every run of a repeated letter reduced to one ("хуууй" → "хуй")."""
    return _REPEATS.sub(r"\1", word)


def expand_wildcards(word: str) -> Iterator[str]:
    """The word itself, or each spelling with its "*" replaced by likely letters (at most a few stars)."""
    stars = word.count("*")
    if not stars:
        yield word
        return
    if stars > MAX_WILDCARDS:
        return
    parts = word.split("*")
    for letters in itertools.product(WILDCARD_LETTERS, repeat=stars):
        yield parts[0] + "".join(a + b for a, b in zip(letters, parts[1:], strict=True))


@cached(maxsize=65536)
def spellings(word: str) -> tuple[str, ...]:
    """Each reading of a normalised word: its wildcards filled in, as written and with repeats collapsed."""
    readings = (r for spelling in expand_wildcards(word) for r in (spelling, collapse_repeats(spelling)))
    return tuple(dict.fromkeys(readings))


@cached(maxsize=65536)
def readings(raw: str) -> tuple[str, ...]:
    """The spellings of a word as written in the text: a plain Russian word is itself (ё read as е) and,
    with repeated letters, also collapsed; any other goes through `normalise` and `spellings`."""
    lowered = raw.lower()
    if _RUSSIAN_WORD.fullmatch(lowered):
        word = lowered.replace("ё", "е")
        return (word, collapse_repeats(word)) if _REPEATED.search(word) else (word,)
    return spellings(normalise(raw))


@cached(maxsize=65536)
def lemmas(word: str) -> tuple[frozenset[str], bool]:
    """The word's lemmas (ё read as е), and whether the dictionary explains it (itself, or a known prefix
    + known word).

    Spellings the dictionary cannot explain should also be judged as written, since most obscene and
    insulting coinages are missing from it or get nonsense lemmas ("ебло" → "ести").
    """
    analyser = morph()
    parses = analyser.parse(word)
    found = frozenset(p.normal_form.replace("ё", "е") for p in parses)
    if analyser.word_is_known(word):
        return found, True
    methods = [type(step[0]).__name__ for step in parses[0].methods_stack]
    return found, methods == ["DictionaryAnalyzer", "KnownPrefixAnalyzer"]


@dataclass(frozen=True)
class Candidates:
    """The candidate words of a text: plain Russian words by span (lower case, ё as е), each of those
    spellings once (`vocabulary`), and the spans of every other candidate."""

    plain: dict[Span, str]
    vocabulary: frozenset[str]
    other: tuple[Span, ...]


@cached(maxsize=16, per_text=True)
def candidates(text: str) -> Candidates:
    """Every word, glued word and spaced-out word of the text, each once, plain Russian words apart
    (numbers on their own are no candidates: nothing reads them as a word)."""
    if "%" in text or "#" in text:
        text = _HIDDEN_SIGN.sub("*", text)  # one character for one: the spans stay those of the text
    plain: dict[Span, str] = {}
    other: dict[Span, None] = {}
    for match in _WORD_OR_RUN.finditer(text):
        if match.start("plain") >= 0:
            plain[match.span()] = match.group().lower().replace("ё", "е")
            continue
        if match.start("number") >= 0:
            continue
        other.update(dict.fromkeys(token.span() for token in _TOKEN.finditer(text, *match.span())))
        other[match.span()] = None
    other.update(dict.fromkeys(m.span() for m in _SPACED.finditer(text)))
    return Candidates(plain, frozenset(plain.values()), tuple(other))
