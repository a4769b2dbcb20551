"""Every obfuscation a seller uses, inside every kind of forbidden text, is caught by the registry's text
checks and named as the seller sees it (invisible characters never reach a reason)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.models import ModelStore
from core.settings import Settings
from core.text import INVISIBLE, clean_text
from moderation import moderate_text

# The forbidden text of each kind, the check that must reject it, and how each obfuscation writes it.
TARGETS: dict[str, tuple[str, str]] = {
    "phone": ("8 (999) 123-45-67", "contacts"),
    "link": ("t.me/seller", "contacts"),
    "handle": ("@ivan_shop", "contacts"),
    "мат": ("хуйня", "obscenity"),
    "insult": ("дебил", "insults"),
}


def _between(char: str) -> Callable[[str], str]:
    return lambda word: char.join(word)


def _inside(char: str) -> Callable[[str], str]:
    return lambda word: word[: len(word) // 2] + char + word[len(word) // 2 :]


OBFUSCATIONS: dict[str, dict[str, str] | Callable[[str], str]] = {
    "zero-width space": _between("\u200b"),
    "soft hyphen": _between("\u00ad"),
    "BOM": _inside("\ufeff"),
    "right-to-left override": lambda word: _inside("\u202e")(word) + "\u202c",
    "full-width": {
        "phone": "８ (９９９) １２３-４５-６７", "link": "ｔ．ｍｅ/ｓｅｌｌｅｒ",
        "handle": "＠ｉｖａｎ＿ｓｈｏｐ",
        "мат": "ху１ня", "insult": "де６ил",
    },
    "look-alike letters": {
        "phone": "8 (9OO) I23-45-67", "link": "t.mе/sеllеr", "handle": "@ivаn_shоp",
        "мат": "xyйня", "insult": "дeбил",
    },
    "spaced letters": {
        "phone": "8 9 9 9 1 2 3 4 5 6 7", "link": "t . m e / s e l l e r", "handle": "@ i v a n _ s h o p",
        "мат": "х у й н я", "insult": "д е б и л",
    },
    "dotted letters": {
        "phone": "8.999.123.45.67", "link": "t.me/s.e.l.l.e.r", "handle": "@i.v.a.n_shop",
        "мат": "х.у.й.н.я", "insult": "д.е.б.и.л",
    },
}  # fmt: skip
PHONES_IN_WORDS = [
    "восемь девятьсот девяносто девять сто двадцать три сорок пять шестьдесят семь",
    "8 девятьсот 123 сорок пять 67",
    "плюс семь 999 сто двадцать три сорок пять шестьдесят семь",
    "восемь девять девять девять один два три четыре пять шесть семь",
]


@pytest.fixture(scope="module")
def models() -> ModelStore:
    return ModelStore(Settings())


def _written(obfuscation: str, target: str) -> str:
    how = OBFUSCATIONS[obfuscation]
    return how[target] if isinstance(how, dict) else how(TARGETS[target][0])


def _rejects(text: str, check: str, models: ModelStore) -> str:
    report = moderate_text(f"Продаю куртку, {text}, почти новая", models)
    verdicts = {c.name: c for c in report.checks}
    assert verdicts[check].verdict == "reject", (text, report.to_dicts())
    reason = verdicts[check].reason_ru
    assert not INVISIBLE.search(reason)
    return reason


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("obfuscation", sorted(OBFUSCATIONS))
def test_obfuscated_text_is_caught_and_quoted_as_the_seller_sees_it(
    obfuscation: str, target: str, models: ModelStore
) -> None:
    written = _written(obfuscation, target)
    reason = _rejects(written, TARGETS[target][1], models)
    assert f"«{clean_text(written)}»" in reason


@pytest.mark.parametrize("phone", PHONES_IN_WORDS)
def test_phone_written_in_words_is_caught(phone: str, models: ModelStore) -> None:
    assert f"телефон «{phone}»" in _rejects(phone, "contacts", models)


@pytest.mark.parametrize("obfuscation", ["zero-width space", "soft hyphen", "right-to-left override"])
def test_invisible_characters_inside_a_phone_in_words_do_not_hide_it(
    obfuscation: str, models: ModelStore
) -> None:
    how = OBFUSCATIONS[obfuscation]
    assert callable(how)
    phone = " ".join(how(word) for word in PHONES_IN_WORDS[0].split())
    assert f"«{clean_text(phone)}»" in _rejects(phone, "contacts", models)
