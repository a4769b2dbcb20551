"""Words of a text as an obfuscating writer spells them, mapped back to plain Cyrillic.

Candidates are the text's words, words glued by punctuation ("х.уй") and runs of single letters
("х у й", "х.у.й"); each keeps the span of the original text it came from.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

# Latin look-alikes and digits written for Cyrillic letters.
_HOMOGLYPHS = str.maketrans("aeopcxykmtbhiu@ё", "аеорсхукмтвниуае")
_DIGITS = str.maketrans("01346", "оизчб")
# Letters a single "*" most often hides in a censored word.
WILDCARD_LETTERS = "аеиоуыяюб"
MAX_WILDCARDS = 3

_UNIT = r"[^\W_]|[*@]"
_SEP = r"[\s.,\-_/\\|+~'\"`^:;!·•]"
_TOKEN = re.compile(rf"(?:{_UNIT})+")
_GLUED = re.compile(rf"(?:{_UNIT})+(?:[.\-_'`~]+(?:{_UNIT})+)+")
_SPACED = re.compile(rf"(?<![\w*@])(?:{_UNIT})(?:{_SEP}{{1,3}}(?:{_UNIT})(?![\w*@])){{2,}}")
_STRIP = re.compile(rf"{_SEP}+")
_REPEATS = re.compile(r"(.)\1+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Candidate:
    """A word to check: where it stands in the original text and its normalised spelling."""

    start: int
    end: int
    word: str


def normalise(raw: str) -> str:
    """Lower-case Cyrillic spelling of one word: separators dropped, look-alikes and digits mapped."""
    word = _STRIP.sub("", raw.lower()).strip("*@").translate(_HOMOGLYPHS)
    if _HAS_LETTER.search(word):
        word = word.translate(_DIGITS)
    return word


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


def candidates(text: str) -> Iterator[Candidate]:
    """Every word, glued word and spaced-out word of the text, normalised, with its span."""
    seen: set[tuple[int, int]] = set()
    for pattern in (_TOKEN, _GLUED, _SPACED):
        for match in pattern.finditer(text):
            span = match.span()
            if span in seen:
                continue
            seen.add(span)
            word = normalise(match.group())
            if _HAS_LETTER.search(word):
                yield Candidate(span[0], span[1], word)
