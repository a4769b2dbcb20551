"""Russian agreement helpers on top of pymorphy3: noun phrases in any case and number, and adjectives
agreeing with a noun ("новый" + куртка → "новая").

Words pymorphy3 does not know (brands, Latin, masking tokens like `<SIZE>`) pass through unchanged,
so a phrase never breaks on an unfamiliar word; it just stays in the seller's form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pymorphy3.analyzer import Parse

from core.morphology import morph

_WORD_RE = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")
_ADJECTIVE_POS = {"ADJF", "PRTF"}
_GENDERS = ("masc", "femn", "neut")
# Collective nouns pymorphy3 does not mark Sgtm: "детская обувь" must not become "детские обуви".
COLLECTIVE = frozenset({
    "обувь", "одежда", "мебель", "посуда", "техника", "бельё", "косметика", "электроника", "литература",
    "канцелярия", "парфюмерия", "бижутерия", "галантерея", "утварь", "текстиль", "трикотаж",
})
_PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})


@lru_cache(maxsize=4096)
def parses(word: str) -> tuple[Parse, ...]:
    return tuple(morph().parse(word))


def _noun_parse(word: str) -> Parse | None:
    """The word read as a noun in the nominative (plural-only nouns and inanimates preferred)."""
    best: Parse | None = None
    best_key: tuple[float, ...] = ()
    for p in parses(word.lower()):
        if p.tag.POS != "NOUN" or p.tag.case != "nomn" or "Geox" in p.tag or "Name" in p.tag:
            continue
        key = ("Pltm" in p.tag, p.tag.animacy == "inan", p.score)
        if best is None or key > best_key:
            best, best_key = p, key
    return best


def _adjective_parse(word: str) -> Parse | None:
    """The word read as a full adjective or participle in the nominative."""
    for p in parses(word.lower()):
        if p.tag.POS in _ADJECTIVE_POS and p.tag.case == "nomn":
            return p
    return None


def is_adjective(word: str) -> bool:
    """Whether pymorphy3 reads the word as an adjective (e.g. a colour name)."""
    return _adjective_parse(word) is not None


@dataclass(frozen=True)
class Head:
    """The grammatical head of a phrase: its gender and whether it is plural-only."""

    gender: str | None
    plural_only: bool
    singular_only: bool
    plural: bool
    animate: bool


def head_grammar(noun: Parse) -> Head:
    """The grammar of a head noun as parsed (its number is the number it was written in)."""
    tag = noun.tag
    return Head(
        gender=tag.gender if tag.gender in _GENDERS else None,
        plural_only="Pltm" in tag,
        singular_only="Sgtm" in tag or noun.normal_form in COLLECTIVE,
        plural=tag.number == "plur",
        animate=tag.animacy == "anim",
    )


@dataclass(frozen=True)
class NounPhrase:
    """A phrase like "зимняя куртка с капюшоном" split into words, with its head noun found."""

    words: tuple[str, ...]
    head_index: int | None
    head: Head | None

    @property
    def ok(self) -> bool:
        """Whether a head noun was found, so the phrase can be inflected."""
        return self.head is not None


def _case_word(source: str, result: str) -> str:
    """Carry the capitalisation of `source` over to an inflected `result`."""
    if source.isupper() and len(source) > 1:
        return result.upper()
    if source[:1].isupper():
        return result[:1].upper() + result[1:]
    return result


def parse_phrase(text: str) -> NounPhrase:
    """Find the head noun: the first noun in the nominative, preceded only by adjectives."""
    words = tuple(text.split())
    for i, word in enumerate(words):
        if not _WORD_RE.fullmatch(word):
            break
        noun = _noun_parse(word)
        adjective = _adjective_parse(word)
        if noun is not None and (adjective is None or parses(word)[0].tag.POS == "NOUN"):
            return NounPhrase(words, i, head_grammar(noun))
        if adjective is None:
            break
    return NounPhrase(words, None, None)


def _inflect_word(parse: Parse, grammemes: set[str]) -> str | None:
    form = parse.inflect(grammemes)
    return form.word if form is not None else None


def _number(head: Head, plural: bool | None) -> bool:
    """Whether to use the plural: plural-only and singular-only nouns decide for themselves."""
    if head.plural_only or head.singular_only:
        return head.plural_only
    return head.plural if plural is None else plural


def inflect_phrase(text: str, case: str = "nomn", plural: bool | None = None) -> str:
    """Put a noun phrase into `case` (and singular/plural); words after the head stay as they are.

    `plural=None` keeps the phrase's own number; plural-only nouns (брюки, ножницы) are always plural.
    Returns the text unchanged when no head noun is found.
    """
    phrase = parse_phrase(text)
    if not phrase.ok or phrase.head_index is None or phrase.head is None:
        return text
    head = phrase.head
    want_plural = _number(head, plural)
    number = "plur" if want_plural else "sing"
    out = list(phrase.words)
    head_word = phrase.words[phrase.head_index]
    noun = _noun_parse(head_word)
    if noun is None:
        return text
    noun_form = _inflect_word(noun, {number, case})
    if noun_form is None:
        return text
    out[phrase.head_index] = _case_word(head_word, noun_form)
    for i in range(phrase.head_index):
        out[i] = agree_adjective(phrase.words[i], head, case, want_plural)
    for i in range(phrase.head_index + 1, len(phrase.words)):  # "куртка зимняя женская"
        if not _agrees_with(phrase.words[i], noun):
            break
        out[i] = agree_adjective(phrase.words[i], head, case, want_plural)
    return " ".join(out)


def _agrees_with(word: str, noun: Parse) -> bool:
    """Whether `word` is an adjective in the nominative agreeing with the noun as written."""
    if not _WORD_RE.fullmatch(word):
        return False
    return any(
        p.tag.POS in _ADJECTIVE_POS
        and p.tag.case == "nomn"
        and p.tag.number == noun.tag.number
        and (p.tag.number == "plur" or p.tag.gender == noun.tag.gender)
        for p in parses(word.lower())
    )


def agree_adjective(adjective: str, head: Head, case: str = "nomn", plural: bool | None = None) -> str:
    """An adjective in the form that agrees with `head` ("новый" + куртка → "новая")."""
    parse = _adjective_parse(adjective)
    if parse is None:
        return adjective
    want_plural = _number(head, plural)
    grammemes = {case}
    if want_plural:
        grammemes.add("plur")
    else:
        grammemes |= {"sing", head.gender or "masc"}
    if case == "accs" and (want_plural or head.gender == "masc"):
        grammemes.add("anim" if head.animate else "inan")
    form = _inflect_word(parse, grammemes)
    return _case_word(adjective, form) if form else adjective


def adjective_lemma(word: str) -> str | None:
    """The dictionary form of a one-word adjective ("новая" → "новый"), or None."""
    parse = _adjective_parse(word)
    return parse.normal_form if parse is not None else None


def head_of(text: str) -> Head | None:
    """The head noun's grammar of a phrase, or None when there is no recognisable noun."""
    return parse_phrase(text).head


def lower_first(text: str) -> str:
    """Lower-case a leading Cyrillic capital unless the first word is a name or an abbreviation."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if not first or not ("А" <= first[0] <= "Я" or first[0] == "Ё") or (len(first) > 1 and first.isupper()):
        return text
    readings = parses(first)
    if _WORD_RE.fullmatch(first) and readings and _PROPER & readings[0].tag.grammemes:
        return text
    return text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    """Capitalise the first character (sentence start)."""
    return text[:1].upper() + text[1:]
