"""core.text: invisible characters go, every visible character stays exactly as the seller typed it."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest

from core.listing import Listing
from core.text import INVISIBLE, clean_listing, clean_text

INVISIBLE_CHARACTERS = {
    "zero-width space": "\u200b", "zero-width non-joiner": "\u200c", "zero-width joiner": "\u200d",
    "soft hyphen": "\u00ad", "BOM": "\ufeff", "word joiner": "\u2060", "right-to-left override": "\u202e",
    "left-to-right mark": "\u200e", "pop directional formatting": "\u202c", "first strong isolate": "\u2068",
    "NUL": "\x00", "DC3": "\x13", "escape": "\x1b", "DEL": "\x7f", "C1 control": "\x9b",
    "replacement character": "\ufffd", "Hangul filler": "\u3164", "private use": "\ue000",
    "tag character": "\U000e0041",
}  # fmt: skip
VISIBLE = [
    "Платье «Весна» — размер 44, цена 2 500 ₽, ёлочный узор № 5",
    # full-width is visible: moderation reads it, the text keeps it
    "ｔ．ｍｅ и ８９９９ остаются как написано",
    "мо\u0301локо, й",  # a stress accent and a decomposed "й" are visible marks
    "цена\u00a0500",  # no-break space
    "👩\u200d💻 и ❤️ и 👍🏽",  # emoji sequences keep their joiner and modifiers
    "табуляция\tи\nстроки",
]


def test_every_format_character_of_this_python_is_removed() -> None:
    """The hand-written list of Unicode category Cf covers the interpreter's Unicode database."""
    ranges = [range(0x0, 0x20000), range(0xE0000, 0xE0080)]
    format_chars = [chr(c) for r in ranges for c in r if unicodedata.category(chr(c)) == "Cf"]
    assert len(format_chars) > 150, unicodedata.unidata_version
    missing = [f"U+{ord(c):04X}" for c in format_chars if not INVISIBLE.match(c)]
    assert missing == [], sys.version


@pytest.mark.parametrize("name", sorted(INVISIBLE_CHARACTERS))
def test_invisible_character_is_removed(name: str) -> None:
    char = INVISIBLE_CHARACTERS[name]
    assert clean_text(f"Чаш{char}ка 8{char}999{char}") == "Чашка 8999"


@pytest.mark.parametrize("text", VISIBLE)
def test_visible_characters_are_kept_exactly(text: str) -> None:
    assert clean_text(text) == text


@pytest.mark.parametrize("line_break", ["\r\n", "\r", "\u2028", "\u2029", "\x85"])
def test_every_line_break_becomes_a_newline(line_break: str) -> None:
    assert clean_text(f"первая{line_break}вторая") == "первая\nвторая"


def test_a_listing_is_cleaned_in_its_names_values_and_text() -> None:
    photos = [Path("a.jpg")]
    attributes = {"Те\u200bлефон": "8\u200b999\u00ad1234567", "Цена": "1\ufeff500"}
    listing = Listing(photos, attributes, "\u202eЧашка")
    cleaned = clean_listing(listing)
    assert cleaned.attributes == {"Телефон": "89991234567", "Цена": "1500"}
    assert cleaned.text == "Чашка"
    assert cleaned.images == photos and cleaned is not listing
    assert listing.text == "\u202eЧашка"  # the original is left as it was
