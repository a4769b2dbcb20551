"""Field words by lemma: "цены", "ценой", "стоимостью" all name a price.

One pymorphy3 MorphAnalyzer, created on first use and reused; lemmas are cached per word, and a
word whose first letters start no field word is never sent to the analyzer at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from core.morphology import morph
from masking.fields import FIELD_WORDS

PREFIX = 3  # letters compared before asking pymorphy3


@lru_cache(maxsize=1)
def _field_index() -> tuple[dict[str, str], frozenset[str]]:
    """lemma → token type (the first type in table order wins), and the lemmas' first letters."""
    index: dict[str, str] = {}
    for kind, words in FIELD_WORDS.items():
        for word in words:
            index.setdefault(word.replace("ё", "е"), kind)
    return index, frozenset(word[:PREFIX] for word in index)


@lru_cache(maxsize=65536)
def field_type(word: str) -> str | None:
    """The token type a single word names ("ценой" → "PRICE"), or None."""
    word = word.lower().replace("ё", "е")
    index, prefixes = _field_index()
    if word in index:
        return index[word]
    if word[:PREFIX] not in prefixes:
        return None
    for parse in morph().parse(word)[:2]:
        lemma = parse.normal_form.replace("ё", "е")
        if lemma in index:
            return index[lemma]
    return None


def name_type(words: Iterable[str]) -> str | None:
    """The token type of an attribute name: its words' types, the earliest in table order winning."""
    found = {t for t in map(field_type, words) if t is not None}
    return next((kind for kind in FIELD_WORDS if kind in found), None)
