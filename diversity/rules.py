"""Text facts that say whether a listing sells one item or several.

`text_facts(attributes, text)` reads the seller's raw title, description and attributes and returns
`Fact`s: a kind (weighed by `DiversityConfig`) and a Russian reason. This module finds facts; it does
not weigh them. Words are tokenised with razdel and lemmatised with one lazily created pymorphy3
analyser; every word's analysis is cached.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import razdel

import diversity.lexicon as lex
from core.morphology import PAIRED_NOUNS, morph

PREPOSITIONS = frozenset(
    ("для", "с", "со", "от", "под", "к", "без", "из", "на", "в", "во", "по", "у", "о", "об", "при", "за",
     "до", "после", "над", "про", "через")
)
# A number after these is not a count of goods: "с двумя аккумуляторами", "за 1 шт", "по 200 ₽".
NOT_A_COUNT_AFTER = frozenset(("с", "со", "из", "до", "от", "на", "за", "по"))
SENTENCE_SPLIT = re.compile(r"[!?;\n]+|\.(?!\d)")
DIGIT_LETTER = re.compile(r"(\d)([^\W\d_])|([^\W\d_])(\d)")
MULTIPLIER = re.compile(r"(?:^|[\s,;:(])[xх×]\s?(\d{1,4})(?![\d,.]?\d|\s?[xх×]\s?\d)")
PRICE_EACH = re.compile(r"(?:^|\s)по\s+\d[\d\s]*\s*(?:руб|р\b|р\.|₽|тыс|т\.р)")
ENUM_LINKS = frozenset({",", "и", "+", "/", "а", "также", "плюс", "&"})
ENUM_FILLER_POS = frozenset({"ADJF", "ADJS", "PRTF", "NUMR", "LATN", "NUMB", "UNKN"})


@dataclass(frozen=True)
class Fact:
    """One piece of evidence: `kind` is looked up in the config's weights; `reason` is shown in Russian."""

    kind: str
    reason: str


@dataclass(frozen=True)
class Word:
    """The analysis of one token, shared through a cache."""

    text: str
    lemmas: frozenset[str]
    lemma: str
    pos: str | None
    noun: bool
    plural: bool  # a plural noun in the nominative/accusative with no singular-nominative reading
    singular: bool  # has a singular nominative/accusative noun reading
    pltm: bool
    number: int | None = None


@lru_cache(maxsize=100_000)
def analyze(token: str) -> Word:
    """Lemmas, part of speech and number of one lower-case token."""
    if token.isdigit():
        return Word(token, frozenset(), token, "NUMB", False, False, False, False, number=int(token))
    if not any(c.isalpha() for c in token):  # punctuation and numbers like "2,5": no dictionary look-up
        return Word(token, frozenset(), token, "PNCT", False, False, False, False)
    parses = morph().parse(token)
    nouns = [p for p in parses if p.tag.POS == "NOUN"]
    lemmas = frozenset(p.normal_form.replace("ё", "е") for p in (nouns or parses[:1]))
    nominal = [p for p in nouns if p.tag.case in ("nomn", "accs")]
    plural = any(p.tag.number == "plur" for p in nominal) and not any(
        p.tag.number == "sing" and p.tag.case == "nomn" for p in nouns
    )
    top = parses[0]
    pos = str(top.tag.POS) if top.tag.POS else str(top.tag).split(",")[0].split()[0]
    number = lex.NUMBER_WORDS.get(top.normal_form) if pos in ("NUMR", "ADJF") else None
    return Word(
        text=token,
        lemmas=lemmas,
        lemma=top.normal_form.replace("ё", "е"),
        pos=pos,
        noun=bool(nouns) and (pos == "NOUN" or bool(nominal)),
        plural=plural,
        singular=any(p.tag.number == "sing" for p in nominal),
        pltm=any("Pltm" in p.tag for p in nouns),
        number=number,
    )


