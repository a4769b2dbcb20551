"""restore(): tokens back verbatim, unknown tokens erased, invented numbers removed, tidy only at the gaps."""

from __future__ import annotations

import pytest

from masking import mask, restore

VALUES = {
    "<PRICE>": "5 000 ₽",
    "<PRICE_2>": "5000 руб.",
    "<SIZE>": "42–44 (S)",
    "<SIZE_2>": "30 (19 см)",
    "<YEAR>": "2019 г.",
    "<QUANTITY>": "3 шт",
}


@pytest.mark.parametrize(
    ("model_text", "expected"),
    [
        # odd token shapes models emit
        ("Цена < PRICE >.", "Цена 5 000 ₽."),
        ("Цена <price>.", "Цена 5 000 ₽."),
        ("Цена <Price_2>, торг.", "Цена 5000 руб., торг."),
        ("Размер <SIZE", "Размер 42–44 (S)"),
        ("Размер <size_2 >!", "Размер 30 (19 см)!"),
        # tokens glued to punctuation and words
        ("Цена:<PRICE>,размер:<SIZE>.", "Цена:5 000 ₽,размер:42–44 (S)."),
        ("(<QUANTITY>)", "(3 шт)"),
        ("«<YEAR>»", "«2019 г.»"),
        # a unit the value already has is not doubled, and neither is the dot
        ("Цена <PRICE_2> руб.", "Цена 5000 руб."),
        ("Цена <PRICE_2>.", "Цена 5000 руб."),
        ("Цена <PRICE_2> руб. Торг.", "Цена 5000 руб. Торг."),
        ("Всего <QUANTITY> шт.", "Всего 3 шт."),
        ("Цена <PRICE> ₽", "Цена 5 000 ₽"),
        ("Цена <PRICE> руб. за штуку", "Цена 5 000 ₽ за штуку"),
        ("Цена <PRICE> руб.", "Цена 5 000 ₽."),
    ],
)
def test_tokens_are_restored_verbatim(model_text: str, expected: str) -> None:
    result = restore(model_text, VALUES)
    assert result.text == expected
    assert result.erased == [] and result.removed_numbers == []
    assert result.restored


@pytest.mark.parametrize(
    ("model_text", "expected", "erased"),
    [
        ("Цена: <PRICE_9>. Цвет синий.", "Цвет синий.", ["<PRICE_9>"]),
        ("Цвет синий, размер: <SIZE_7>.", "Цвет синий.", ["<SIZE_7>"]),
        ("<WEIGHT> лёгкая куртка", "Лёгкая куртка", ["<WEIGHT>"]),
        ("Куртка (<WEIGHT>) синяя", "Куртка синяя", ["<WEIGHT>"]),
        ("Куртка <WEIGHT> кг, синяя", "Куртка, синяя", ["<WEIGHT>"]),
        ("Лёгкая куртка <WEIGHT> кг.", "Лёгкая куртка.", ["<WEIGHT>"]),
        ("Отдам за <PRICE_5>.", "Отдам.", ["<PRICE_5>"]),
        (
            "Описание. Цена от <PRICE_7> до <PRICE_8>. Цвет синий.",
            "Описание. Цвет синий.",
            ["<PRICE_7>", "<PRICE_8>"],
        ),
        ("Хорошее состояние.\nЦена: <PRICE_9>\nЗвоните.", "Хорошее состояние.\nЗвоните.", ["<PRICE_9>"]),
        ("Размер <SIZE>, <COLOR> цвет.", "Размер 42–44 (S), цвет.", ["<COLOR>"]),
        ("Новая куртка <UNK_VAL>", "Новая куртка", ["<UNK_VAL>"]),
        (
            "Цена <PRICE>, вес <WEIGHT>, <QUANTITY>.",
            "Цена 5 000 ₽, <QUANTITY>.".replace("<QUANTITY>", "3 шт"),
            ["<WEIGHT>"],
        ),
    ],
)
def test_tokens_without_value_are_erased_and_tidied(
    model_text: str, expected: str, erased: list[str]
) -> None:
    result = restore(model_text, VALUES)
    assert result.text == expected
    assert result.erased == erased


@pytest.mark.parametrize(
    ("model_text", "expected", "removed"),
    [
        ("Скидка 15% на всё!", "Скидка на всё!", ["15%"]),
        ("Размер <SIZE>, в наличии 7 шт.", "Размер 42–44 (S).", ["7 шт"]),
        ("Куртка синяя, 7 шт. в наличии", "Куртка синяя, в наличии", ["7 шт."]),
        ("Всего 10 шт, цена <PRICE>.", "Цена 5 000 ₽.", ["10 шт"]),
        ("Цена: 4 999 ₽. Размер <SIZE>.", "Размер 42–44 (S).", ["4 999 ₽"]),
        ("Пишите, звоните +7 900 111 22 33", "Пишите", ["+7 900 111 22 33"]),
        ("Год ٢٠٢٠, размер <SIZE>", "Размер 42–44 (S)", ["٢٠٢٠"]),
    ],
)
def test_invented_numbers_are_removed_and_reported(
    model_text: str, expected: str, removed: list[str]
) -> None:
    result = restore(model_text, VALUES)
    assert result.text == expected
    assert result.removed_numbers == removed


def test_the_sellers_own_numbers_may_be_written_out() -> None:
    result = restore("Отдам 3 штуки за 5000, размер 42.", VALUES)
    assert result.text == "Отдам 3 штуки за 5000, размер 42."
    assert result.removed_numbers == []


def test_source_text_adds_allowed_numbers() -> None:
    assert restore("Модель 90", VALUES).removed_numbers == ["90"]
    assert restore("Модель 90", VALUES, source_text="Nike Air Max 90").text == "Модель 90"


def test_text_away_from_the_gaps_stays_byte_for_byte() -> None:
    untouched = "Состояние  отличное ,  без  дефектов!"
    result = restore(f"{untouched} Цена: <PRICE_9>.\n{untouched}", VALUES)
    assert result.text == f"{untouched}\n{untouched}"


def test_restore_after_mask_of_a_full_listing() -> None:
    attributes = {"Цена": "5 000 ₽", "Размер": "42–44 (S)"}
    text = "Пуховик, размер 42–44 (S), цена 5 000 ₽. Носила 1 сезон. Звоните 8-900-123-45-67."
    masked = mask(attributes, text)
    model = "Тёплый пуховик <SIZE>. Цена <price>, <UNK_VAL_4> сезон, скидка 10%."
    result = restore(model, masked.values)
    assert result.text == "Тёплый пуховик 42–44 (S). Цена 5 000 ₽, сезон."
    assert result.erased == ["<UNK_VAL_4>"]
    assert result.removed_numbers == ["10%"]
    assert result.restored == ["<SIZE>", "<PRICE>"]
