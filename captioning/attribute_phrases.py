"""Attribute fields as Russian phrases: one table maps field words to the builder of their phrase.

A builder turns a field's value into a phrase with a place in the text: an adjective agreed with the
item («розовые», «новые»), a name after the noun («Zara»), a complement after the description («из
фарфора», «для девочки»), a key clause of the opening («размер 30», «б/у», «в отличном состоянии»), a
detail of the second sentence («вес 18 кг»), or the price. A field the table does not know, or a value
no builder can phrase, is written plainly — «Поле: значение» — but only then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from captioning.repeats import lemma
from captioning.russian import (
    Head,
    adjective_lemma,
    agree_adjective,
    head_of,
    inflect_phrase,
    is_adjective,
    lower_first,
    parse_phrase,
    parses,
)
from masking.tokens import TOKEN, is_token

Slot = Literal["adjective", "name", "complement", "key", "detail", "price"]
_STATE = head_of("состояние")
_ITEM_STATES = frozenset({"новый", "неношеный", "ненадёванный", "ненадеванный", "поношенный", "ношеный"})
_PEOPLE = frozenset({"девочка", "мальчик", "женщина", "мужчина", "малыш", "подросток", "ребёнок", "ребенок"})
_SEASONS = {
    "зима": "зимний", "лето": "летний", "осень": "осенний", "весна": "весенний", "демисезон": "демисезонный",
    "всесезон": "всесезонный", "межсезонье": "демисезонный",
}  # fmt: skip
_OWN_GOODS = re.compile(r"^продаю\s+сво[её]$", re.IGNORECASE)
_CURRENCY = re.compile(r"₽|руб|р\.|\$|€|usd|eur", re.IGNORECASE)
_ABBREVIATION = re.compile(r"[А-ЯЁA-Z]{2,6}")


@dataclass(frozen=True)
class Target:
    """What a phrase is built for: the item noun's grammar (None when the item is unnamed) and the
    seller's values behind the masking tokens (to see whether a number already has its unit)."""

    head: Head | None
    plural: bool
    values: Mapping[str, str]


@dataclass(frozen=True)
class Phrase:
    """A field's words and their place; `fallback` is used where the place does not exist (an adjective
    or a complement of an unnamed item)."""

    slot: Slot
    text: str
    fallback: str


Builder = Callable[[str, str, Target], "Phrase | None"]


def _label(name: str) -> str:
    return name[:1].lower() + name[1:]


def plain(value: str, name: str) -> str:
    """The plain form «поле: значение» (lower-cased for use inside a sentence)."""
    return f"{_label(name)}: {lower_first(value)}"


def _one_adjective(word: str) -> bool:
    return " " not in word and "/" not in word and is_adjective(word)


def _name(value: str, name: str, target: Target) -> Phrase:
    return Phrase("name", value, plain(value, name))


def _colour(value: str, name: str, target: Target) -> Phrase:
    word = lower_first(value)
    if _one_adjective(word):
        return Phrase("adjective", word, f"цвет {word}")
    return Phrase("detail", f"{_label(name)} {word}", plain(value, name))


def _material(value: str, name: str, target: Target) -> Phrase:
    if _ABBREVIATION.fullmatch(value):  # ЛДСП, МДФ do not decline
        return Phrase("complement", f"из {value}", plain(value, name))
    word = lower_first(value)
    if _one_adjective(word):
        return Phrase("adjective", word, plain(value, name))
    phrase = parse_phrase(word)
    if phrase.ok and all(_one_adjective(w) for w in phrase.words[: phrase.head_index]):
        return Phrase("complement", f"из {inflect_phrase(word, 'gent')}", plain(value, name))
    return Phrase("detail", plain(value, name), plain(value, name))


def _in_state(adjective: str) -> str:
    """«отличное» → «в отличном состоянии»."""
    assert _STATE is not None
    return f"в {agree_adjective(adjective, _STATE, 'loct')} состоянии"


def _condition(value: str, name: str, target: Target) -> Phrase:
    words = lower_first(value).split()
    first = adjective_lemma(words[0]) if words else None
    if words[:1] == ["как"] and len(words) == 2 and adjective_lemma(words[1]) in _ITEM_STATES and target.head:
        return Phrase(
            "key", f"как {agree_adjective(words[1], target.head, 'nomn', target.plural)}", plain(value, name)
        )
    if first in _ITEM_STATES:
        if target.head is None:
            assert _STATE is not None
            return Phrase("key", " ".join(["состояние", agree_adjective(words[0], _STATE), *words[1:]]), "")
        if len(words) == 1:
            return Phrase("adjective", words[0], plain(value, name))
        agreed = agree_adjective(words[0], target.head, "nomn", target.plural)
        return Phrase("key", " ".join([agreed, *words[1:]]), plain(value, name))
    if first is not None and (len(words) == 1 or (len(words) == 2 and lemma(words[1]) == "состояние")):
        return Phrase("key", _in_state(words[0]), plain(value, name))
    return Phrase("key", " ".join(words), plain(value, name))