@cache
def lemmas_of(words: tuple[str, ...]) -> frozenset[str]:
    """Every lemma of every word in a lexicon list."""
    found: set[str] = set()
    for word in words:
        word = word.lower().replace("ё", "е")
        found |= analyze(word).lemmas | {word}
    return frozenset(found)


def tokenize(segment: str) -> list[Word]:
    """razdel tokens of one sentence, analysed; digits glued to letters ("3шт") are split first."""
    segment = DIGIT_LETTER.sub(lambda m: f"{m[1] or m[3]} {m[2] or m[4]}", segment.lower().replace("ё", "е"))
    return [analyze(t.text) for t in razdel.tokenize(segment)]


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of a description."""
    return [s.strip() for s in SENTENCE_SPLIT.split(text) if s.strip()]


@cache
def _pair_set(pairs: tuple[tuple[str, str], ...]) -> frozenset[tuple[str, str]]:
    """A lexicon's word pairs, "ё" as "е", built once per list."""
    return frozenset((a.replace("ё", "е"), b.replace("ё", "е")) for a, b in pairs)


def _bigrams(words: Sequence[Word], pairs: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    wanted = _pair_set(pairs)
    for left, right in itertools.pairwise(words):
        for a in left.lemmas | {left.text}:
            for b in right.lemmas | {right.text}:
                if (a, b) in wanted:
                    return left.text, right.text
    return None


def _is_accessory(words: Sequence[Word]) -> str | None:
    """The phrase that makes a sentence about one item's kit ("в комплекте", "в подарок"), if any."""
    pair = _bigrams(words, lex.ACCESSORY_PHRASES)
    if pair:
        return " ".join(pair)
    for w in words:
        if w.lemmas & lemmas_of(lex.ACCESSORY_LEMMAS):
            return w.text
    return None


@dataclass
class _Sentence:
    raw: str
    words: list[Word]
    accessory: str | None


class _Reader:
    """Collects facts over a listing's sentences; each kind is reported once, by its first finding."""

    def __init__(self, title: str, text: str) -> None:
        self.sentences: list[_Sentence] = []
        for segment in ([title] if title else []) + split_sentences(text):
            words = tokenize(segment)
            self.sentences.append(_Sentence(segment.lower(), words, _is_accessory(words)))
        self.facts: dict[str, Fact] = {}
        self.head = self._head()

    def add(self, kind: str, reason: str) -> None:
        self.facts.setdefault(kind, Fact(kind, reason))

    def _head(self) -> Word | None:
        """The noun that names what is sold: the title's first noun (else the description's)."""
        for sentence in self.sentences[:1]:
            for i, w in enumerate(sentence.words):
                before = sentence.words[i - 1] if i else None
                if w.pos == "NOUN" and (
                    before is None or (before.text not in PREPOSITIONS and before.number is None)
                ):
                    return w
        return None

    def read(self) -> dict[str, Fact]:
        self._head_facts()
        for sentence in self.sentences:
            if sentence.accessory:
                self.add("accessory", f"«{sentence.accessory}» — о принадлежностях одного товара")
                self._together(sentence.words)
                continue
            self._sentence_facts(sentence)
        return self.facts

    def _head_facts(self) -> None:
        head = self.head
        if head is None:
            return
        if head.lemmas & lemmas_of(lex.SET_WORDS + lex.CONTAINER_NOUNS):
            return
        if head.lemmas & lemmas_of(lex.COLLECTIVE_NOUNS):
            self.add("collective_head", f"«{head.text}» — несколько вещей")
        elif head.pltm or head.lemmas & lemmas_of(PAIRED_NOUNS):
            self.add("paired_head", f"«{head.text}» — один предмет или одна пара")
        elif head.plural:
            self.add("plural_head", f"товар во множественном числе: «{head.text}»")
        elif head.singular:
            self.add("singular_head", f"товар в единственном числе: «{head.text}»")

    def _sentence_facts(self, sentence: _Sentence) -> None:
        words = sentence.words
        self._set_words(words)
        self._counts(words)
        self._prices(words, sentence.raw)
        self._phrases(words)
        self._enumeration(words)
        match = MULTIPLIER.search(sentence.raw)
        if match and int(match[1]) > 1:
            self.add("multiplier", f"«{match[0].strip()}»")

    def _set_words(self, words: list[Word]) -> None:
        set_lemmas = lemmas_of(lex.SET_WORDS)
        for i, w in enumerate(words):
            before = words[i - 1].text if i else ""
            after = words[i + 1] if i + 1 < len(words) else None
            if w.lemmas & set_lemmas and before not in ("в", "во"):
                self.add("set_word", f"слово «{w.text}»")
            elif w.text in lex.BUNDLE_FORMS and before not in PREPOSITIONS:
                self.add("bundle_word", f"«{w.text}»")
            elif "пакет" in w.lemmas and after is not None and before not in ("в", "во") and (
                after.lemmas & lemmas_of(lex.COLLECTIVE_NOUNS) or after.plural
            ):
                self.add("set_word", f"«{w.text} {after.text}»")

    def _noun_after(self, words: list[Word], start: int) -> Word | None:
        """The noun within three tokens of `start`, with only adjectives before it."""
        for w in words[start : start + 3]:
            if w.noun and w.pos != "NUMB":
                return w
            if w.pos not in ("ADJF", "ADJS", "PRTF") and w.text not in ("-", "—"):
                return None
        return None

    def _counts(self, words: list[Word]) -> None:
        units = lemmas_of(lex.COUNT_UNITS) | {"пар", "пары", "пару"}
        items = lemmas_of(lex.ITEM_NOUNS)
        for i, w in enumerate(words):
            if w.number is None or (i and words[i - 1].text in NOT_A_COUNT_AFTER):
                continue
            noun = self._noun_after(words, i + 1)
            if noun is None:
                continue
            phrase = f"«{w.text} {noun.text}»"
            if w.number == 1:
                if noun.text in lex.BUNDLE_FORMS:
                    continue
                if noun.lemmas & units or (self.head and noun.lemmas & self.head.lemmas):
                    self.add("count_one", phrase)
            elif noun.lemmas & units or noun.text in units:
                self.add("count_unit", phrase)
            elif self.head is not None and noun.lemmas & self.head.lemmas:
                self.add("count_head", phrase)
            elif noun.lemmas & items:
                self.add("count_item", phrase)

    def _prices(self, words: list[Word], raw: str) -> None:
        units = lemmas_of(lex.COUNT_UNITS) | lemmas_of(("куб", "кг", "м", "метр", "килограмм", "литр", "м²"))
        items = lemmas_of(lex.ITEM_NOUNS)
        bundle = lemmas_of(lex.BUNDLE_PRICE_OBJECTS)  # holds the listed words themselves too
        for i, w in enumerate(words[:-1]):
            nxt = words[i + 1]
            if w.text == "за":
                if nxt.lemmas & bundle or nxt.text in bundle:
                    self.add("bundle_price", f"«за {nxt.text}»")
                elif nxt.number == 1 or nxt.lemmas & units or (
                    nxt.singular and nxt.lemmas & items and "accs" in _cases(nxt.text)
                ):
                    self.add("unit_price", f"«за {nxt.text}»")
            elif w.text in ("все", "всё") and nxt.text == "за":
                self.add("bundle_price", f"«{w.text} за»")
        each = PRICE_EACH.search(raw)
        if each:
            self.add("unit_price", f"«{each[0].strip()}»")

    def _together(self, words: list[Word]) -> None:
        pair = _bigrams(words, lex.TOGETHER_PHRASES)
        if pair:
            self.add("together", f"«{' '.join(pair)}»")

    def _phrases(self, words: list[Word]) -> None:
        self._together(words)
        many = lemmas_of(lex.MANY_WORDS)
        for w in words:
            if w.lemmas & many or w.lemma in lex.MANY_WORDS:
                self.add("many_word", f"слово «{w.text}»")
                break
        sale = lemmas_of(lex.SALE_VERBS)
        for i, w in enumerate(words):
            if w.lemma in sale or w.lemmas & sale:
                noun = self._noun_after(words, i + 1)
                if noun and noun.plural and not (noun.pltm or noun.lemmas & lemmas_of(PAIRED_NOUNS)):
                    self.add("sale_plural", f"«{w.text} {noun.text}»")

    def _enumeration(self, words: list[Word]) -> None:
        if self.head is not None and self.head.lemmas & lemmas_of(lex.COMPOSITE_NOUNS):
            return
        items = lemmas_of(lex.ITEM_NOUNS)
        skip = lemmas_of(lex.COUNT_UNITS) | {"пар", "пары"}
        run: list[Word] = []
        link: str | None = None  # the link seen since the last item: None, "," or a word
        words_linked = False  # a link other than a comma joins the run somewhere
        for i, w in enumerate(words):
            is_item = w.noun and w.lemmas & items and (i == 0 or words[i - 1].text not in PREPOSITIONS)
            if is_item:
                if run and link is None:
                    run, words_linked = [], False
                words_linked = words_linked or (link not in (None, ","))
                run.append(w)
                link = None
            elif w.text in ENUM_LINKS:
                if run and link in (None, ","):
                    link = w.text
            elif not (w.pos in ENUM_FILLER_POS or w.lemmas & skip):
                if self._enough(run, words_linked):
                    return
                run, link, words_linked = [], None, False
        self._enough(run, words_linked)

    def _enough(self, run: list[Word], words_linked: bool) -> bool:
        """Two different items joined by "и"/"+", or three and more joined by anything."""
        names = list(dict.fromkeys(w.lemma for w in run))
        if len(names) >= 3 or (len(names) == 2 and words_linked):
            self.add("enumeration", "перечислены разные вещи: " + ", ".join(w.text for w in run))
            return True
        return False


@lru_cache(maxsize=20_000)
def _cases(token: str) -> frozenset[str]:
    """Every grammatical case a token can be in."""
    return frozenset(p.tag.case for p in morph().parse(token) if p.tag.case)


def _quantity(attributes: dict[str, str]) -> tuple[str, int] | None:
    """The "Количество" attribute as (name, number), when there is one."""
    ok_extra = lemmas_of(lex.QUANTITY_KEY_EXTRA_OK)
    for key, value in attributes.items():
        words = [w for w in tokenize(key) if w.text not in (",", ".", ":", "(", ")")]
        if not words or not (words[0].text in lex.QUANTITY_KEYS or words[0].lemma in lex.QUANTITY_KEYS):
            continue
        if all(w.lemmas & ok_extra or w.text in lex.QUANTITY_KEY_EXTRA_OK for w in words[1:]):
            match = re.search(r"\d+", value)
            if match:
                return key, int(match[0])
    return None


def _title(attributes: dict[str, str]) -> str:
    for key, value in attributes.items():
        if key.strip().lower() in lex.TITLE_KEYS:
            return value
    return ""


def _is_vehicle(attributes: dict[str, str]) -> bool:
    keys = {k.strip().lower() for k in attributes}
    values = " ".join(attributes.values()).lower()
    return bool(keys & set(lex.VEHICLE_KEYS)) or "автомобил" in values or "мотоцикл" in values


def text_facts(attributes: dict[str, str], text: str) -> list[Fact] | None:
    """Every fact the title, description and attributes give; None when there is nothing to read."""
    title = _title(attributes)
    facts: dict[str, Fact] = {}
    quantity = _quantity(attributes)
    if quantity:
        key, number = quantity
        kind = "quantity_many" if number > 1 else "quantity_one"
        facts[kind] = Fact(kind, f"{key.strip()} = {number}")
    if _is_vehicle(attributes):
        facts["vehicle"] = Fact("vehicle", "транспортное средство — один товар")
    if not (title.strip() or text.strip()):
        return list(facts.values()) or None
    for kind, fact in _Reader(title, text).read().items():
        facts.setdefault(kind, fact)
    return list(facts.values())
