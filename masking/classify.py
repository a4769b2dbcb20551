"""Which token type a value found in text gets, from its unit and the words just before it."""

from __future__ import annotations

import re
import unicodedata

from masking.fields import (
    AGE_PREPOSITIONS,
    PHONE,
    PRICE,
    PRICE_PREPOSITIONS,
    SIZE,
    UNKNOWN,
    YEAR,
    YEAR_PREPOSITIONS,
    YEAR_UNITS,
)
from masking.lemmas import field_type
from masking.patterns import DASH, TIMES, normalize_unit, patterns, unit_types

CONTEXT_WORDS = 3  # how many words before a number may name it
CONTEXT_CHARS = 60
_CLAUSE_END = re.compile(r"[.!?;](?=\s)|\n")
_RANGE = re.compile(f"{DASH}|{TIMES}")


def words_before(text: str, start: int, since: int = 0) -> list[str]:
    """Up to CONTEXT_WORDS words between `since` and `start` in the same sentence, nearest first."""
    begin = max(since, start - CONTEXT_CHARS)
    chunk = text[begin:start]
    cut = 0
    for end in _CLAUSE_END.finditer(chunk):
        cut = end.end()
    return patterns().word.findall(chunk, cut)[-CONTEXT_WORDS:][::-1]


def context_type(words: list[str]) -> str | None:
    """The nearest field word's type; a word after "за" names a rate ("цена за штуку"), not the number."""
    for i, word in enumerate(words):
        kind = field_type(word)
        after_za = i + 1 < len(words) and words[i + 1].lower() in PRICE_PREPOSITIONS
        if kind is not None and not after_za:
            return kind
    return None


def ascii_digits(text: str) -> str:
    """`text` with every digit that has a decimal value written in ASCII."""
    return "".join(str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None else c for c in text)


def _year_like(number: str) -> bool:
    first = patterns().number.match(number)
    digits = ascii_digits(first.group()) if first else ""
    return len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2099


def classify(match: re.Match[str], words: list[str], field: str | None = None) -> str:
    """The token type for one `scan` match, given the words before it and the attribute's own type."""
    if match.group("tok") is not None:
        return UNKNOWN
    if match.group("phone") is not None:
        return PHONE
    unit_match = patterns().unit_tail.search(match.group("unit") or "")
    unit = normalize_unit(unit_match.group()) if unit_match else None
    year_like = _year_like(match.group("num"))
    if unit in YEAR_UNITS and year_like:
        return YEAR
    context = context_type(words) or field
    nearest = words[0].lower() if words else ""
    allowed = unit_types().get(unit) if unit else None
    if allowed:
        if context in allowed:
            return context
        if "AGE" in allowed and (nearest in AGE_PREPOSITIONS or match.group("plus")):
            return "AGE"
        if SIZE in allowed and (match.group("paren") or _RANGE.search(match.group("num"))):
            return SIZE  # "120×60×75 см", "86-92 см (1-2 года)"
        return allowed[0]
    if context:
        return context
    if nearest in PRICE_PREPOSITIONS:
        return PRICE
    if year_like and nearest in YEAR_PREPOSITIONS:
        return YEAR
    if match.group("paren"):
        return SIZE
    return UNKNOWN
