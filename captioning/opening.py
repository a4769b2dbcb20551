"""The opening of a listing: the item with its key attributes in one sentence, the way sellers with many
sales begin («Новые розовые зимние сапоги на девочку, размер 30 (19 см), натуральная шерсть внутри»),
and the sentence of the other attributes that follows it."""

from __future__ import annotations

from collections.abc import Sequence

from captioning.attribute_phrases import Phrase
from captioning.draft import Draft, sentence
from captioning.item_phrase import ItemPhrase, read_item
from captioning.russian import upper_first
from captioning.seller_text import Clause, Sentence


def _lead(
    draft: Draft, item: ItemPhrase | None, names: tuple[str, ...], phrases: list[Phrase], fixed: bool
) -> str:
    """The item's words after a verb of selling: the seller's own verb, none where the seller's clause
    goes on in its own case or the listing is too short to pad, otherwise one chosen by the hash."""
    extra = tuple(p.text for p in phrases if p.slot == "adjective")
    after = tuple(p.text for p in phrases if p.slot == "complement")
    if item is None:
        named = " ".join(names)
        options = [named, f"Продаю {named}", f"Продаётся {named}"]
        return draft.pick("verb", options if draft.verbs else options[:1])
    if item.verb:
        return f"{item.verb} {item.render(item.case, extra, names, after)}"
    if fixed:
        return item.render(item.case, extra, names, after)
    nominative = item.render("nomn", extra, names, after)
    sells = "Продаются" if item.grammar().plural else "Продаётся"
    accusative = item.render("accs", extra, names, after)
    options = [nominative, f"Продаю {accusative}", f"{sells} {nominative}"]
    return draft.pick("verb", options if draft.verbs else options[:1])


def _list_end(clauses: Sequence[Clause]) -> int:
    """How many clauses after the first go on naming items, as in «футболка, шорты и кепка»: bare item
    phrases after commas, the last one joined by «и»."""
    for count, clause in enumerate(clauses[1:], start=1):
        phrase = read_item(clause.text)
        if (
            clause.sep != ", "
            or phrase is None
            or not phrase.is_item
            or (phrase.rest and not phrase.fixed_case)
        ):
            return 0
        if phrase.fixed_case:
            return count
    return 0


def opening(
    draft: Draft,
    item: ItemPhrase | None,
    source: Sentence | None,
    names: tuple[str, ...],
    phrases: list[Phrase],
) -> list[str]:
    """The first sentence: the item, its key attributes, and the rest of the seller's sentence that
    named it; the key attributes get a sentence of their own when that sentence goes on after a colon."""
    keys = [p.text for p in phrases if p.slot == "key"]
    if item is None and not names:
        return [draft.say(sentence(", ".join(keys)))] if keys else []
    clauses = source.clauses if source is not None else []
    listed = _list_end(clauses)
    fixed = listed > 0 or (item is not None and item.fixed_case)
    first = _lead(draft, item, names, phrases, fixed) + "".join(
        c.sep + c.text for c in clauses[1 : 1 + listed]
    )
    rest = clauses[1 + listed :]
    separate = bool(keys) and bool(rest) and rest[0].sep.startswith(":")
    if keys and not separate:
        first += ", " + ", ".join(keys)
    draft.say(first)
    first += "".join(c.sep + c.text for c in draft.unsaid(rest))
    end = source.end if source is not None else "."
    sentences = [upper_first(first) + ("" if first.endswith(".") and end == "." else end)]
    if separate:
        sentences.append(draft.say(sentence(", ".join(keys))))
    return sentences


def details(draft: Draft, phrases: list[Phrase], item: ItemPhrase | None) -> list[str]:
    """The second sentence: the attributes that have no place in the opening."""
    parts = [p.text for p in phrases if p.slot == "detail"]
    if item is None:
        parts = [p.fallback for p in phrases if p.slot in ("adjective", "complement")] + parts
    if not parts:
        return []
    joiner = "; " if any(":" in p for p in parts) else ", "
    return [draft.say(sentence(joiner.join(parts)))]
