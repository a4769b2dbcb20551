"""Russian agreement with pymorphy3: item nouns of every gender and plural-only nouns, in the helpers
and in the template's openings."""

from __future__ import annotations

import pytest

from captioning.russian import agree_adjective, head_of, inflect_phrase, lower_first
from captioning.template import compose_listing
from masking.types import MaskedListing

# noun, gender ("pl" = plural-only), accusative singular, nominative plural, genitive plural
NOUNS = [
    ("куртка", "femn", "куртку", "куртки", "курток"),
    ("шапка", "femn", "шапку", "шапки", "шапок"),
    ("юбка", "femn", "юбку", "юбки", "юбок"),
    ("футболка", "femn", "футболку", "футболки", "футболок"),
    ("рубашка", "femn", "рубашку", "рубашки", "рубашек"),
    ("блузка", "femn", "блузку", "блузки", "блузок"),
    ("сумка", "femn", "сумку", "сумки", "сумок"),
    ("кофта", "femn", "кофту", "кофты", "кофт"),
    ("лампа", "femn", "лампу", "лампы", "ламп"),
    ("пижама", "femn", "пижаму", "пижамы", "пижам"),
    ("платье", "neut", "платье", "платья", "платьев"),
    ("пальто", "neut", "пальто", "пальто", "пальто"),
    ("кимоно", "neut", "кимоно", "кимоно", "кимоно"),
    ("полотенце", "neut", "полотенце", "полотенца", "полотенец"),
    ("одеяло", "neut", "одеяло", "одеяла", "одеял"),
    ("зеркало", "neut", "зеркало", "зеркала", "зеркал"),
    ("кресло", "neut", "кресло", "кресла", "кресел"),
    ("пиджак", "masc", "пиджак", "пиджаки", "пиджаков"),
    ("костюм", "masc", "костюм", "костюмы", "костюмов"),
    ("шарф", "masc", "шарф", "шарфы", "шарфов"),
    ("рюкзак", "masc", "рюкзак", "рюкзаки", "рюкзаков"),
    ("ремень", "masc", "ремень", "ремни", "ремней"),
    ("пуховик", "masc", "пуховик", "пуховики", "пуховиков"),
    ("плащ", "masc", "плащ", "плащи", "плащей"),
    ("комбинезон", "masc", "комбинезон", "комбинезоны", "комбинезонов"),
    ("телефон", "masc", "телефон", "телефоны", "телефонов"),
    ("халат", "masc", "халат", "халаты", "халатов"),
    ("брюки", "pl", "брюки", "брюки", "брюк"),
    ("ножницы", "pl", "ножницы", "ножницы", "ножниц"),
    ("джинсы", "pl", "джинсы", "джинсы", "джинсов"),
    ("шорты", "pl", "шорты", "шорты", "шорт"),
    ("очки", "pl", "очки", "очки", "очков"),
    ("колготки", "pl", "колготки", "колготки", "колготок"),
    ("трусы", "pl", "трусы", "трусы", "трусов"),
]
RED = {"masc": "красный", "femn": "красная", "neut": "красное", "pl": "красные"}
RED_ACC = {"masc": "красный", "femn": "красную", "neut": "красное", "pl": "красные"}


def test_the_table_covers_every_gender_and_plural_only_nouns() -> None:
    genders = [gender for _, gender, *_ in NOUNS]
    assert len(NOUNS) >= 30
    assert {genders.count(g) >= 5 for g in ("masc", "femn", "neut", "pl")} == {True}


@pytest.mark.parametrize(("noun", "gender", "accs", "plural", "gent_plural"), NOUNS)
def test_noun_phrases_agree(noun: str, gender: str, accs: str, plural: str, gent_plural: str) -> None:
    head = head_of(noun)
    assert head is not None
    assert head.plural_only == (gender == "pl")
    if gender != "pl":
        assert head.gender == gender
    assert inflect_phrase(noun, "accs", plural=False) == accs
    assert inflect_phrase(noun, "nomn", plural=True) == plural
    assert inflect_phrase(noun, "gent", plural=True) == gent_plural
    assert agree_adjective("красный", head) == RED[gender]
    assert inflect_phrase(f"красный {noun}", "accs", plural=False) == f"{RED_ACC[gender]} {accs}"
    assert inflect_phrase(f"новый {noun}", "gent", plural=True) == f"новых {gent_plural}"


@pytest.mark.parametrize(
    ("phrase", "accs"), [("детская обувь", "детскую обувь"), ("верхняя одежда", "верхнюю одежду")]
)
def test_collective_nouns_stay_singular(phrase: str, accs: str) -> None:
    assert inflect_phrase(phrase, "accs", plural=True) == accs
    text = compose_listing(
        MaskedListing({"Вид одежды": phrase, "Количество": "<QUANTITY>"}, ""), "<VARIATIVE>", []
    ).text.lower()
    assert phrase in text or accs in text


def test_words_after_the_head_and_unknown_words_stay() -> None:
    assert inflect_phrase("зимняя куртка с капюшоном", "accs") == "зимнюю куртку с капюшоном"
    assert inflect_phrase("Куртки", "accs", plural=False) == "Куртку"
    assert inflect_phrase("Куртка зимняя женская", "accs") == "Куртку зимнюю женскую"
    assert inflect_phrase("сапоги зимние кожаные", "gent") == "сапог зимних кожаных"
    assert inflect_phrase("шапка с помпоном", "gent", plural=True) == "шапок с помпоном"
    assert inflect_phrase("<SIZE> Nike", "accs") == "<SIZE> Nike"
    assert inflect_phrase("Air Max", "gent") == "Air Max"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Куртка", "куртка"),
        ("ZARA", "ZARA"),
        ("Москва", "Москва"),
        ("Б/у", "б/у"),
        ("Nike", "Nike"),
        ("СССР", "СССР"),
    ],
)
def test_lower_first_keeps_names(text: str, expected: str) -> None:
    assert lower_first(text) == expected


@pytest.mark.parametrize(("noun", "gender", "accs", "plural", "gent_plural"), NOUNS)
def test_single_item_opening_agrees_with_every_noun(
    noun: str, gender: str, accs: str, plural: str, gent_plural: str
) -> None:
    text = compose_listing(
        MaskedListing({"Вид одежды": noun.capitalize(), "Цвет": "Красный"}, ""), "<SINGLE>", []
    ).text.lower()
    singular_nom = noun if gender != "pl" else plural
    agreed = {f"{RED_ACC[gender]} {accs}", f"{RED[gender]} {singular_nom}"}
    assert any(phrase in text for phrase in agreed), text
    verb = "продаются" if gender == "pl" else "продаётся"
    wrong = "продаётся" if gender == "pl" else "продаются"
    assert not text.startswith(wrong)
    if text.startswith(("продаётся", "продаются")):
        assert text.startswith(verb)


@pytest.mark.parametrize(("noun", "gender", "accs", "plural", "gent_plural"), NOUNS)
def test_variative_listing_names_the_items_in_plural(
    noun: str, gender: str, accs: str, plural: str, gent_plural: str
) -> None:
    masked = MaskedListing({"Тип": noun, "Количество": "<QUANTITY>"}, "")
    text = compose_listing(masked, "<VARIATIVE>", []).text
    assert text.lower().startswith((plural, f"продаю {plural}", f"продаются {plural}")), text
    assert text.endswith(", <QUANTITY> шт.")
