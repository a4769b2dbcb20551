"""Contacts in listing text: phones, e-mails, links, handles and messenger invitations."""

from __future__ import annotations

import pytest

from moderation.config import ModerationConfig
from moderation.text.contacts import check_contacts, find_contacts

CONTACTS = [
    ("звоните 8 (999) 123-45-67 вечером", "phone", "8 (999) 123-45-67"),
    ("тел +7 999 1234567", "phone", "+7 999 1234567"),
    ("номер 89991234567", "phone", "89991234567"),
    ("8 9 9 9 1 2 3 4 5 6 7 спросить Олю", "phone", "8 9 9 9 1 2 3 4 5 6 7"),
    ("офис 8-495-123-45-67", "phone", "8-495-123-45-67"),
    ("+7(916)555-44-33", "phone", "+7(916)555-44-33"),
    ("звони восемь девять один шесть пять пять пять четыре четыре три три", "phone",
     "восемь девять один шесть пять пять пять четыре четыре три три"),
    ("пишите ivan.petrov@mail.ru", "email", "ivan.petrov@mail.ru"),
    ("почта ivan собака mail.ru", "email", "ivan собака mail.ru"),
    ("смотрите на сайте shop-vesna.ru", "url", "shop-vesna.ru"),
    ("https://avito.ru/item/1 там больше фото", "url", "https://avito.ru/item/1"),
    ("www.example.com", "url", "www.example.com"),
    ("канал t.me/ivan_shop", "url", "t.me/ivan_shop"),
    ("страница vk.com/id123", "url", "vk.com/id123"),
    ("канал t. me/ivan_shop", "url", "t. me/ivan_shop"),
    ("страница vk . com/id123", "url", "vk . com/id123"),
    ("пишите в t . me", "url", "t . me"),
    ("мой ник @ivan_shop", "handle", "@ivan_shop"),
    ("пишите в телегу", "messenger", "пишите в телегу"),
    ("стучите мне в тг", "messenger", "стучите мне в тг"),
    ("есть WhatsApp", "messenger", "WhatsApp"),
    ("отвечу в вотсапе", "messenger", "отвечу в вотсапе"),
    ("лучше в Telegram", "messenger", "Telegram"),
    ("есть в вайбере", "messenger", "вайбере"),
]  # fmt: skip

NOT_CONTACTS = [
    "размеры 90 92 94 96 98",
    "размер 44-46, 48-50, 52-54",
    "цена 15 000 руб, артикул 4601234567890",
    "рост 170-176 см, 2024 год",
    "продам телегу садовую на колёсах",
    "т.е. новая, и т.д.",
    "обхват 96/74/102 см, вес 1.2 кг",
    "модель iPhone 13 Pro 256 ГБ",
    "год выпуска 2019, пробег 120 000 км",
    "ИНН 7707083893",
    "цена 7 999 999 руб",
    'диагональ 55", 3840x2160',
    "размеры сорок два, сорок четыре, сорок шесть, сорок восемь, пятьдесят",
    "отдам за двести рублей три штуки, сто лет в обед",
    "восемь девятьсот девяносто девять",
    "а я в д ж",  # single letters written apart are not a handle or a link
    "Ватные диски, 100 шт. Т.е. новые.",
]


@pytest.mark.parametrize(("text", "kind", "span"), CONTACTS)
def test_contact_is_found_with_its_kind_and_span(text: str, kind: str, span: str) -> None:
    found = find_contacts(text)
    assert [(c.kind, c.text) for c in found] == [(kind, span)]
    assert text[found[0].start : found[0].end] == span


@pytest.mark.parametrize("text", NOT_CONTACTS)
def test_sizes_prices_and_articles_are_not_contacts(text: str) -> None:
    assert find_contacts(text) == []


def test_contacts_reject_by_default_naming_what_was_found() -> None:
    check = check_contacts("Куртка, звоните 8 (999) 123-45-67 или пишите a@b.ru", ModerationConfig())
    assert check.verdict == "reject"
    assert "телефон «8 (999) 123-45-67»" in check.reason_ru
    assert "e-mail «a@b.ru»" in check.reason_ru
    assert [c["kind"] for c in check.details["contacts"]] == ["phone", "email"]


def test_contacts_verdict_is_configurable_to_warn() -> None:
    check = check_contacts("пишите в телегу", ModerationConfig(contacts_verdict="warn"))
    assert check.verdict == "warn"
    assert "мессенджер «пишите в телегу»" in check.reason_ru


def test_text_without_contacts_passes() -> None:
    check = check_contacts("Платье льняное, размер 44, длина 110 см, цена 2 500 ₽", ModerationConfig())
    assert check.verdict == "pass"
    assert check.details["contacts"] == []