def _size(value: str, name: str, target: Target) -> Phrase:
    word = "рост" if _label(name).startswith("рост") else "размер"
    return Phrase("key", f"{word} {value}", plain(value, name))


def _quantity(value: str, name: str, target: Target) -> Phrase:
    if not is_token(value):
        return Phrase("key", plain(value, name), plain(value, name))
    has_unit = re.search(r"[^\d\s.,]", target.values.get(value.strip(), ""))
    return Phrase("key", value if has_unit else f"{value} шт.", plain(value, name))


def _price(value: str, name: str, target: Target) -> Phrase:
    shown = target.values.get(value.strip(), value) if is_token(value) else value
    amount = value if _CURRENCY.search(shown) or not is_token(value) else f"{value} ₽"
    return Phrase("price", amount, plain(value, name))


def _audience(value: str, name: str, target: Target) -> Phrase:
    """«Для девочек» → «для девочки», «Женская одежда» → «женская» (agreed with the item)."""
    words = lower_first(value).split()
    if len(words) == 2 and words[0] in ("для", "на"):
        noun = next((p for p in parses(words[1]) if p.tag.POS == "NOUN" and p.normal_form in _PEOPLE), None)
        person = noun.inflect({"gent", "sing"}) if noun is not None else None
        text = f"для {person.word}" if person is not None else " ".join(words)
        return Phrase("complement", text, text)
    if words and _one_adjective(words[0]):
        return Phrase("adjective", words[0], plain(value, name))
    return Phrase("detail", plain(value, name), plain(value, name))


def _season(value: str, name: str, target: Target) -> Phrase:
    word = lower_first(value)
    base = _SEASONS.get(lemma(word)) or (word if _one_adjective(word) else None)
    if base is not None:
        return Phrase("adjective", base, plain(value, name))
    return Phrase("detail", plain(value, name), plain(value, name))


def _listing_type(value: str, name: str, target: Target) -> Phrase | None:
    """«Продаю своё» is what every private listing is: nothing to say. Anything else is said as it is."""
    if _OWN_GOODS.match(" ".join(value.split())):
        return None
    return Phrase("detail", lower_first(value), plain(value, name))


def field_phrase(value: str, name: str, target: Target) -> Phrase:
    """A field the table does not know: «вес 18 кг» when the value is a number, else «поле: значение»."""
    first = value.split(maxsplit=1)[0] if value.strip() else ""
    if TOKEN.fullmatch(first) and len(name.split()) <= 3:
        return Phrase("detail", f"{_label(name)} {value}", plain(value, name))
    return Phrase("detail", plain(value, name), plain(value, name))


@dataclass(frozen=True)
class FieldKind:
    """A kind of field: its role, the field names that mean it (lower-case, «ё» as «е»), its builder
    (None for the fields that name the item)."""

    role: str
    names: tuple[str, ...]
    build: Builder | None


# The one table: field words → role → phrase builder. Order within a slot is the order here.
FIELDS: tuple[FieldKind, ...] = (
    FieldKind("item", (
        "предмет одежды", "вид одежды", "вид обуви", "вид товара", "тип товара", "тип", "товар",
        "наименование", "название", "предмет", "что продается",
    ), None),
    FieldKind("category", ("категория", "раздел", "подкатегория"), None),
    FieldKind("brand", ("бренд", "марка", "производитель", "фирма"), _name),
    FieldKind("model", ("модель",), _name),
    FieldKind("size", ("размер", "размер одежды", "размер обуви", "рост"), _size),
    FieldKind("condition", ("состояние",), _condition),
    FieldKind("colour", ("цвет", "расцветка"), _colour),
    FieldKind("audience", ("пол", "для кого"), _audience),
    FieldKind("season", ("сезон",), _season),
    FieldKind("material", ("материал", "состав", "ткань"), _material),
    FieldKind("quantity", ("количество", "кол-во", "число предметов", "количество предметов"), _quantity),
    FieldKind("listing_type", ("вид объявления", "тип объявления"), _listing_type),
    FieldKind("price", ("цена", "стоимость"), _price),
)  # fmt: skip
BUILDERS: dict[str, Builder] = {kind.role: kind.build for kind in FIELDS if kind.build is not None}
