"""Regular expressions for the human units of numbers, phones and tokens; compiled once, on first use.

A value is a whole human unit: an optional sign ("> 50", "№ 3", "$5"), one number or a range or a
product of numbers ("42–44", "120×60×75"), an optional ordinal ending ("2-х"), multiplier and units
("5 тыс. руб.", "128 ГБ") and one qualifier in brackets ("30 (19 см)", "42–44 (S)", "86-92 см (1-2 года)").
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from masking.fields import TOKEN_TYPES, UNITS

SPACE = "[ \u00a0\u202f\u2009]"  # one horizontal space inside a value: plain, no-break, narrow, thin
DASH = "[-\u2010\u2011\u2012\u2013\u2014\u2212~]"
TIMES = "[×xXхХ*]"
# An abbreviation dot belongs to the unit unless it ends a sentence ("руб. за штуку" vs "руб. Торг").
DOT = r"(?:\.(?=\Z|[ \t\u00a0\u202f]*(?-i:[^\s.A-ZА-ЯЁ])))?"
LETTER_AFTER = r"(?![^\W\d_])"
MULTIPLIER = r"(?:тыс|тысяч[аи]?|млн|млрд)" + DOT + r"|(?<=\d)[кkK]" + LETTER_AFTER
ENDING = r"-(?:х|ти|ми|мя|ух|ёх|ех|й|я|е|го|му|м|ой|ий|ый|ая|ое|ые|ых|им|ом)" + LETTER_AFTER
SIGN = r"(?:[<>≤≥≈±+$€£№#]|(?<![\w.,])[-\u2212](?=\d))"
SIZE_LETTERS = r"(?-i:(?:[2-9]|X{1,4})?(?:XS|S|M|L)|XS|[2-9]?XL)"


def normalize_unit(unit: str) -> str:
    """The lookup form of a unit: lower case, single plain spaces, no trailing dot."""
    return re.sub(SPACE, " ", unit).lower().rstrip(".")


@lru_cache(maxsize=1)
def unit_types() -> dict[str, tuple[str, ...]]:
    """Normalised unit spelling → the token types it allows (first is the default)."""
    return {normalize_unit(spelling): types for types, spellings in UNITS.items() for spelling in spellings}


@lru_cache(maxsize=1)
def digit_class() -> str:
    """A regex character class body for every Unicode digit: decimal digits plus superscripts,
    fractions and other numeric signs (categories Nd and No)."""
    points = [i for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)) in ("Nd", "No")]
    ranges: list[tuple[int, int]] = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )


@dataclass(frozen=True)
class Patterns:
    """The compiled expressions mask() and restore() share."""

    scan: re.Pattern[str]  # groups: tok (a token shape), phone, val (pre, num, plus, unit, paren)
    unit_after: re.Pattern[str]  # a unit right after a value or a token
    unit_tail: re.Pattern[str]  # a unit that ends a value
    number: re.Pattern[str]  # one number inside a value
    digit: re.Pattern[str]  # any digit
    word: re.Pattern[str]  # a word, hyphenated parts included ("кол-во")


def _unit_alternation() -> str:
    spellings = sorted({normalize_unit(s) for s in unit_types()}, key=len, reverse=True)
    alts = []
    for spelling in spellings:
        escaped = re.escape(spelling).replace(r"\ ", SPACE + "?")
        last_is_letter = spelling[-1].isalpha()
        alts.append(escaped + (DOT + LETTER_AFTER if last_is_letter else ""))
    return "(?:" + "|".join(alts) + ")"


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    """Compile every expression once."""
    d = digit_class()
    digit = f"[{d}]"
    number = (
        rf"(?:{digit}{{1,3}}(?:{SPACE}{digit}{{3}}(?![{d}]))+|{digit}+)"
        rf"(?:[.,:/]{digit}+)*"
    )
    rng = rf"{number}(?:{SPACE}?(?:{DASH}|{TIMES}){SPACE}?{number})*"
    unit = _unit_alternation()
    units = rf"(?:{SPACE}?(?:{MULTIPLIER}))?(?:{SPACE}?{unit})*"
    inner = rf"(?:(?:рост|на|~|≈){SPACE}?)?{SIGN}?{SPACE}?{rng}(?:{SPACE}?{unit})*|{SIZE_LETTERS}"
    paren = rf"{SPACE}?\({SPACE}*(?:{inner})(?:{SPACE}*[,/;]{SPACE}*(?:{inner}))*{SPACE}*\)"
    value = (
        rf"(?P<pre>{SIGN}{SPACE}?)?(?P<num>{rng})(?P<plus>\+)?"
        rf"(?P<unit>(?:{ENDING})?{units})"
        rf"(?P<paren>{paren})?"
    )
    phone = (
        r"(?<![\w+])(?:(?:\+[ \u00a0]?[78]|8|7)[ \u00a0\-]{0,2})?\(?[0-9]{3}\)?[ \u00a0\-]{0,2}"
        r"[0-9]{3}[ \u00a0\-]?[0-9]{2}[ \u00a0\-]?[0-9]{2}(?![0-9])"
    )
    names = "|".join(sorted((re.escape(t) for t in TOKEN_TYPES), key=len, reverse=True))
    token = (
        rf"<[ \t]*(?P<known>(?i:{names})(?:_[0-9]+)?)[ \t]*(?:>|(?![\w<>]))"
        r"|<[ \t]*(?P<other>(?-i:[A-Z]{2,}(?:_[A-Z0-9]+)*))[ \t]*>"
    )
    flags = re.IGNORECASE
    return Patterns(
        scan=re.compile(rf"(?P<tok>{token})|(?P<phone>{phone})|(?P<val>{value})", flags),
        unit_after=re.compile(rf"{SPACE}?{unit}", flags),
        unit_tail=re.compile(rf"(?<![^\W\d_]){unit}\Z", flags),
        number=re.compile(number),
        digit=re.compile(digit),
        word=re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*"),
    )
