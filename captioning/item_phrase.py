"""The item a listing sells, as a Russian noun phrase the template can extend and put in a case.

A phrase is read from the start of a clause — the seller's ("Продаю фарфоровую кофейную чашку с
блюдцем", "Зимние сапоги на девочку") or a field's value ("Обеденный стол"): an optional verb of
selling, adjectives, the head noun, words glued to it (a genitive after "пакет", "набор"; Latin names),
prepositional phrases that describe the item ("с блюдцем", "для капучино", "из 4 стульев"), and the
rest of the clause ("в хорошем состоянии"). Rendering adds adjectives (agreed), names after the head
and complements after the description, and keeps the seller's own words wherever the case allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pymorphy3.analyzer import Parse

from captioning.repeats import SALE_VERBS, content_lemmas, lemma
from captioning.russian import Head, agree_adjective, head_grammar, lower_first, parses
from masking.tokens import TOKEN

# Heads that name the item only vaguely: used when nothing more specific names it.
GENERIC_HEADS = frozenset({
    "товар", "вещь", "вещица", "предмет", "изделие", "продукция", "штука", "обувь", "одежда", "посуда",
    "мебель", "техника", "электроника", "аксессуар", "вариант",
})  # fmt: skip
# Heads of clauses about something else than the item: a phrase headed by one of these is no item.
NOT_ITEMS = frozenset({
    "продажа", "состояние", "цена", "стоимость", "размер", "рост", "торг", "самовывоз", "доставка", "фото",
    "фотография", "вопрос", "причина", "обмен", "объявление", "гарантия", "подарок", "отправка",
})  # fmt: skip
# Heads that hold other things: "пакет вещей", "набор стульев" keep their number and their genitive.
CONTAINERS = frozenset({
    "пакет", "набор", "комплект", "лот", "партия", "коробка", "мешок", "пара", "упаковка", "сервиз",
    "коллекция", "пачка",
})  # fmt: skip
_ITEM_PREPOSITIONS = frozenset({"с", "со", "для", "на", "из", "под"})
_CYRILLIC = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")
_NAME = re.compile(r"[A-Za-z][\w'’&.+-]*")
_ADJECTIVE_POS = frozenset({"ADJF", "PRTF"})
_INDECLINABLE = frozenset({"б/у", "б.у.", "бу"})  # written before a noun like an adjective, never agreed
_TRANSITIVE = frozenset({"продавать", "продать", "отдавать", "отдать", "предлагать"})


@dataclass(frozen=True)
class Adjective:
    """An adjective of the phrase: as the seller wrote it (valid in the phrase's own case) and its base."""

    written: str | None
    base: str  # masculine singular nominative, the form agree_adjective starts from


@dataclass(frozen=True)
class ItemPhrase:
    """The item's noun phrase, split into the parts rendering needs."""

    adjectives: tuple[Adjective, ...]
    head: Parse
    head_written: str
    case: str  # the case the phrase was written in: "nomn", or "accs" after "продаю"
    plural: bool
    post: tuple[Adjective, ...] = ()  # agreeing adjectives after the head: "сапоги зимние"
    tail: tuple[str, ...] = ()  # glued to the head: "вещей", "Nike Air Max"
    complements: tuple[str, ...] = ()  # "с блюдцем", "на девочку"
    rest: str = ""  # the rest of the clause: "в хорошем состоянии"
    verb: str | None = None  # the seller's own verb of selling, as written

    @property
    def lemma(self) -> str:
        """The head noun's dictionary form."""
        return self.head.normal_form.replace("ё", "е")

    @property
    def fixed_case(self) -> bool:
        """Whether the clause goes on naming more items ("куртка и шапка"), so the phrase can only be
        written as the seller wrote it."""
        first = self.rest.split(maxsplit=1)[0] if self.rest else ""
        return first.lower() in ("и", "или", "+")

    @property
    def is_item(self) -> bool:
        """Whether the head can be what is sold (not "состояние", "цена", "доставка")."""
        return self.lemma not in NOT_ITEMS

    @property
    def names_item(self) -> bool:
        """Whether the head says specifically what is sold (not "товар", "вещь", "одежда")."""
        return self.is_item and self.lemma not in GENERIC_HEADS

    def grammar(self) -> Head:
        """The head's grammar, in the number the phrase is named in."""
        head = head_grammar(self.head)
        return head if head.plural_only or head.singular_only else replace(head, plural=self.plural)

    def words(self) -> str:
        """The phrase without the verb and the rest, as written."""
        adjectives = [a.written or a.base for a in self.adjectives]
        post = [a.written or a.base for a in self.post]
        return " ".join([*adjectives, self.head_written, *post, *self.tail, *self.complements])

    def lemmas(self) -> frozenset[str]:
        """Content lemmas of the phrase and the rest of its clause."""
        return content_lemmas(f"{self.words()} {self.rest}", {})

    def with_number(self, plural: bool) -> ItemPhrase:
        """The phrase named in the singular or plural (a container keeps its own number)."""
        grammar = head_grammar(self.head)
        if self.lemma in CONTAINERS or plural == self.plural or grammar.plural_only or grammar.singular_only:
            return self
        adjectives = tuple(Adjective(None, a.base) for a in self.adjectives)
        post = tuple(Adjective(None, a.base) for a in self.post)
        head_written = _inflect(self.head, "nomn", plural)
        return replace(self, adjectives=adjectives, post=post, plural=plural, head_written=head_written)

    def render(
        self,
        case: str,
        extra: tuple[str, ...] = (),
        names: tuple[str, ...] = (),
        after: tuple[str, ...] = (),
    ) -> str:
        """The phrase in `case` with extra adjectives before it, names after the head and `after`
        after the description; the seller's own words stay where the case is theirs."""
        grammar = self.grammar()
        own = case == self.case

        def agreed(adjectives: tuple[Adjective, ...]) -> list[str]:
            return [
                (a.written if own else None) or agree_adjective(a.base, grammar, case, self.plural)
                for a in adjectives
            ]

        words = [agree_adjective(base, grammar, case, self.plural) for base in extra]
        words += agreed(self.adjectives)
        words.append(self.head_written if own else _inflect(self.head, case, self.plural))
        words += [*agreed(self.post), *self.tail, *names, *self.complements, *after]
        if self.rest:
            words.append(self.rest)
        return " ".join(words)


def _inflect(noun: Parse, case: str, plural: bool) -> str:
    grammemes = {case, "plur" if plural and "Sgtm" not in noun.tag else "sing"}
    if "Pltm" in noun.tag:
        grammemes = {case, "plur"}
    form = noun.inflect(grammemes)
    return form.word if form is not None else noun.word


def _is_sale_verb(word: str) -> bool:
    return _CYRILLIC.fullmatch(word) is not None and lemma(word) in SALE_VERBS


def _agrees(adjective: Parse, noun: Parse) -> bool:
    if adjective.tag.case != noun.tag.case or adjective.tag.number != noun.tag.number:
        return False
    return noun.tag.number == "plur" or noun.tag.gender in (None, adjective.tag.gender) or "ms-f" in noun.tag


def _agreeing(word: str, noun: Parse) -> Parse:
    return next(p for p in parses(word) if p.tag.POS in _ADJECTIVE_POS and _agrees(p, noun))


_NOT_COMMON = frozenset({"Name", "Surn", "Patr", "Geox", "Abbr"})


def _nouns(word: str, case: str) -> list[Parse]:
    """The word's common-noun readings in `case`, plural-only and inanimate first."""
    found = [
        p
        for p in parses(word)
        if p.tag.POS == "NOUN" and p.tag.case == case and not _NOT_COMMON & p.tag.grammemes
    ]
    return sorted(found, key=lambda p: ("Pltm" in p.tag, p.tag.animacy == "inan", p.score), reverse=True)


def _adjective_base(adjective: Parse) -> str:
    form = adjective.inflect({"nomn", "sing", "masc"})
    return form.word if form is not None else adjective.word


def _adjective_in(word: str, case: str) -> bool:
    return any(p.tag.POS in _ADJECTIVE_POS and p.tag.case == case for p in parses(word))


def _head(words: list[str], start: int, case: str) -> tuple[list[Adjective], Parse, int] | None:
    """Adjectives from `start` up to the first noun in `case` they all agree with; a word that reads as
    both ("новые", "детская") is an adjective while the next word can still be the noun."""
    for end in range(start, len(words)):
        word = words[end]
        if word.lower() in _INDECLINABLE:
            continue
        if not _CYRILLIC.fullmatch(word):
            return None
        following = words[end + 1] if end + 1 < len(words) else ""
        adjective_first = parses(word)[0].tag.POS in _ADJECTIVE_POS or not _nouns(word, case)
        if (
            adjective_first
            and _adjective_in(word, case)
            and _CYRILLIC.fullmatch(following)
            and (_nouns(following, case) or _adjective_in(following, case))
        ):
            continue
        for noun in _nouns(word, case):
            chosen = []
            for written in words[start:end]:
                if written.lower() in _INDECLINABLE:
                    chosen.append(Adjective(written, written))
                    continue
                if not any(p.tag.POS in _ADJECTIVE_POS and _agrees(p, noun) for p in parses(written)):
                    break
                chosen.append(Adjective(lower_first(written), _adjective_base(_agreeing(written, noun))))
            else:
                return chosen, noun, end
        return None
    return None


def _is_noun(word: str) -> bool:
    """A noun outside the nominative (the end of a prepositional phrase), or a Latin name."""
    if _NAME.fullmatch(word):
        return True
    return _CYRILLIC.fullmatch(word) is not None and any(
        p.tag.POS == "NOUN" and p.tag.case != "nomn" for p in parses(word)
    )


def _complement(words: list[str], start: int) -> int:
    """The end of a prepositional phrase describing the item at `start` ("с блюдцем"), or `start`."""
    if start >= len(words) or words[start].lower() not in _ITEM_PREPOSITIONS:
        return start
    i = start + 1
    while i < len(words):
        word = words[i]
        if not TOKEN.fullmatch(word) and _is_noun(word):
            i += 1
            while i < len(words) and (_genitive_noun(words[i]) or TOKEN.fullmatch(words[i])):
                i += 1  # "из массива дуба", "на рост <SIZE>"
            return i
        modifier = TOKEN.fullmatch(word) or any(p.tag.POS in (*_ADJECTIVE_POS, "NUMR") for p in parses(word))
        if not modifier:
            return start
        i += 1
    return start


def _genitive_noun(word: str) -> bool:
    """A word whose best reading is a noun in the genitive ("дуба", "вещей")."""
    best = parses(word)[0] if _CYRILLIC.fullmatch(word) else None
    return best is not None and best.tag.POS == "NOUN" and best.tag.case == "gent"


def _tail(words: list[str], start: int, head: Parse) -> int:
    """The end of what is glued to the head: a container's genitive phrase, Latin names."""
    i = start
    if head.normal_form in CONTAINERS:
        while (
            i < len(words) and _CYRILLIC.fullmatch(words[i]) and parses(words[i])[0].tag.POS in _ADJECTIVE_POS
        ):
            i += 1
        if i < len(words) and _genitive_noun(words[i]):
            i += 1
        else:
            i = start
    while i < len(words) and _NAME.fullmatch(words[i]):
        i += 1
    return i


def read_item(clause: str) -> ItemPhrase | None:
    """The item phrase a clause starts with, or None when it does not start with one."""
    words = clause.split()
    while words and not any(ch.isalnum() for ch in words[0]):  # "✅ поддоны", "— куртка"
        words.pop(0)
    if words:
        words[0] = lower_first(words[0])
    verb = words[0] if words and _is_sale_verb(words[0]) else None
    start = 1 if verb else 0
    cases = ("accs", "nomn") if verb and lemma(verb) in _TRANSITIVE else ("nomn",)
    for case in cases:
        found = _head(words, start, case)
        if found is None:
            continue
        adjectives, head, index = found
        post_end = index + 1
        while (
            post_end < len(words)
            and _CYRILLIC.fullmatch(words[post_end])
            and any(p.tag.POS in _ADJECTIVE_POS and _agrees(p, head) for p in parses(words[post_end]))
        ):
            post_end += 1
        post = tuple(Adjective(w, _adjective_base(_agreeing(w, head))) for w in words[index + 1 : post_end])
        tail_end = end = _tail(words, post_end, head)
        complements = []
        while (stop := _complement(words, end)) > end:
            complements.append(" ".join(words[end:stop]))
            end = stop
        return ItemPhrase(
            adjectives=tuple(adjectives),
            head=head,
            head_written=lower_first(words[index]),
            case=case,
            plural=head.tag.number == "plur",
            post=post,
            tail=tuple(words[post_end:tail_end]),
            complements=tuple(complements),
            rest=" ".join(words[end:]),
            verb=verb,
        )
    return None


def merge(seller: ItemPhrase, field: ItemPhrase) -> ItemPhrase:
    """The seller's phrase with what the field adds about the same noun ("стол" + "обеденный стол")."""
    if seller.lemma != field.lemma:
        return seller
    said = seller.lemmas()
    adjectives = tuple(Adjective(None, a.base) for a in field.adjectives if lemma(a.base) not in said)
    post = tuple(Adjective(None, a.base) for a in field.post if lemma(a.base) not in said)
    complements = tuple(c for c in field.complements if not content_lemmas(c, {}) <= said)
    return replace(
        seller,
        adjectives=adjectives + seller.adjectives,
        post=seller.post + post,
        tail=seller.tail or field.tail,
        complements=seller.complements + complements,
    )
