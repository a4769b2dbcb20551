"""Text facts that say whether a listing sells one item or several.

`text_facts(attributes, text)` reads the seller's raw title, description and attributes and returns
`Fact`s: a kind (weighed by `DiversityConfig`) and a Russian reason. This module finds facts; it does
not weigh them. The listing is cut into segments (`diversity.segments`): sentences advertising other
listings are not read, «в комплекте / прилагается» clauses only count as the head item's kit. Items are
counted through morphology (`diversity.words`): the head noun of the title and of each listed line with
its number and `Pltm` tag, numerals and units before nouns, enumerations of different goods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import diversity.lexicon as lex
from core.morphology import paired_lemmas
from diversity.segments import ACCESSORY, MAIN, Segment, find_bigram, segments
from diversity.words import Word, analyze, cases, counted_form, lemmas_of, tokenize, words_of

PREPOSITIONS = frozenset(
    ("для", "с", "со", "от", "под", "к", "без", "из", "на", "в", "во", "по", "у", "о", "об", "при", "за",
     "до", "после", "над", "про", "через")
)
# A number after these is not a count of goods: "с двумя аккумуляторами", "за 1 шт", "по 200 ₽".
NOT_A_COUNT_AFTER = frozenset(("с", "со", "из", "до", "от", "на", "за", "по"))
MULTIPLIER = re.compile(r"(?:^|[\s,;:(])[xх×]\s?(\d{1,4})(?![\d,.]?\d|\s?[xх×]\s?\d)")
PRICE_EACH = re.compile(r"(?:^|\s)по\s+\d[\d\s]*\s*(?:руб|р\b|р\.|₽|тыс|т\.р)")
# A price per unit written with a slash: «750 р/кг», «350р/уп», «3т.р./котенок», «350/кг».
# A bare number before the slash only with a unit after it: «16 гб/rtx» is a computer's specification.
PRICE_PER = re.compile(
    r"\d\s*(?:руб\w*|р|₽|т\.?\s?р)\.?\s*/\s*(?:1\s*)?[^\W\d_]{1,10}\b"
    r"|\d\s*/\s*(?:кг|шт|уп\w*|м2|м²|м3|м|л|т|куст\w*|лист|десят\w*|мешок|ведро|банк\w*)(?![^\W\d_])"
)
# A size range on offer: «размеры 36-41», «42-48 р» (one garment's size spans at most two steps: «44-46»).
SIZE_RANGE = re.compile(
    r"(?:размер\w*|р\.?)\s*:?\s*(\d{2})\s*[-–—]\s*(\d{2})(?!\d)|(\d{2})\s*[-–—]\s*(\d{2})\s*(?:р\b|размер)"
)
SIZE_VALUE = re.compile(r"^\s*(\d{2})\s*[-–—]\s*(\d{2})\s*$")
# A price: a number with a currency; not a size range («44-46 р») and not a bare «р» after a small number.
PRICE = re.compile(r"(?<![\d-])(\d[\d\s]*?)\s*(руб|₽|т\.?\s?р|тыс|р\b|р\.)")
DIMENSIONS = re.compile(r"\d\s*[xх×*]\s*\d|\bсм\b|\bмм\b")
ENUM_LINKS = frozenset({",", "и", "+", "/", "а", "также", "плюс", "&"})
ENUM_FILLER_POS = frozenset({"ADJF", "ADJS", "PRTF", "NUMR", "LATN", "NUMB", "UNKN"})


@dataclass(frozen=True)
class Fact:
    """One piece of evidence: `kind` is looked up in the config's weights; `reason` is shown in Russian."""

    kind: str
    reason: str


@cache
def _items() -> frozenset[str]:
    """Lemmas of concrete goods: the goods lexicon and the paired nouns."""
    return lemmas_of(lex.ITEM_NOUNS) | paired_lemmas()


def _one_unit_noun(word: Word) -> bool:
    """A plural noun that still names one item: plural-only («брюки»), paired («кеды»), or a plural
    loanword the dictionary does not know («кюлоты», «джоггеры»), which in a title is a garment."""
    return word.pltm or bool(word.lemmas & paired_lemmas()) or (not word.known and word.plural)


def head_noun(words: list[Word]) -> Word | None:
    """The noun that names what a segment is about: its first noun not governed by a preposition or
    a number. None when that noun follows a link («samsung a52 + чехол»): the head is a name then."""
    for i, w in enumerate(words):
        before = words[i - 1] if i else None
        governed = before is not None and (before.text in PREPOSITIONS or before.number is not None)
        if w.pos == "NOUN" and not governed:
            return None if before is not None and before.text in ENUM_LINKS else w
    return None


