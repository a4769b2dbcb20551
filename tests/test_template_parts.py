"""The template's parts on their own: the item phrase, the field table, the seller's sentences and
the lemma-level repeat test."""

from __future__ import annotations

import pytest

from captioning.attribute_phrases import BUILDERS, FIELDS, Target, field_phrase
from captioning.item_phrase import merge, read_item
from captioning.listing_facts import sort_attributes
from captioning.repeats import content_lemmas, name_key
from captioning.russian import head_of
from captioning.seller_text import read_sentences


@pytest.mark.parametrize(
    ("clause", "lemma", "accusative", "rest"),
    [
        ("Кофейная чашка с блюдцем", "чашка", "кофейную чашку с блюдцем", ""),
        ("Продаю фарфоровую кофейную чашку с блюдцем", "чашка", "фарфоровую кофейную чашку с блюдцем", ""),
        ("Стол в хорошем состоянии", "стол", "стол в хорошем состоянии", "в хорошем состоянии"),
        ("Пакет вещей на мальчика", "пакет", "пакет вещей на мальчика", ""),
        ("Набор из <QUANTITY> деревянных стульев", "набор", "набор из <QUANTITY> деревянных стульев", ""),
        ("Новые кроссовки Nike Air на мальчика", "кроссовок", "новые кроссовки Nike Air на мальчика", ""),
        ("Сапоги зимние натуральная кожа", "сапог", "сапоги зимние натуральная кожа", "натуральная кожа"),
        ("✅ юбка плиссе на рост <SIZE>", "юбка", "юбку плиссе на рост <SIZE>", ""),
        ("кофемашина делонги <UNK_VAL>", "кофемашина", "кофемашину делонги <UNK_VAL>", "делонги <UNK_VAL>"),
    ],
)  # fmt: skip
def test_item_phrases_are_read_and_put_in_the_accusative(
    clause: str, lemma: str, accusative: str, rest: str
) -> None:
    phrase = read_item(clause)
    assert phrase is not None
    assert (phrase.lemma, phrase.rest) == (lemma, rest)
    assert phrase.render("accs") == accusative


@pytest.mark.parametrize("clause", ["Отдам даром", "В комплекте зарядка", "<SIZE> размер", "Очень тёплая"])
def test_clauses_that_do_not_start_with_an_item(clause: str) -> None:
    assert read_item(clause) is None


def test_what_counts_as_naming_the_item() -> None:
    assert read_item("Обувь") is not None and not read_item("Обувь").names_item  # type: ignore[union-attr]
    assert read_item("Обувь").is_item  # type: ignore[union-attr]
    assert not read_item("Состояние отличное").is_item  # type: ignore[union-attr]
    assert read_item("Куртка и шапка").fixed_case  # type: ignore[union-attr]


def test_extras_are_agreed_and_placed() -> None:
    phrase = read_item("Зимние сапоги на девочку")
    assert phrase is not None
    assert phrase.render("accs", extra=("новый", "розовый"), names=("Kuoma",), after=("из кожи",)) == (
        "новые розовые зимние сапоги Kuoma на девочку из кожи"
    )


def test_merge_adds_what_the_field_says_about_the_same_noun() -> None:
    seller, field = read_item("Стол в хорошем состоянии"), read_item("Обеденный стол")
    assert seller is not None and field is not None
    assert merge(seller, field).render("nomn") == "обеденный стол в хорошем состоянии"
    other = read_item("Стулья")
    assert other is not None and merge(seller, other) is seller


def test_with_number_keeps_containers_and_collective_nouns() -> None:
    assert read_item("Платья").with_number(False).render("nomn") == "платье"  # type: ignore[union-attr]
    assert read_item("Пакет вещей").with_number(True).render("nomn") == "пакет вещей"  # type: ignore[union-attr]
    assert read_item("Детская обувь").with_number(True).render("accs") == "детскую обувь"  # type: ignore[union-attr]


TARGET = Target(
    head_of("куртка"), False, {"<SIZE>": "48", "<Q>": "3", "<Q_2>": "3 пары", "<PRICE>": "900 руб."}
)


