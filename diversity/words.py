"""Words of a listing: glued numbers split, razdel tokens, pymorphy3 analyses (cached per token).

Sellers glue numbers to words: «5шт», «44-46р», «3местный», «р-р». Before tokenising, a number glued
to a unit or noun is split off («5 шт»), a number glued to an adjective stays one compound adjective
(«3-местный диван» is one sofa, not three), and «р-р» is read as «размер».
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import razdel

import diversity.lexicon as lex
from core.morphology import morph

# «р-р», «р-ра», «р.» after a number: the size, written short.
SIZE_SHORT = re.compile(r"(?<![^\W\d_])р-р[а-я]*")
# A preposition glued to its noun in set phrases: «вкомплекте», «вналичии», «вподарок».
GLUED_PREPOSITION = re.compile(r"\bв(комплект[а-я]*|наличи[а-я]*|подар[а-я]*)")
# «50х70», «90 x 200»: dimensions, kept as one token so the «х» is not read as a word or a multiplier.
DIMENSION = re.compile(r"(\d)(?:[xх×*]|\s+[xх×*]\s+)(?=\d)")
DIGITS_LETTERS = re.compile(r"(\d+)(-?)([^\W\d_]{2,})")
LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])([^\W\d_])(\d)")  # «iphone11»; a lone «x4» stays
DIGIT_LETTER = re.compile(r"(\d)([^\W\d_])")
NUMBER_LIST = re.compile(r"\d+[,.]|\d+(?:,\d+){2,}")  # «36,» or «36,37,38», not the decimal «2,5»


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
    pltm: bool  # plural-only in the dictionary («брюки», «санки», «очки»)
    known: bool  # in the dictionary (not guessed from its ending)
    number: int | None = None


@lru_cache(maxsize=100_000)
def analyze(token: str) -> Word:
    """Lemmas, part of speech and number of one lower-case token."""
    if token.isdigit():
        return Word(token, frozenset(), token, "NUMB", False, False, False, False, True, number=int(token))
    if not any(c.isalpha() for c in token):  # punctuation and numbers like "2,5": no dictionary look-up
        return Word(token, frozenset(), token, "PNCT", False, False, False, False, True)
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
        known=top.is_known,
        number=number,
    )


@cache
def lemmas_of(words: tuple[str, ...]) -> frozenset[str]:
    """Every lemma of every word in a lexicon list (the words themselves included)."""
    found: set[str] = set()
    for word in words:
        word = word.lower().replace("ё", "е")
        found |= analyze(word).lemmas | {word}
    return frozenset(found)


def _unglue(match: re.Match[str]) -> str:
    """«3местный» → «3-местный» (a compound adjective); «5шт», «44р» → «5 шт», «44 р»."""
    digits, hyphen, letters = match[1], match[2], match[3]
    if hyphen and len(letters) <= 3:  # a case ending: «10-ти», «2-ух»
        return match[0]
    if analyze(letters).pos in ("ADJF", "ADJS"):
        return f"{digits}-{letters}"
    return f"{digits} {letters}"


def normalise(segment: str) -> str:
    """Lower case, «ё» as «е», «р-р» as «размер», numbers unglued from the words they touch."""
    segment = SIZE_SHORT.sub("размер", segment.lower().replace("ё", "е"))
    segment = DIMENSION.sub(r"\1×", segment)
    segment = GLUED_PREPOSITION.sub(r"в \1", segment)
    segment = DIGITS_LETTERS.sub(_unglue, segment)
    segment = LETTER_DIGIT.sub(r"\1 \2", segment)
    return DIGIT_LETTER.sub(r"\1 \2", segment)


def _pieces(token: str) -> list[str]:
    """razdel keeps «36,» and «36,37,38» whole; such number lists are cut into numbers and commas."""
    if NUMBER_LIST.fullmatch(token):
        return [p for p in re.split(r"([,.])", token) if p]
    return [token]


def words_of(normalised: str) -> list[Word]:
    """razdel tokens of a normalised sentence, analysed."""
    return [analyze(p) for t in razdel.tokenize(normalised) for p in _pieces(t.text)]


def tokenize(segment: str) -> list[Word]:
    """The words of one raw sentence."""
    return words_of(normalise(segment))


@lru_cache(maxsize=20_000)
def cases(token: str) -> frozenset[str]:
    """Every grammatical case a token can be in."""
    return frozenset(p.tag.case for p in morph().parse(token) if p.tag.case)


@lru_cache(maxsize=20_000)
def counted_form(token: str) -> bool:
    """Whether a noun form can follow a number other than one: a genitive or a plural of its main
    lemma («2 пары», «5 пар», «двух цветах»), not a nominative singular («40 пара», «46 размер»)."""
    parses = [p for p in morph().parse(token) if p.tag.POS == "NOUN"]
    main = [p for p in parses if p.normal_form == parses[0].normal_form] if parses else []
    return any(p.tag.case == "gent" or p.tag.number == "plur" or "Fixd" in p.tag for p in main)
