"""The embedded default caption model: a deterministic composer of Russian listing descriptions.

It writes the way sellers with many sales do: the first sentence names the item with the seller's most
specific words and its key attributes (brand, model, size, condition); then the other attributes as
Russian phrases, the seller's own facts without repeats, and the price last. Nothing is said about the
listing itself and nothing the seller did not give is added; a colour read off the photos is stated
only when the pipeline knows the photos show the item (`MaskedListing.photos_show_item`), otherwise it
is offered to the seller as a suggestion. Masking tokens pass through untouched, so restore() puts
the numbers back. Phrasing varies between listings, chosen by a hash of the listing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from PIL import Image

from captioning.attribute_phrases import BUILDERS, FIELDS, Phrase, Target, field_phrase
from captioning.base import DiversityLabel, Generation
from captioning.draft import Draft, listing_seed, sentence
from captioning.item_phrase import ItemPhrase, merge, read_item
from captioning.listing_facts import ListingFacts, sort_attributes
from captioning.opening import details, opening
from captioning.price_talk import price_talk
from captioning.repeats import digits, name_key
from captioning.seller_text import Sentence, read_sentences
from core.catalogue import download_command
from core.listing import seller_input
from core.models import ModelStore
from core.morphology import paired_lemmas
from masking.types import MaskedListing
from photos.facts import is_colour_word, item_colour

# The smallest caption checkpoint that describes a photo: what a seller with photos only can download.
PHOTO_CHECKPOINT = "vit-rugpt2"
# At most this many times the length of what the seller gave ("Поле: значение" lines and the text).
LENGTH_RATIO = 1.2
_LATIN = re.compile(r"[A-Za-z]")


def _field_item(facts: ListingFacts, variative: bool) -> tuple[ItemPhrase | None, str | None]:
    """The item named by the fields (item, category, or an audience like «Женская обувь»), in the number
    the listing needs; or an item value that is a name rather than Russian words («iPhone 12»). A value
    listing several kinds («Столы и стулья», «Шкафы, комоды и стеллажи») is a category: no item."""
    for role in ("item", "category", "audience"):
        value = facts.get(role)
        if not value or "," in value:
            continue
        phrase = read_item(value)
        if phrase is None and role == "item" and _LATIN.search(value):
            return None, value
        if phrase is None or phrase.fixed_case or not phrase.is_item:
            continue
        paired = phrase.plural and phrase.lemma in paired_lemmas()
        return phrase.with_number(phrase.grammar().plural_only or variative or paired), None
    return None, None


def _seller_item(sentences: Sequence[Sentence]) -> tuple[int, ItemPhrase] | None:
    """The phrase naming the item that opens the seller's first sentence (or the second one, after a
    short cry like «Срочно!»)."""
    for index, one in enumerate(sentences[:2]):
        phrase = read_item(one.clauses[0].text)
        if phrase is not None and phrase.is_item:
            return index, phrase
        if len(one.lemmas) > 2:
            return None
    return None


def _choose(
    seller: tuple[int, ItemPhrase] | None, field: ItemPhrase | None
) -> tuple[ItemPhrase | None, int | None]:
    """The item with the most specific noun: the seller's words, unless only the fields name it
    specifically («Тип: Куртка» beats the seller's «Вещь в хорошем состоянии»)."""
    if seller is not None and (seller[1].names_item or field is None or not field.names_item):
        index, phrase = seller
        return (merge(phrase, field) if field is not None else phrase), index
    return field, None


def _said(draft: Draft, value: str, heard: frozenset[str]) -> bool:
    """Whether the seller already says a field's value (its words, or its numbers)."""
    facts = draft.lemmas(value)
    return bool(facts) and facts <= heard


def _name_words_said(draft: Draft, name: str, heard: frozenset[str], keys: set[str]) -> list[bool]:
    """Per word of a brand or model, whether the seller already says it, in any script («икеа» =
    "IKEA") — the seller's spelling is what buyers search for."""
    return [
        (bool(draft.lemmas(word)) and draft.lemmas(word) <= heard)
        or (len(word) > 2 and name_key(word) in keys)
        for word in name.split()
    ]


def _phrases(draft: Draft, target: Target, heard: frozenset[str]) -> list[Phrase]:
    """Every field as a phrase, in the table's order then the seller's; what the seller says is left out."""
    found: list[Phrase | None] = []
    for kind in FIELDS:
        value = draft.facts.get(kind.role)
        if value is not None and kind.role in BUILDERS and not _said(draft, value, heard):
            found.append(BUILDERS[kind.role](value, draft.facts.names[kind.role], target))
    found += [field_phrase(v, n, target) for n, v in draft.facts.others if not _said(draft, v, heard)]
    return [p for p in found if p is not None]


def _photo_colour(draft: Draft, photos: Callable[[], str | None], seller: frozenset[str]) -> str | None:
    """The photos' colour when it may be stated; otherwise, if there is one, a suggestion to the seller."""
    if draft.facts.get("colour") or any(is_colour_word(w) for w in seller):
        return None
    name = photos()
    if name is None:
        return None
    if draft.masked.photos_show_item:
        draft.suggestions.append(
            f"Цвет «{name}» определён по фото — если он другой, укажите цвет в характеристиках"
        )
        return name
    draft.suggestions.append(f"По фото похоже на {name} — добавьте цвет в характеристики, если это так")
    return None


def _photo_caption(draft: Draft, caption: str | None, named: bool) -> list[str]:
    """A caption model's words about the photo: stated when the photos show the item or nothing else
    names it; otherwise offered to the seller."""
    if not caption or not caption.strip():
        return []
    words = caption.strip().rstrip(".")
    if draft.masked.photos_show_item or not named:
        return [draft.say(sentence(f"На фото — {words[:1].lower() + words[1:]}"))]
    draft.suggestions.append(
        f"Модель описаний по фото видит: «{words}» — если это ваш товар, допишите это в текст"
    )
    return []


def _missing(draft: Draft, images: Sequence[Image.Image], caption: str | None) -> None:
    """Tell the seller what keeps the text from saying anything: nothing names the item."""
    draft.warnings.append(
        "Не указано, что продаётся: назовите товар в тексте или в характеристиках и добавьте пару деталей "
        "(марка, размер, состояние) — описание составляется только из того, что вы указали"
    )
    if images and not (caption and caption.strip()):
        draft.warnings.append(
            "Встроенная модель не распознаёт фото; чтобы описание писалось по фото, скачайте модель "
            f"описаний: {download_command(PHOTO_CHECKPOINT)}"
        )


def _names(
    draft: Draft, raw_name: str | None, phrases: list[Phrase], item: ItemPhrase | None, heard: frozenset[str]
) -> tuple[str, ...]:
    """Brand and model for after the item's noun. One the seller names whole is left to the seller's
    words; one the seller names in part goes after a noun from the fields, but becomes a detail
    («Модель: Mi TV P1 43») where the seller's own words open the text."""
    keys = {name_key(w) for w in f"{draft.masked.text} {item.words() if item else ''}".split()}
    from_fields = item is not None and not item.lemmas() & draft.lemmas(draft.masked.text)
    candidates = [Phrase("name", raw_name, raw_name)] if raw_name else []
    names = []
    for phrase in candidates + [p for p in phrases if p.slot == "name"]:
        said = _name_words_said(draft, phrase.text, heard, keys)
        if not any(said) or (not all(said) and from_fields):
            names.append(phrase.text)
        elif not all(said):
            phrases.append(Phrase("detail", phrase.fallback, phrase.fallback))
    return tuple(names)


def compose_listing(
    masked: MaskedListing,
    diversity: DiversityLabel,
    images: Sequence[Image.Image],
    photo_caption: str | None = None,
) -> Generation:
    """Write the Russian description of a masked listing (tokens pass through untouched), with warnings
    and suggestions for the seller. A short listing gets no verb of selling that would make the text
    longer than LENGTH_RATIO × what the seller gave."""
    colour = cache(lambda: item_colour(images).name_ru if images else None)  # estimated once, if needed
    composed = _compose(masked, diversity, images, photo_caption, colour, verbs=True)
    if len(composed.text) > LENGTH_RATIO * len(seller_input(masked.attributes, masked.text)):
        return _compose(masked, diversity, images, photo_caption, colour, verbs=False)
    return composed


def _compose(
    masked: MaskedListing,
    diversity: DiversityLabel,
    images: Sequence[Image.Image],
    photo_caption: str | None,
    photo_colour: Callable[[], str | None],
    verbs: bool,
) -> Generation:
    draft = Draft(masked, listing_seed(masked, diversity), sort_attributes(masked.attributes), verbs)
    sentences = read_sentences(masked.text, masked.values)
    seller = frozenset().union(*(s.lemmas for s in sentences))
    field_item, raw_name = _field_item(draft.facts, diversity == "<VARIATIVE>")
    item, index = _choose(_seller_item(sentences), field_item)
    if index is None and item is not None and sentences and item.lemma in sentences[0].lemmas:
        item = None  # the seller names it inside their first sentence («Донцова, 25 книг»): it opens
    source = sentences.pop(index) if index is not None else None
    heard = seller | (item.lemmas() if item is not None else frozenset())
    target = Target(item.grammar() if item else None, item.plural if item else False, masked.values)
    phrases = _phrases(draft, target, heard)
    names = _names(draft, raw_name, phrases, item, heard)
    colour = _photo_colour(draft, photo_colour, seller)
    if colour is not None:
        phrases.insert(0, Phrase("adjective" if item else "detail", colour, f"цвет {colour}"))
    price = next((p for p in phrases if p.slot == "price"), None)
    price_field = draft.facts.get("price") or ""
    price_digits = digits(masked.values.get(price_field, price_field))
    sentences, source, talk = price_talk(draft, sentences, source, price_digits)
    first = opening(draft, item, source, names, phrases)
    named = item is not None or bool(names)
    if not named and sentences:  # the seller's first sentence says best what an unnamed item is
        first = draft.kept(sentences[:1]) + first
        sentences = sentences[1:]
    second = details(draft, phrases, item)
    caption = _photo_caption(draft, photo_caption, named or bool(masked.text.strip()))
    text = " ".join([*first, *caption, *second, *draft.kept(sentences), *talk.sentences_last(draft, price)])
    if not named and not masked.text.strip():
        _missing(draft, images, photo_caption)
    return Generation(text, len(text.split()), None, draft.warnings, draft.suggestions)


class TemplateCaptioner:
    """The template as a Captioner: no weights, deterministic, instant."""

    def generate(
        self, masked: MaskedListing, diversity: DiversityLabel, images: Sequence[Image.Image]
    ) -> Generation:
        """Compose the description; `tokens` counts words, confidence is None (nothing is sampled)."""
        return compose_listing(masked, diversity, images)


def load(folder: Path, manifest: dict, models: ModelStore) -> TemplateCaptioner:
    """The registry's loader for kind "template"."""
    return TemplateCaptioner()