@pytest.mark.parametrize(
    ("role", "value", "slot", "text"),
    [
        ("condition", "Новый", "adjective", "новый"),
        ("condition", "Новая с биркой", "key", "новая с биркой"),
        ("condition", "Отличное", "key", "в отличном состоянии"),
        ("condition", "б/у", "key", "б/у"),
        ("colour", "Тёмно-синий", "adjective", "тёмно-синий"),
        ("colour", "Серый космос", "detail", "цвет серый космос"),
        ("material", "Натуральная кожа", "complement", "из натуральной кожи"),
        ("material", "ЛДСП", "complement", "из ЛДСП"),
        ("audience", "Для девочек", "complement", "для девочки"),
        ("audience", "Мужская одежда", "adjective", "мужская"),
        ("season", "Зима", "adjective", "зимний"),
        ("size", "<SIZE>", "key", "размер <SIZE>"),
        ("quantity", "<Q>", "key", "<Q> шт."),
        ("quantity", "<Q_2>", "key", "<Q_2>"),
        ("price", "<PRICE>", "price", "<PRICE>"),
        ("brand", "Zara", "name", "Zara"),
    ],
)
def test_the_field_table_builds_russian_phrases(role: str, value: str, slot: str, text: str) -> None:
    name = {"colour": "Цвет", "material": "Материал", "size": "Размер"}.get(role, role)
    phrase = BUILDERS[role](value, name, TARGET)
    assert phrase is not None and (phrase.slot, phrase.text) == (slot, text)


def test_own_goods_say_nothing_and_unknown_fields_fall_back_plainly() -> None:
    assert BUILDERS["listing_type"]("Продаю своё", "Вид объявления", TARGET) is None
    assert field_phrase("<W>", "Вес", TARGET).text == "вес <W>"
    assert field_phrase("флис", "Материал подкладки", TARGET).text == "материал подкладки: флис"


def test_one_table_sorts_every_field_word() -> None:
    words = [name for kind in FIELDS for name in kind.names]
    assert len(words) == len(set(words))  # one field word, one role
    facts = sort_attributes(
        {"Вид одежды": "Для девочек", "Предмет одежды": "Обувь", "Категория": "Женская одежда", "Пробег": "5"}
    )
    assert facts.get("item") == "Обувь" and facts.get("audience") in ("Для девочек", "Женская одежда")
    assert ("Пробег", "5") in facts.others


def test_sentences_and_clauses_keep_the_sellers_words() -> None:
    text = "платье на утренник. пышная юбка, сзади на пуговках. Продаю т.к. купили больше!!!\\nТОРГ УМЕСТЕН"
    sentences = [s.render() for s in read_sentences(text.replace("\\n", "\n"), {})]
    assert sentences == [
        "Платье на утренник.",
        "Пышная юбка, сзади на пуговках.",
        "Продаю т.к. купили больше!",
        "Торг уместен.",
    ]


def test_a_bulleted_list_after_a_colon_is_one_sentence() -> None:
    text = "остались чехлы:\n🔹 прозрачный <P>\n🔹 силикон <P_2>\nМожно все вместе"
    assert [s.render() for s in read_sentences(text, {})] == [
        "Остались чехлы: прозрачный <P>, силикон <P_2>.",
        "Можно все вместе.",
    ]


def test_repeats_are_judged_by_lemmas_numbers_and_negation() -> None:
    values = {"<PRICE>": "900", "<PRICE_2>": "900 рублей", "<AGE>": "2 мес", "<N>": "2"}
    assert content_lemmas("Всё за <PRICE_2>", values) == content_lemmas("<PRICE>", values)
    assert content_lemmas("<AGE>", values) != content_lemmas("<N>", values)  # "2 мес" is not "2"
    assert content_lemmas("Продаю куртку", {}) == content_lemmas("куртка", {})
    assert content_lemmas("не шатаются", {}) != content_lemmas("шатаются", {})
    assert name_key("икеа") == name_key("IKEA") and name_key("делонги") == name_key("De'Longhi")
