"""Property tests: masking never leaves a digit, and restore() undoes mask() exactly, for any input."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from masking import mask, restore

DIGIT_SETS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "०१२३४५६७८९", "۰۱۲۳۴۵۶۷۸۹"]
SPACES = [" ", "\u00a0", "\u202f", "\u2009"]
UNITS = [
    "",
    " ₽",
    "₽",
    " руб.",
    " руб",
    " р.",
    " рублей",
    " см",
    "см",
    " кг",
    " л",
    " ГБ",
    " шт",
    " шт.",
    " г.",
    " года",
    " лет",
    "%",
    " м²",
    "″",
    " тыс. руб.",
    "к",
    " мм",
    " км",
    "-х",
    " мАч",
    " °C",
    '"',
    " г.в.",
    " EU",
]
WORDS = [
    "Цена",
    "цены",
    "ценой",
    "стоимость",
    "за",
    "размер",
    "Размер:",
    "рост",
    "Продаю",
    "куртку",
    "б/у",
    "в",
    "отличном",
    "состоянии",
    "Торг",
    "Звоните",
    "тел.",
    "вес",
    "длина",
    "ширина",
    "Год",
    "выпуска",
    "пробег",
    "возраст",
    "на",
    "от",
    "до",
    "iPhone",
    "XL",
    "(S)",
    "W",
    "L",
    "№",
    ">",
    "<",
    "—",
    "-",
    "x",
    "<PRICE>",
    "< size >",
    "<price",
    "<UNK_VAL>",
    "<SIZE_2>",
    "<COLOR>",
    "руб.",
    "см",
    "г.",
    "шт",
]
SEPARATORS = [" ", ", ", ". ", ": ", "\n", " — ", "\u00a0", " (", ") ", "; ", "", "."]


def _no_digit(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Nd", "No") for c in text)


def _without_tokens(text: str, tokens: list[str]) -> str:
    if not tokens:
        return text
    return re.sub("|".join(map(re.escape, sorted(tokens, key=len, reverse=True))), " ", text)


@st.composite
def numbers(draw: st.DrawFn) -> str:
    digits = draw(st.sampled_from(DIGIT_SETS))
    run = st.text(alphabet=digits, min_size=1, max_size=4)
    shape = draw(st.sampled_from(["int", "thousands", "decimal", "fraction", "long"]))
    first = draw(run)
    if shape == "thousands":
        groups = draw(st.lists(st.text(alphabet=digits, min_size=3, max_size=3), min_size=1, max_size=3))
        space = draw(st.sampled_from(SPACES))
        return first[:3] + "".join(space + g for g in groups)
    if shape == "decimal":
        return first + draw(st.sampled_from([",", "."])) + draw(run)
    if shape == "fraction":
        return first + "/" + draw(run)
    if shape == "long":
        return draw(st.text(alphabet=digits, min_size=5, max_size=12))
    return first


@st.composite
def values(draw: st.DrawFn) -> str:
    a, b, c = draw(numbers()), draw(numbers()), draw(numbers())
    unit = draw(st.sampled_from(UNITS))
    space = draw(st.sampled_from(SPACES))
    return draw(
        st.sampled_from(
            [
                f"{a}{unit}",
                f"{a}-{b}{unit}",
                f"{a}–{b} (S)",
                f"{a} ({b} см)",
                f"> {a} (XXL)",
                f"{a}-{b} см ({c}-{a} года)",
                f"{a}×{b}×{c} см",
                f"{a} x {b}{unit}",
                f"+7 ({a}) {b}-{c}",
                f"8{space}900{space}123-45-67",
                f"{a}²",
                "½",
                f"№{space}{a}",
                f"{a}{space}{unit.strip()}",
                f"<PRICE_{a}>",
            ]
        )
    )


listing_texts = st.lists(st.one_of(st.sampled_from(WORDS), values()), min_size=0, max_size=14).flatmap(
    lambda parts: st.lists(st.sampled_from(SEPARATORS), min_size=len(parts), max_size=len(parts)).map(
        lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True))
    )
)
any_texts = st.text(
    alphabet=st.sampled_from(list("0123456789٣５²½<>_ ,.:;-–()+\u00a0\nPRICESZEunkvalpriceЦенарубсмгшт₽%×x")),
    max_size=60,
)


def _check_round_trip(attributes: dict[str, str], text: str) -> None:
    masked = mask(attributes, text)
    tokens = list(masked.values)
    assert _no_digit(_without_tokens(masked.text, tokens))
    for value in masked.attributes.values():
        assert _no_digit(_without_tokens(value, tokens))
    back = restore(masked.text, masked.values)
    assert back.text == text
    assert back.erased == [] and back.removed_numbers == []
    for name, value in masked.attributes.items():
        assert restore(value, masked.values).text == attributes[name]
    for token, value in masked.values.items():
        source = masked.sources[token]
        assert value in (text if source == "text" else attributes[source])


@settings(max_examples=200, deadline=None)
@given(listing_texts)
def test_listing_texts_round_trip_without_digits(text: str) -> None:
    _check_round_trip({}, text)


@settings(max_examples=200, deadline=None)
@given(any_texts)
def test_arbitrary_texts_round_trip_without_digits(text: str) -> None:
    _check_round_trip({}, text)


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["Цена", "Размер", "Год выпуска", "Вес, кг", "Состав", "Модель"]),
        st.one_of(values(), listing_texts),
        max_size=4,
    ),
    listing_texts,
)
def test_attributes_and_text_round_trip_without_digits(attributes: dict[str, str], text: str) -> None:
    _check_round_trip(attributes, text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(any_texts, listing_texts))
def test_restore_never_lets_an_invented_number_through(model_text: str) -> None:
    assert _no_digit(restore(model_text, {}).text)
