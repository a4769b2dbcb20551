"""Which token type a value found in text gets, from its unit and the words just before it."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
_CLAUSE_ENDS = (". ", "! ", "? ", "; ", ".\n", "\n")
_RANGE = re.compile(f"{DASH}|{TIMES}")
_PRODUCT = re.compile(TIMES)
_YEAR_UNITS = frozenset(map(normalize_unit, YEAR_UNITS))


def words_before(text: str, start: int, since: int = 0) -> list[str]:
    """Up to CONTEXT_WORDS words between `since` and `start` in the same sentence, nearest first."""
    chunk = text[max(since, start - CONTEXT_CHARS) : start]
    cut = max((found + len(end) for end in _CLAUSE_ENDS if (found := chunk.rfind(end)) >= 0), default=0)
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
    if text.isascii():
        return text
    return "".join(str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None else c for c in text)


def _year_like(number: str) -> bool:
    first = patterns().number.match(number)
    digits = ascii_digits(first.group()) if first else ""
    return len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2099


@lru_cache(maxsize=4096)
def _unit_of(unit_group: str) -> str | None:
    """The lookup form of the unit that ends a value's unit part ("тыс. руб." → "руб"), or None."""
    found = patterns().unit_tail.search(unit_group)
    return normalize_unit(found.group()) if found else None


def classify(match: re.Match[str], text: str, since: int = 0, field: str | None = None) -> str:
    """The token type for one scan match in `text`: from its unit, the words between `since` and
    the match, and `field` (the attribute's type, or the type of the list the value continues)."""
    if match.group("tok") is not None:
        return UNKNOWN
    if match.group("phone") is not None:
        return PHONE
    unit = _unit_of(match.group("unit")) if match.group("unit") else None
    allowed = unit_types().get(unit) if unit else None
    if unit in _YEAR_UNITS and _year_like(match.group("num")):
        return YEAR
    if allowed and len(allowed) == 1:
        return allowed[0]
    words = words_before(text, match.start(), since)
    context = context_type(words) or field
    nearest = words[0].lower() if words else ""
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
    if nearest in YEAR_PREPOSITIONS and _year_like(match.group("num")):
        return YEAR
    if match.group("paren") or _PRODUCT.search(match.group("num")):
        return SIZE  # "30 (19 см)", "30*25*10"
    return UNKNOWN
