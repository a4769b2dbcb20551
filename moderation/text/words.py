"""Words of a text as an obfuscating writer spells them, mapped back to plain Cyrillic, and their lemmas.

Candidates are the text's words, words glued by punctuation ("х.уй") and runs of single letters
("х у й", "х.у.й"); each keeps its span in the (normalised) text it came from.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator

from core.morphology import morph
from moderation.text.normalize import Span, cyrillic_word

# Letters a single "*" most often hides in a censored word.
WILDCARD_LETTERS = "аеиоуыяюбзд"
MAX_WILDCARDS = 3

# Phonetic transliteration of words typed in Latin letters ("blyat", "nahui"): digraphs first.
_TRANSLIT = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("ya", "я"), ("ja", "я"), ("yo", "ё"), ("yu", "ю"), ("ju", "ю"), ("ye", "е"),
)  # fmt: skip
_TRANSLIT_LETTERS = str.maketrans("abvgdezijklmnoprstufhcyxw", "абвгдезийклмнопрстуфхцыхв")
_LATIN_WORD = re.compile(r"[a-z]+")
_TOKEN = re.compile(r"(?:[^\W_]|[*@])+")
_GLUE = re.compile(r"[.\-_'`~]{1,3}")  # between the parts of one glued word: "х.уй", "пи-зда"
_SPACER = re.compile(r"[\s.,\-_/\\|+~'\"`^:;!·•]{1,3}")  # between spaced-out letters: "х у й"
_STRIP = re.compile(r"[^\w*@]+|_+")
_REPEATS = re.compile(r"(.)\1+")
_HIDDEN = re.compile(r"(?<=\w)\.{2,3}(?=\w)")


@functools.lru_cache(maxsize=65536)
def normalise(raw: str) -> str:
    """Lower-case Cyrillic spelling of one word: dots for a hidden letter read as "*" ("с..ка"), "3.14"
    read as "пи", other separators dropped, look-alikes and digits mapped."""
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


@functools.lru_cache(maxsize=65536)
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


@functools.lru_cache(maxsize=65536)
def spellings(word: str) -> tuple[str, ...]:
    """Each reading of a normalised word: its wildcards filled in, as written and with repeats collapsed."""
    readings = (r for spelling in expand_wildcards(word) for r in (spelling, collapse_repeats(spelling)))
    return tuple(dict.fromkeys(readings))


@functools.lru_cache(maxsize=65536)
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


def _runs(text: str, tokens: list[Span], joins: re.Pattern[str], single: bool, least: int) -> Iterator[Span]:
    """Spans of `least`+ consecutive tokens whose gaps fully match `joins` (single-character tokens only
    when `single`)."""
    run: list[Span] = []
    for span in [*tokens, (len(text) + 2, len(text) + 2)]:
        fits = not single or span[1] - span[0] == 1
        joined = run and fits and joins.fullmatch(text, run[-1][1], span[0]) is not None
        if joined:
            run.append(span)
            continue
        if len(run) >= least:
            yield run[0][0], run[-1][1]
        run = [span] if fits else []


@functools.lru_cache(maxsize=16)
def candidate_spans(text: str) -> tuple[Span, ...]:
    """Spans of every word, glued word and spaced-out word of the text, each once."""
    tokens = [m.span() for m in _TOKEN.finditer(text)]
    spans = dict.fromkeys(tokens)
    spans.update(dict.fromkeys(_runs(text, tokens, _GLUE, single=False, least=2)))
    spans.update(dict.fromkeys(_runs(text, tokens, _SPACER, single=True, least=3)))
    return tuple(spans)
