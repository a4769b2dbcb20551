"""Words of a text as an obfuscating writer spells them, mapped back to plain Cyrillic.

Candidates are the text's words, words glued by punctuation ("х.уй") and runs of single letters
("х у й", "х.у.й"); each keeps the span of the original text it came from.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

# Latin look-alikes and digits written for Cyrillic letters.
_HOMOGLYPHS = str.maketrans("aeopcxykmtbhiu@ё", "аеорсхукмтвниуае")
_DIGITS = str.maketrans("01346", "оизчб")
# Letters a single "*" most often hides in a censored word.
WILDCARD_LETTERS = "аеиоуыяюб"
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
_HAS_LETTER = re.compile(r"[^\W\d_]")

Span = tuple[int, int]
Found = TypeVar("Found")


def outermost(found: Iterable[Found], span: Callable[[Found], Span]) -> list[Found]:
    """Findings in text order, the longest first at each start, none overlapping an earlier one."""
    kept: list[Found] = []
    for item in sorted(found, key=lambda f: (span(f)[0], -span(f)[1])):
        if not kept or span(item)[0] >= span(kept[-1])[1]:
            kept.append(item)
    return kept


def normalise(raw: str) -> str:
    """Lower-case Cyrillic spelling of one word: separators dropped, look-alikes and digits mapped."""
    word = _STRIP.sub("", raw.lower()).strip("*@").translate(_HOMOGLYPHS)
    if _HAS_LETTER.search(word):
        word = word.translate(_DIGITS)
    return word


def transliterate(raw: str) -> str | None:
    """Cyrillic reading of a word typed in Latin letters ("pizdec" → "пиздец"), else None."""
    word = raw.lower()
    if not _LATIN_WORD.fullmatch(word):
        return None
    for latin, cyrillic in _TRANSLIT:
        word = word.replace(latin, cyrillic)
    word = re.sub(r"y$", "й", word)
    return word.translate(_TRANSLIT_LETTERS)


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


def candidate_spans(text: str) -> list[Span]:
    """Spans of every word, glued word and spaced-out word of the text, each once."""
    tokens = [m.span() for m in _TOKEN.finditer(text)]
    spans = dict.fromkeys(tokens)
    spans.update(dict.fromkeys(_runs(text, tokens, _GLUE, single=False, least=2)))
    spans.update(dict.fromkeys(_runs(text, tokens, _SPACER, single=True, least=3)))
    return list(spans)
