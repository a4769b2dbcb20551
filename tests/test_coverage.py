"""Attribute coverage: which seller attributes the generated text states, in any grammatical form."""

from __future__ import annotations

import pytest

from core.models import ModelStore
from core.settings import Settings
from scoring import compute_scores
from scoring.coverage import coverage

TEXT = (
    "Продаю тёмно-синее летнее платье из натурального хлопка, размер 42-44. "
    "Бренд Zara, есть гарантия. Вес 1,5 кг. Красные пуговицы, 15 шт."
)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("Цвет", "тёмно-синий"),  # adjective in another gender and with ё
        ("Материал", "хлопок"),  # noun in the genitive
        ("Сезон", "Летнее"),  # case does not matter
        ("Размер", "42"),  # one end of a range
        ("Бренд", "ZARA"),
        ("Гарантия", "да"),  # yes/no: the attribute itself is named
        ("Вес", "1.5"),  # decimal comma or point
        ("Пуговицы", "красный"),
        ("Количество", "15"),
        ("Тип", "платье с пуговицами"),  # multi-word, function word ignored
    ],
)
def test_stated_values_are_covered(key: str, value: str) -> None:
    assert coverage(TEXT, {key: value})["covered"] == [key]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("Длина", "миди"),
        ("Состав", "100% хлопок"),  # the number is not in the text
        ("Размер", "4"),  # a digit inside another number does not count
        ("Вес", "5"),  # nor does part of a decimal
        ("Доставка", "да"),  # yes/no for an attribute the text never names
        ("Цвет", "красно-белый"),
    ],
)
def test_unstated_values_are_missing(key: str, value: str) -> None:
    assert coverage(TEXT, {key: value}) == {"covered": [], "missing": [key], "fraction": 0.0}


def test_fraction_and_order_follow_the_attributes() -> None:
    attributes = {"Длина": "миди", "Цвет": "тёмно-синий", "Материал": "хлопок", "Состав": "100% хлопок"}
    assert coverage(TEXT, attributes) == {
        "covered": ["Цвет", "Материал"],
        "missing": ["Длина", "Состав"],
        "fraction": 0.5,
    }


def test_coverage_is_reported_even_without_any_model(empty_models_settings: Settings) -> None:
    attributes = {"Материал": "хлопок", "Длина": "миди"}
    scores = compute_scores(TEXT, attributes, "", None, ModelStore(empty_models_settings))
    assert scores["coverage"] == {"covered": ["Материал"], "missing": ["Длина"], "fraction": 0.5}
    assert "coverage" not in scores["unavailable"]


def test_no_attributes_means_no_fraction_not_zero(empty_models_settings: Settings) -> None:
    scores = compute_scores(TEXT, {}, "платье", None, ModelStore(empty_models_settings))
    assert scores["coverage"]["fraction"] is None
    assert scores["unavailable"]["coverage"] == "недоступно: продавец не указал характеристик"
