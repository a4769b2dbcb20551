"""The embedded default caption model: a deterministic composer of Russian listing descriptions.

It reads the masked attributes and the seller's text and writes 2–5 sentences. It states only what the
seller gave (plus the number of photos, and the photo colour when the seller named none and the estimate
is confident). Masking tokens such as `<PRICE>` pass through untouched, so restore() puts the numbers back.
Phrasing varies between listings but is chosen by a hash of the listing, so one input gives one text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from razdel import sentenize

from captioning.base import DiversityLabel, Generation
from captioning.listing_facts import ListingFacts, sort_attributes
from captioning.russian import (
    Head,
    adjective_lemma,
    agree_adjective,
    count_phrase,
    head_lemma,
    head_of,
    inflect_phrase,
    is_adjective,
    lower_first,
    upper_first,
)
from core.models import ModelStore
from core.morphology import paired_lemmas
from masking.tokens import is_token
from masking.types import MaskedListing
from photos.facts import item_colour

MAX_SENTENCES = 5
MIN_CHARS = 150
MAX_CHARS = 600
FALLBACK_ITEM = "товар"
_LIST_SPLIT = re.compile(r"\s*,\s*|\s+и\s+|\s*\+\s*")
_CONDITION_OF_ITEM = frozenset({"новый", "поношенный", "ношеный", "неношеный"})


def _pick(seed: str, role: str, options: Sequence[str]) -> str:
    """One of `options`, chosen reproducibly by the listing's hash and the sentence role."""
    digest = hashlib.sha256(f"{seed}|{role}".encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def _seed(masked: MaskedListing, diversity: DiversityLabel) -> str:
    payload = json.dumps([sorted(masked.attributes.items()), masked.text, diversity], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _sentence(text: str) -> str:
    text = upper_first(text.strip())
    return text if text.endswith((".", "!", "?", "…")) else text + "."


@dataclass(frozen=True)
class Item:
    """The item named in the opening: its noun phrase, grammar, and whether it is named as a pair/set."""

    phrase: str
    head: Head | None
    plural: bool
    multiple: bool


def _item(facts: ListingFacts, variative: bool) -> Item:
    raw = facts.get("item") or facts.get("category") or FALLBACK_ITEM
    phrase = lower_first(raw)
    parts = [p for p in _LIST_SPLIT.split(phrase) if p]
    if len(parts) > 1:
        return Item(phrase, None, True, True)
    head = head_of(phrase)
    if head is None:
        return Item(phrase, None, False, False)
    lemma = head_lemma(phrase)
    paired = head.plural and lemma is not None and lemma.replace("ё", "е") in paired_lemmas()
    plural = not head.singular_only and (head.plural_only or variative or paired)
    return Item(phrase, head, plural, False)


def _in_case(text: str, case: str, plural: bool | None) -> str:
    """A (possibly coordinated) noun phrase in `case`: "куртка и шапка" → "куртку и шапку"."""
    parts = [p for p in _LIST_SPLIT.split(text) if p]
    if len(parts) == 1:
        return inflect_phrase(text, case, plural)
    done = [inflect_phrase(p, case, None) for p in parts]
    return ", ".join(done[:-1]) + " и " + done[-1]


def _adjective_for(value: str | None, item: Item, case: str) -> str | None:
    """The seller's one-word adjective (colour, gender) agreed with the item, or None if not one."""
    if value is None or item.head is None or " " in value.strip() or "/" in value or not is_adjective(value):
        return None
    return agree_adjective(lower_first(value.strip()), item.head, case, item.plural)


def _item_phrase(facts: ListingFacts, item: Item, case: str, folded: set[str]) -> str:
    """"женскую красную куртку Zara Air" — adjectives agreed, brand and model after the noun."""
    words: list[str] = []
    for role in ("gender", "colour"):
        adjective = _adjective_for(facts.get(role), item, case)
        if adjective is not None:
            words.append(adjective)
            folded.add(role)
    if item.phrase != FALLBACK_ITEM or not facts.get("model"):  # "Toyota Camry", not "товар Toyota Camry"
        words.append(_in_case(item.phrase, case, item.plural if item.head is not None else None))
    for role in ("brand", "model"):
        value = facts.get(role)
        if value:
            words.append(value)
            folded.add(role)
    return " ".join(words)


def _quantity(facts: ListingFacts) -> str | None:
    value = facts.get("quantity")
    if value is None:
        return None
    return f"{value} шт." if is_token(value) else value


def _opening(facts: ListingFacts, item: Item, diversity: DiversityLabel, seed: str, folded: set[str]) -> str:
    if diversity == "<VARIATIVE>":
        quantity = _quantity(facts)
        if quantity is not None:
            folded.add("quantity")
        nomn = _item_phrase(facts, item, "nomn", folded)
        accs = _item_phrase(facts, item, "accs", set())
        tail = f", {quantity}" if quantity else ""
        options = [
            f"Продаётся комплект: {nomn}{tail}",
            f"Лот: {nomn}{tail}",
            f"Продаю одним лотом {accs}{tail}",
        ]
        if quantity and is_token(facts.get("quantity") or ""):
            options.append(f"Продаётся лот из {quantity}: {nomn}")
        return _sentence(_pick(seed, "opening", options))
    nomn = _item_phrase(facts, item, "nomn", folded)
    accs = _item_phrase(facts, item, "accs", set())
    sells = "Продаются" if item.plural else "Продаётся"
    options = [f"Продаю {accs}", f"{sells} {nomn}", f"В продаже — {nomn}", f"Предлагаю {accs}"]
    return _sentence(_pick(seed, "opening", options))


def _condition(value: str, item: Item, seed: str) -> str:
    """"Состояние отличное", "Куртка новая" or plainly "состояние: б/у"."""
    text = lower_first(value)
    state_head = head_of("состояние")
    if " " in text or not is_adjective(text) or state_head is None:
        return f"состояние: {text}"
    if item.head is not None and adjective_lemma(text) in _CONDITION_OF_ITEM:
        subject = _in_case(item.phrase, "nomn", item.plural)
        predicate = agree_adjective(text, item.head, "nomn", item.plural)
        options = [f"состояние — {agree_adjective(text, state_head)}", f"{subject} {predicate}"]
        return _pick(seed, "condition", options)
    return f"состояние {agree_adjective(text, state_head)}"


def _price(value: str, seed: str) -> str:
    amount = f"{value} ₽" if is_token(value) else value
    return _pick(seed, "price", [f"цена — {amount}", f"цена: {amount}", f"стоимость — {amount}"])


def _details(facts: ListingFacts, item: Item, seed: str, folded: set[str]) -> list[str]:
    """Clauses for the known attributes the opening did not already say, in a fixed order."""
    clauses: list[str] = []
    dash = _pick(seed, "dash", [" — ", ": "])
    size = facts.get("size")
    if size:
        clauses.append(f"{facts.label('size')} {size}")
    for role in ("colour", "material", "season", "year", "gender"):
        value = facts.get(role)
        if value and role not in folded:
            clauses.append(f"{facts.label(role)}{dash}{lower_first(value)}")
    condition = facts.get("condition")
    if condition:
        clauses.append(_condition(condition, item, seed))
    quantity = _quantity(facts)
    if quantity and "quantity" not in folded:
        clauses.append(f"{facts.label('quantity')}{dash}{quantity}")
    price = facts.get("price")
    if price:
        clauses.append(_price(price, seed))
    return clauses


def _others(facts: ListingFacts) -> str | None:
    """Unknown fields rendered plainly: "Материал подкладки: флис; страна: Италия"."""
    if not facts.others:
        return None
    parts = [f"{lower_first(name)}: {lower_first(value)}" for name, value in facts.others]
    return _sentence("; ".join(parts))  # _sentence capitalises the first name again


def _seller_sentences(text: str) -> list[str]:
    return [_sentence(s.text) for s in sentenize(" ".join(text.split())) if s.text.strip(" .")]


def _photo_sentences(
    images: Sequence[Image.Image], photo_caption: str | None, colour: str | None, seed: str
) -> list[str]:
    """The neural photo caption as one sentence, then the photo count (and photo colour) as another."""
    sentences: list[str] = []
    if photo_caption and photo_caption.strip():
        caption = lower_first(photo_caption.strip().rstrip("."))
        sentences.append(_sentence(_pick(seed, "caption", [f"на фото — {caption}", f"на фото: {caption}"])))
    parts: list[str] = []
    count = len(images)
    if 1 <= count <= 10:
        noun = _pick(seed, "photo", ["фотография", "фото"])
        parts.append(f"в объявлении {count_phrase(count, noun)}")
    if colour is not None:
        parts.append(_pick(seed, "colour", [f"цвет по фото — {colour}", f"по фото цвет {colour}"]))
    if parts:
        sentences.append(_sentence(", ".join(parts)))
    return sentences


CLOSINGS = (
    "Задавайте вопросы в сообщениях.",
    "Подробности уточняйте в сообщениях.",
    "Если остались вопросы, пишите в сообщения.",
)


def compose_listing(
    masked: MaskedListing,
    diversity: DiversityLabel,
    images: Sequence[Image.Image],
    photo_caption: str | None = None,
) -> str:
    """Write a 2–5 sentence Russian description of a masked listing; tokens pass through untouched."""
    seed = _seed(masked, diversity)
    facts = sort_attributes(masked.attributes)
    item = _item(facts, diversity == "<VARIATIVE>")
    folded: set[str] = set()
    opening = _opening(facts, item, diversity, seed, folded)
    details = _details(facts, item, seed, folded)
    colour = None
    if facts.get("colour") is None and images:
        colour = item_colour(images).name_ru
    facts_sentences = [_sentence(", ".join(details))] if details else []
    others = _others(facts)
    if others:
        facts_sentences.append(others)
    if len(facts_sentences) > MAX_SENTENCES - 1:
        facts_sentences = [" ".join(facts_sentences)]
    named = any(facts.get(role) for role in ("item", "category", "brand", "model"))
    seller = _seller_sentences(masked.text)
    # unnamed item: the seller's own first sentence names it better than a generic opening would
    first = opening if named or not seller else seller.pop(0)
    sentences = [first, *facts_sentences]
    photos = _photo_sentences(images, photo_caption, colour, seed)
    reserve = 1 if photo_caption and photo_caption.strip() else 0  # the caption outranks seller sentences
    for line in seller:
        if len(sentences) + reserve >= MAX_SENTENCES or _length(sentences) + len(line) + 1 > MAX_CHARS:
            break
        sentences.append(line)
    for line in photos:
        if len(sentences) < MAX_SENTENCES and _length(sentences) + len(line) + 1 <= MAX_CHARS:
            sentences.append(line)
    if len(sentences) < MAX_SENTENCES and (len(sentences) < 2 or _length(sentences) < MIN_CHARS):
        sentences.append(_pick(seed, "closing", CLOSINGS))
    return " ".join(sentences)


def _length(sentences: Sequence[str]) -> int:
    return sum(len(s) + 1 for s in sentences) - 1 if sentences else 0


class TemplateCaptioner:
    """The template as a Captioner: no weights, deterministic, instant."""

    def generate(
        self, masked: MaskedListing, diversity: DiversityLabel, images: Sequence[Image.Image]
    ) -> Generation:
        """Compose the description; `tokens` counts words, confidence is None (nothing is sampled)."""
        text = compose_listing(masked, diversity, images)
        return Generation(text=text, tokens=len(text.split()), confidence=None)


def load(folder: Path, manifest: dict, models: ModelStore) -> TemplateCaptioner:
    """The registry's loader for kind "template"."""
    return TemplateCaptioner()