def _compound_lemmas(word: Word) -> frozenset[str]:
    """Lemmas of a word and of each part of a hyphenated compound («кровать-чердак»)."""
    parts = [analyze(p).lemmas for p in word.text.split("-") if p] if "-" in word.text else []
    return word.lemmas.union(*parts)


def wide_size_range(first: int, last: int) -> bool:
    """A range of clothing or shoe sizes wider than one item's («36-41», «42-48»; not «44-46»)."""
    return last - first >= 3 and last < 60


def _prices(raw: str) -> list[re.Match[str]]:
    """Prices in a segment's text; a bare «р» after a number under 50 is a size, not a price."""
    return [m for m in PRICE.finditer(raw) if m[2] not in ("р", "р.") or int(re.sub(r"\D", "", m[1])) >= 50]


def _range_of(match: re.Match[str]) -> tuple[int, int]:
    first, last = (match[1], match[2]) if match[1] else (match[3], match[4])
    return int(first), int(last)


class _Reader:
    """Collects facts over a listing's segments; each kind is reported once, by its first finding."""

    def __init__(self, title: str, text: str) -> None:
        self.segments = segments(title, text)
        self.facts: dict[str, Fact] = {}
        main = [s for s in self.segments if s.role == MAIN]
        self.head = head_noun(main[0].words) if main else None
        head_lemmas = _compound_lemmas(self.head) if self.head is not None else frozenset()
        self.composite = bool(head_lemmas & lemmas_of(lex.COMPOSITE_NOUNS))

    def add(self, kind: str, reason: str) -> None:
        self.facts.setdefault(kind, Fact(kind, reason))

    def read(self) -> dict[str, Fact]:
        self._head_facts()
        for segment in self.segments:
            if segment.role == ACCESSORY:
                self.add("accessory", f"«{segment.marker}» — о принадлежностях одного товара")
                self._together(segment.words)
            elif segment.role == MAIN:
                self._segment_facts(segment)
        self._listed_lines()
        self._item_prices()
        return self.facts

    def _head_facts(self) -> None:
        head = self.head
        if head is None or head.lemmas & lemmas_of(lex.SET_WORDS + lex.CONTAINER_NOUNS):
            return
        if head.lemmas & lemmas_of(lex.COLLECTIVE_NOUNS):
            self.add("collective_head", f"«{head.text}» — несколько вещей")
        elif _one_unit_noun(head):
            self.add("paired_head", f"«{head.text}» — один предмет или одна пара")
        elif head.plural:
            self.add("plural_head", f"товар во множественном числе: «{head.text}»")
        elif head.singular:
            self.add("singular_head", f"товар в единственном числе: «{head.text}»")

    def _segment_facts(self, segment: Segment) -> None:
        words = segment.words
        self._set_words(words)
        self._counts(words)
        self._unit_prices(words, segment.raw)
        self._phrases(words)
        self._variants(words, segment.raw)
        self._enumeration(words, segment.title)
        match = MULTIPLIER.search(segment.raw)
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
        items = _items()
        variants = lemmas_of(lex.VARIANT_NOUNS)
        for i, w in enumerate(words):
            if w.number is None or (i and words[i - 1].text in NOT_A_COUNT_AFTER):
                continue
            noun = self._noun_after(words, i + 1)
            if noun is None:
                continue
            phrase = f"«{w.text} {noun.text}»"
            ends_in_one = w.number % 10 == 1 and w.number % 100 != 11  # «21 штука»
            if not ends_in_one and not counted_form(noun.text):
                continue  # «40 пара», «46 размер»: a size and a noun, not a count
            if w.number != 1 and self._in_pack(words, noun):
                self.add("pack", f"{phrase} в одной упаковке")
                continue
            if w.number == 1:
                if noun.text in lex.BUNDLE_FORMS:
                    continue
                if noun.lemmas & units or (self.head and noun.lemmas & self.head.lemmas):
                    self.add("count_one", phrase)
            elif noun.lemmas & variants:
                if w.number > 12:
                    continue
                self.add("variants", f"товар есть в нескольких вариантах: {phrase}")
            elif noun.lemmas & units or noun.text in units:
                self.add("count_unit", phrase)
            elif self.head is not None and noun.lemmas & self.head.lemmas:
                self.add("count_head", phrase)
            elif noun.lemmas & items:
                self.add("count_item", phrase)

    def _in_pack(self, words: list[Word], noun: Word) -> bool:
        """«5 шт в упаковке», «12 рулонов в пачке»: the count is of what one pack holds."""
        at = words.index(noun)
        after = words[at + 1 : at + 3]
        packs = lemmas_of(lex.PACK_NOUNS)
        if len(after) < 2 or after[0].text not in ("в", "во"):
            return False
        return bool(after[1].lemmas & packs) or after[1].text in packs

    def _unit_prices(self, words: list[Word], raw: str) -> None:
        units = lemmas_of(lex.COUNT_UNITS) | lemmas_of(lex.MEASURE_UNITS)
        items = _items()
        bundle = lemmas_of(lex.BUNDLE_PRICE_OBJECTS)  # holds the listed words themselves too
        pair_is_one = self.head is not None and _one_unit_noun(self.head)
        for i, w in enumerate(words[:-1]):
            nxt = words[i + 1]
            if w.text == "за":
                if nxt.lemmas & bundle or nxt.text in bundle:
                    self.add("bundle_price", f"«за {nxt.text}»")
                elif pair_is_one and "пара" in nxt.lemmas:
                    continue  # «цена за пару» of one pair of shoes
                elif nxt.number == 1 or nxt.lemmas & units or (
                    nxt.singular and nxt.lemmas & items and "accs" in cases(nxt.text)
                ):
                    self.add("unit_price", f"«за {nxt.text}»")
            elif w.text in ("все", "всё") and nxt.text == "за":
                self.add("bundle_price", f"«{w.text} за»")
        for pattern in (PRICE_EACH, PRICE_PER):
            found = pattern.search(raw)
            if found:
                self.add("unit_price", f"«{found[0].strip()}»")
        currency = ("р", "руб", "рублей", "₽", "т.р", "тр")
        measures = lemmas_of(lex.MEASURE_UNITS)
        for i, w in enumerate(words[:-2]):  # «650 р лист», «150 р пачка»
            after = words[i + 2]
            if w.pos == "NUMB" and words[i + 1].text in currency and (
                after.lemmas & measures or after.text in measures
            ):
                self.add("unit_price", f"«{w.text} {words[i + 1].text} {after.text}»")
        for i, w in enumerate(words[:-1]):  # «литр 200 р», «десяток 130р»
            if (w.lemmas & measures or w.text in measures) and words[i + 1].pos == "NUMB":
                rest = " ".join(x.text for x in words[i + 1 : i + 4])
                if (i == 0 or words[i - 1].pos != "NUMB") and _prices(rest):
                    self.add("unit_price", f"«{w.text} {rest}»")

    def _together(self, words: list[Word]) -> None:
        if self.composite:
            return  # «стенка продаётся только вместе»: the parts of one item
        at = find_bigram(words, lex.TOGETHER_PHRASES)
        if at is not None:
            self.add("together", f"«{words[at].text} {words[at + 1].text}»")
            return
        for i, w in enumerate(words):
            after = words[i + 1].text if i + 1 < len(words) else ""
            if w.text in lex.TOGETHER_WORDS and after not in ("с", "со"):
                self.add("together", f"«{w.text}»")
                return

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
                if noun and noun.plural and not _one_unit_noun(noun):
                    self.add("sale_plural", f"«{w.text} {noun.text}»")
        stock = find_bigram(words, (("в", "наличие"),))
        if stock is not None:
            self.add("in_stock", "«в наличии»")
        last = find_bigram(words, lex.LAST_ONE_PHRASES)
        if last is not None:
            self.add("last_one", f"«{words[last].text} {words[last + 1].text}» — продаётся одна штука")

    def _variants(self, words: list[Word], raw: str) -> None:
        """Several sizes, colours or models on offer: «размеры 40–44», «в разных цветах»."""
        wide = next((m for m in SIZE_RANGE.finditer(raw) if wide_size_range(*_range_of(m))), None)
        if wide is not None or "размерный ряд" in raw:
            shown = wide[0].strip() if wide is not None else "размерный ряд"
            self.add("variants", f"товар есть в нескольких вариантах: «{shown}»")
        variants = lemmas_of(lex.VARIANT_NOUNS)
        modifiers = lemmas_of(lex.VARIANT_MODIFIERS)
        for i, w in enumerate(words):
            if not w.lemmas & variants or not w.plural or w.singular:
                continue
            before = words[i - 1] if i else None
            if before is not None and before.lemmas & modifiers:
                self.add("variants", f"товар есть в нескольких вариантах: «{before.text} {w.text}»")
            elif "размер" in w.lemmas and not DIMENSIONS.search(raw) and any(
                x.pos == "NUMB" or any(d in x.text for d in "-–—") for x in words[i + 1 : i + 4]
            ):
                self.add("variants", f"товар есть в нескольких вариантах: «{w.text}»")

    def _enumeration(self, words: list[Word], title: bool = False) -> None:
        """Different goods listed: «куртка, шапка и варежки». In the title, which names what is sold,
        any nouns in the nominative count («Коляска и автокресло», «Для кошки: лоток, миски, переноска»);
        in the description only known goods do."""
        composite = self.composite
        items = _items()
        not_goods = lemmas_of(lex.PRICE_NOUNS + lex.VARIANT_NOUNS + ("наличие",))
        kit = self._kit()
        skip = lemmas_of(lex.COUNT_UNITS) | {"пар", "пары"} | kit
        run: list[Word] = []
        link: str | None = None  # the link seen since the last item: None, "," or a word
        words_linked = False  # a link other than a comma joins the run somewhere
        for i, w in enumerate(words):
            goods = w.lemmas & items or (
                title and w.pos == "NOUN" and not w.lemmas & not_goods and {"nomn", "accs"} & cases(w.text)
            )
            governed = i > 0 and words[i - 1].text in PREPOSITIONS
            is_item = w.noun and goods and not w.lemmas & kit and not governed
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
                if self._enough(run, words_linked, composite, title):
                    return
                run, link, words_linked = [], None, False
        self._enough(run, words_linked, composite, title)

    def _kit(self) -> frozenset[str]:
        """Accessory nouns, which belong to the head item, unless the listing sells one of them."""
        kit = lemmas_of(lex.ACCESSORY_NOUNS)
        return frozenset() if self.head is not None and self.head.lemmas & kit else kit

    def _enough(self, run: list[Word], words_linked: bool, composite: bool, relaxed: bool = False) -> bool:
        """Two different items joined by "и"/"+", or three and more joined by anything. The parts of
        a composite head («костюм: пиджак и брюки») are not different items; the head next to another
        thing is («костюм и платье»)."""
        names = list(dict.fromkeys(w.lemma for w in run))
        with_head = self.head is not None and any(w.lemmas & self.head.lemmas for w in run)
        if composite and not with_head:
            return False
        if relaxed and not with_head and len(names) < 3:
            return False  # «Книга Война и мир»: two nouns next to the head are a name, not two goods
        if len(names) >= 3 or (len(names) == 2 and words_linked):
            self.add("enumeration", "перечислены разные вещи: " + ", ".join(w.text for w in run))
            return True
        return False

    def _listed_lines(self) -> None:
        """Lines of a list, each headed by a different item: «- куртка 110», «- штаны 116»."""
        items, kit = _items(), self._kit()
        heads: dict[str, str] = {}
        for segment in self.segments:
            if segment.role != MAIN or not segment.line:
                continue
            head = head_noun(segment.words)
            if head is not None and head.lemmas & items and not head.lemmas & kit:
                heads.setdefault(head.lemma, head.text)
        if len(heads) >= 2:
            self.add("enumeration", "перечислены разные вещи: " + ", ".join(heads.values()))

    def _item_prices(self) -> None:
        """Two or more things in the text, each with its own price: «чехол iphone 11 - 300р»."""
        priced: list[str] = []
        not_goods = lemmas_of(lex.PRICE_NOUNS)
        for segment in self.segments:
            if segment.role != MAIN or segment.title:
                continue
            for clause in segment.raw.split(","):
                for match in _prices(clause):
                    before = words_of(clause[: match.start()])
                    nouns = [w for w in before if w.noun and not w.lemmas & not_goods]
                    if nouns:
                        priced.append(f"{nouns[0].text} — {match[0].strip()}")
                        break
        if len(priced) >= 2:
            self.add("item_prices", "у нескольких вещей своя цена: " + "; ".join(priced[:3]))


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


def _size_range(attributes: dict[str, str]) -> str | None:
    """A size attribute holding a range of sizes on offer («Размер: 36-41»), as «key = value»."""
    for key, value in attributes.items():
        match = SIZE_VALUE.match(value)
        if "размер" in key.lower() and match and wide_size_range(int(match[1]), int(match[2])):
            return f"{key.strip()} = {value.strip()}"
    return None


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
    sizes = _size_range(attributes)
    if sizes:
        facts["variants"] = Fact("variants", f"товар есть в нескольких вариантах: {sizes}")
    if not (title.strip() or text.strip()):
        return list(facts.values()) or None
    for kind, fact in _Reader(title, text).read().items():
        facts.setdefault(kind, fact)
    return list(facts.values())
