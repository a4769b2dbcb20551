"""What a piece of text says, as a set of content lemmas, so the template never says a thing twice.

Function words (prepositions, conjunctions, pronouns, particles) carry no fact and are left out; "не"
sticks to the word it negates ("не шатаются" → "не_шататься"), so a negated fact never reads as its
opposite; a masking token stands for its number's digits ("#900"), so "<PRICE>" = "900" and
"<PRICE_2>" = "900 рублей" are one fact; the verbs of selling say nothing a listing does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from core.morphology import morph
from masking.tokens import TOKEN, token_kind

_WORD = re.compile(rf"{TOKEN.pattern}|[^\W_]+(?:[-'’/][^\W_]+)*")
_FUNCTION_POS = frozenset({"PREP", "CONJ", "PRCL", "NPRO", "INTJ"})
# Words that state nothing on their own; "шт" is only the unit of a count.
_FUNCTION_WORDS = frozenset({
    "весь", "всё", "это", "который", "очень", "быть", "так", "также", "тоже", "ещё", "шт", "штука",
})  # fmt: skip
SALE_VERBS = frozenset({"продавать", "продать", "продаваться", "отдавать", "отдать", "предлагать"})


@lru_cache(maxsize=8192)
def lemma(word: str) -> str:
    """The dictionary form pymorphy3 gives first; words it cannot read (Latin, abbreviations) lower-cased."""
    return morph().parse(word.lower())[0].normal_form.replace("ё", "е")


@lru_cache(maxsize=8192)
def is_function_word(word: str) -> bool:
    """Prepositions, conjunctions, pronouns, particles and a few empty words."""
    parse = morph().parse(word.lower())[0]
    return parse.tag.POS in _FUNCTION_POS or parse.normal_form in _FUNCTION_WORDS


_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3}(?!\d))*(?:[.,]\d+)?")
_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
})  # fmt: skip


def digits(value: str) -> str:
    """The digits of a value, in order: "12 500 ₽" → "12500"."""
    return "".join(ch for ch in value if ch.isdigit())


def number_facts(token: str, value: str) -> set[str]:
    """The numbers a token's value states: "#12500", "#114,3"; a one-digit number keeps its unit, or
    the token's type ("#2:мес" for "2 месяца"), so "2 мес" is not "2 мальчика"."""
    facts = set()
    for match in _NUMBER.finditer(value):
        number = re.sub(r"\s", "", match.group())
        unit = re.match(r"\s*([^\W\d_]{1,3})", value[match.end() :])
        detail = unit.group(1).lower() if unit else token_kind(token)
        facts.add(f"#{number}" if len(number) > 1 else f"#{number}:{detail}")
    return facts or {token}


def name_key(word: str) -> str:
    """How a name is compared across scripts: «икеа» = "IKEA", «делонги» = "De'Longhi"."""
    latin = word.lower().translate(_LATIN)
    latin = re.sub(r"[^a-z0-9]", "", latin).replace("h", "")
    return re.sub(r"(.)\1+", r"\1", latin)


def content_lemmas(text: str, values: Mapping[str, str]) -> frozenset[str]:
    """The facts a text states: lemmas of its content words and the digits of its tokens."""
    found: set[str] = set()
    negated = False
    for match in _WORD.finditer(text):
        word = match.group()
        if TOKEN.fullmatch(word):
            found |= number_facts(word, values.get(word, ""))
            negated = False
            continue
        if word.lower() == "не":
            negated = True
            continue
        if is_function_word(word):
            continue
        base = lemma(word).replace("'", "").replace("’", "")
        if base in SALE_VERBS:
            continue
        found.add(f"не_{base}" if negated else base)
        negated = False
    return frozenset(found)


def repeats(lemmas: frozenset[str], said: set[str]) -> bool:
    """Whether a clause adds nothing to what was already said (an empty clause adds nothing either)."""
    return lemmas <= said
