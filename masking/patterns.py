"""Regular expressions for the human units of numbers, phones and tokens; compiled once, on first use.

A value is a whole human unit: an optional sign ("> 50", "№ 3", "$5"), one number or a range or a
product of numbers ("42–44", "120×60×75"), an optional ordinal ending ("2-х"), multiplier and units
("5 тыс. руб.", "128 ГБ") and one qualifier in brackets ("30 (19 см)", "42–44 (S)", "86-92 см (1-2 года)").
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from masking.fields import TOKEN_TYPES, UNITS

SPACE = "[ \u00a0\u202f\u2009]"  # one horizontal space inside a value: plain, no-break, narrow, thin
DASH = "[-\u2010\u2011\u2012\u2013\u2014\u2212~]"
TIMES = "[×xXхХ*]"
# An abbreviation dot belongs to the unit unless it ends a sentence ("руб. за штуку" vs "руб. Торг").
DOT = r"(?:\.(?=\Z|[ \t\u00a0\u202f]*(?-i:[^\s.A-ZА-ЯЁ])))?"
LETTER_AFTER = r"(?![^\W\d_])"
MULTIPLIER = r"(?i:тыс|тысяч[аи]?|млн|млрд)" + DOT + r"|(?<=\d)[кКkK]" + LETTER_AFTER
ENDING = r"-(?:х|ти|ми|мя|ух|ёх|ех|й|я|е|го|му|м|ой|ий|ый|ая|ое|ые|ых|им|ом)" + LETTER_AFTER
SIGN = r"(?:[<>≤≥≈±+$€£№#]|(?<![\w.,])[-\u2212](?=\d))"
# "iPhone 13 128 ГБ" is a model and a memory size, not 13 128 gigabytes.
NOT_MEMORY = rf"(?!{SPACE}?(?i:гб|gb|тб|tb)(?![^\W\d_]))"
SIZE_LETTERS = r"(?-i:(?:[2-9]|X{1,4})?(?:XS|S|M|L)|XS|[2-9]?XL)"


def normalize_unit(unit: str) -> str:
    """The lookup form of a unit: lower case, single plain spaces, no trailing dot."""
    return re.sub(SPACE, " ", unit).lower().rstrip(".")


@lru_cache(maxsize=1)
def unit_types() -> dict[str, tuple[str, ...]]:
    """Normalised unit spelling → the token types it allows (first is the default)."""
    return {normalize_unit(spelling): types for types, spellings in UNITS.items() for spelling in spellings}


@lru_cache(maxsize=1)
def digit_chars() -> tuple[str, str]:
    """Every Unicode digit (categories Nd and No: decimal digits, superscripts, fractions, circled
    numbers …) as two regex character-class bodies: the Basic Multilingual Plane, and beyond it."""
    points = [i for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)) in ("Nd", "No")]
    return _class_body(p for p in points if p < 0x10000), _class_body(p for p in points if p >= 0x10000)


def _class_body(points: Iterable[int]) -> str:
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
    start: re.Pattern[str]  # a character a scan match can start with
    unit_after: re.Pattern[str]  # a unit right after a value or a token
    unit_tail: re.Pattern[str]  # a unit that ends a value
    number: re.Pattern[str]  # one number inside a value
    word: re.Pattern[str]  # a word, hyphenated parts included ("кол-во")

    def next_match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """`scan.search(text, pos)`, fast: the scan is only tried where a match can start."""
        while (candidate := self.start.search(text, pos)) is not None:
            match = self.scan.match(text, candidate.start())
            if match is not None:
                return match
            pos = candidate.start() + 1
        return None

    def matches(self, text: str) -> Iterator[re.Match[str]]:
        """Every scan match in `text`, left to right, as `scan.finditer` gives them."""
        pos = 0
        while (match := self.next_match(text, pos)) is not None:
            yield match
            pos = match.end()


def _trie_regex(words: list[str]) -> str:
    """One alternation for many spellings, as a trie so the engine never retries a shared prefix.

    Longer spellings win over their prefixes; a spelling ending in a letter must end the word and
    may take an abbreviation dot."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = word

    def emit(node: dict) -> str:
        branches = [
            (SPACE + "?" if char == " " else re.escape(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if "" in node:
            branches.append(DOT + LETTER_AFTER if node[""][-1].isalpha() else "")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(trie)


def _unit_alternation() -> str:
    return "(?i:" + _trie_regex(sorted({normalize_unit(s) for s in unit_types()})) + ")"


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    """Compile every expression once."""
    bmp, astral = digit_chars()
    digit = rf"(?:[{bmp}]|(?=[\U00010000-\U0010ffff])[{astral}])"
    number = (
        rf"(?:{digit}{{1,3}}(?:{SPACE}{digit}{{3}}(?!{digit}){NOT_MEMORY})+|{digit}+)"
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
    return Patterns(
        scan=re.compile(rf"(?P<tok>{token})|(?P<phone>{phone})|(?P<val>{value})"),
        start=re.compile(rf"[<>≤≥≈±+$€£№#\-\u2212(\U00010000-\U0010ffff{bmp}]"),
        unit_after=re.compile(rf"{SPACE}?{unit}"),
        unit_tail=re.compile(rf"(?<![^\W\d_]){unit}\Z"),
        number=re.compile(number),
        word=re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*"),
    )
