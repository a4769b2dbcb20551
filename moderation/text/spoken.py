"""Phone numbers written partly or wholly in Russian words: «восемь девятьсот сто двадцать три 45 67».

A run of number words and digit groups is read the way it is spoken: «девятьсот девяносто девять» is
"999", «сорок пять» is "45", «восемь» is "8", «ноль» is "0", a digit group is itself. A run that holds
a number word and reads as a valid Russian number (11 digits from 7 or 8, 10 from 9) is a phone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

_UNITS = {
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
}  # fmt: skip
_TEENS = {
    "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19,
}  # fmt: skip
_TENS = {
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90,
}  # fmt: skip
_HUNDREDS = {
    "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500, "шестьсот": 600,
    "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
}  # fmt: skip
_WORDS = {**_UNITS, **_TEENS, **_TENS, **_HUNDREDS}
_ITEM = rf"(?:\d+|{'|'.join(sorted(_WORDS, key=len, reverse=True))})(?![\w])"
_RUN = re.compile(rf"(?<![\w+])(?:\+|плюс\s*)?{_ITEM}(?:[\s,.\-()]+{_ITEM}){{2,}}")
_PART = re.compile(rf"\+|плюс|{_ITEM}")


@dataclass(frozen=True)
class _Group:
    """Digits of one spoken number or digit group, and its span."""

    digits: str
    start: int
    end: int
    spoken: bool


def _groups(run: str, offset: int) -> Iterator[_Group]:
    """The run's numbers as spoken: hundreds take tens and units after them, tens take units."""
    value, width, open_for, start, end = 0, 0, 0, 0, 0  # open_for: 3 tens or units, 1 units, 0 closed
    for part in _PART.finditer(run):
        word = part.group()
        fits = (
            (word in _TENS and open_for == 3)
            or (word in _TEENS and open_for == 3)
            or (word in _UNITS and open_for >= 1 and _UNITS[word] > 0)
        )
        if fits:
            value += _WORDS[word]
            open_for = 1 if word in _TENS else 0
            end = part.end()
            continue
        if width:
            yield _Group(str(value).zfill(width), offset + start, offset + end, True)
        start, end = part.start(), part.end()
        value, width, open_for = 0, 0, 0
        if word in ("+", "плюс"):
            yield _Group("", offset + start, offset + end, False)
        elif word[0].isdigit():
            yield _Group(word, offset + start, offset + end, False)
        else:
            value = _WORDS[word]
            width = 3 if word in _HUNDREDS else 2 if value >= 10 else 1
            open_for = 3 if word in _HUNDREDS else 1 if word in _TENS else 0
    if width:
        yield _Group(str(value).zfill(width), offset + start, offset + end, True)


def _is_phone(digits: str) -> bool:
    if not ((len(digits) == 11 and digits[0] in "78") or (len(digits) == 10 and digits[0] == "9")):
        return False
    number = phonenumbers.parse(digits if digits[0] == "9" else "+7" + digits[1:], "RU")
    return phonenumbers.is_valid_number(number)


def spoken_phones(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers written with at least one number word (a leading «плюс» or "+" included),
    in a lower-case text."""
    found = []
    for run in _RUN.finditer(text):
        groups = list(_groups(run.group(), run.start()))
        first = 0
        while first < len(groups):
            digits, last = "", first
            for last in range(first, len(groups)):
                digits += groups[last].digits
                if len(digits) >= (11 if digits[:1] in ("7", "8") else 10):
                    break
            chosen = groups[first : last + 1]
            if any(g.spoken for g in chosen) and _is_phone(digits):
                found.append((chosen[0].start, chosen[-1].end))
                first = last + 1
            else:
                first += 1
    return found
