"""Token naming: types from field names by lemma, numbering, reuse of one token for one value, sources."""

from __future__ import annotations

import pytest

from masking import FIELD_WORDS, mask, restore
from masking.lemmas import field_type, name_type


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("цены", "PRICE"),
        ("ценой", "PRICE"),
        ("стоимостью", "PRICE"),
        ("размера", "SIZE"),
        ("Размеры", "SIZE"),
        ("весом", "WEIGHT"),
        ("пробегом", "MILEAGE"),
        ("памяти", "MEMORY"),
        ("объёмом", "VOLUME"),
        ("ширину", "WIDTH"),
        ("возрасте", "AGE"),
        ("количестве", "QUANTITY"),
        ("диагональю", "DIAGONAL"),
    ],
)
def test_field_words_are_matched_by_lemma(word: str, kind: str) -> None:
    assert field_type(word) == kind


@pytest.mark.parametrize("word", ["куртка", "синий", "продаю", "за", "цвет", "состояние"])
def test_other_words_name_no_field(word: str) -> None:
    assert field_type(word) is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (["Объём", "памяти"], "MEMORY"),
        (["Объём", "двигателя"], "VOLUME"),
        (["Год", "выпуска"], "YEAR"),
        (["Диагональ", "экрана"], "DIAGONAL"),
        (["Цвет"], None),
    ],
)
def test_attribute_names_take_the_first_type_in_table_order(name: list[str], kind: str | None) -> None:
    assert name_type(name) == kind


def test_the_table_is_one_mapping_from_type_to_words() -> None:
    assert all(isinstance(words, tuple) and words for words in FIELD_WORDS.values())
    assert {
        "PRICE",
        "SIZE",
        "YEAR",
        "QUANTITY",
        "WEIGHT",
        "VOLUME",
        "LENGTH",
        "WIDTH",
        "HEIGHT",
        "AREA",
        "AGE",
        "MILEAGE",
        "MEMORY",
        "DIAGONAL",
    } <= set(FIELD_WORDS)


def test_repeated_types_are_numbered_in_order() -> None:
    masked = mask({}, "Размер 42, рост 170, размер 44, рост 176")
    assert masked.text == "Размер <SIZE>, рост <HEIGHT>, размер <SIZE_2>, рост <HEIGHT_2>"
    assert masked.values == {"<SIZE>": "42", "<HEIGHT>": "170", "<SIZE_2>": "44", "<HEIGHT_2>": "176"}


def test_the_same_value_reuses_its_token() -> None:
    masked = mask({"Цена": "5 000 ₽"}, "Цена 5 000 ₽. Отдам за 5 000 ₽, торг.")
    assert masked.attributes == {"Цена": "<PRICE>"}
    assert masked.text == "Цена <PRICE>. Отдам за <PRICE>, торг."
    assert masked.values == {"<PRICE>": "5 000 ₽"}
    assert masked.sources == {"<PRICE>": "Цена"}


def test_an_untyped_repeat_reuses_the_typed_token() -> None:
    masked = mask({"Размер": "42"}, "Отличная вещь, 42")
    assert masked.text == "Отличная вещь, <SIZE>"
    assert list(masked.values) == ["<SIZE>"]


def test_the_same_digits_with_another_meaning_get_their_own_token() -> None:
    masked = mask({"Размер": "42"}, "Цена 42 ₽")
    assert masked.values == {"<SIZE>": "42", "<PRICE>": "42 ₽"}
    assert masked.sources == {"<SIZE>": "Размер", "<PRICE>": "text"}


def test_attributes_without_numbers_are_unchanged() -> None:
    attributes = {"Цвет": "синий", "Материал": "хлопок"}
    masked = mask(attributes, "Без дефектов")
    assert masked.attributes == attributes and masked.text == "Без дефектов" and masked.values == {}


def test_token_shaped_seller_text_is_masked_so_restore_cannot_touch_it() -> None:
    text = "Пишите <PRICE> или < size > и <COLOR>"
    masked = mask({}, text)
    assert "<PRICE>" not in masked.text.replace("<UNK_VAL", "")
    assert set(masked.values.values()) == {"<PRICE>", "< size >", "<COLOR>"}
    assert restore(masked.text, masked.values).text == text


def test_phone_numbers_are_masked_whole() -> None:
    masked = mask({"Телефон": "+7 912 345-67-89"}, "Звоните 8 (912) 345-67-89 или 89123456789")
    assert masked.attributes == {"Телефон": "<PHONE>"}
    assert masked.text == "Звоните <PHONE_2> или <PHONE_3>"
