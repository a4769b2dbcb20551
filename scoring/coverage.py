"""Attribute coverage: which of the seller's attribute values the generated text states.

A value counts as stated when every content word of it occurs in the text as the same word or
another grammatical form of it (pymorphy3 lemmas: «красный» ↔ «красное», «платье» ↔ «платья»),
and every number in it occurs as a number. Yes/no values («да», «есть») are stated when the text
names the attribute itself («Гарантия: да» ↔ «с гарантией»).
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.morphology import morph

_WORD = re.compile(r"\d+(?:[.,]\d+)+|\w+(?:[-‐–]\w+)*")
_HYPHEN = re.compile(r"[-‐–]")
_FUNCTION_WORDS = frozenset(
    {"и", "или", "а", "но", "в", "во", "на", "с", "со", "из", "из-за", "для", "по", "при", "от", "до"}
    | {"без", "о", "об", "у", "к", "ко", "за", "под", "над", "не", "же", "ли"}
)
_YES_NO = frozenset({"да", "нет", "есть", "имеется", "yes", "no", "+", "-"})


@lru_cache(maxsize=65536)
def _lemmas(word: str) -> frozenset[str]:
    """Every dictionary form the word may have, plus the word itself (lower case, ё → е)."""
    word = word.lower().replace("ё", "е")
    if not any(ch.isalpha() for ch in word):
        return frozenset({word.replace(",", ".")})
    forms = {p.normal_form.replace("ё", "е") for p in morph().parse(word)}
    return frozenset({word, *forms})


def _words(text: str) -> list[str]:
    """Words and numbers of a text; hyphenated words also yield their parts («42-44» → 42, 44)."""
    words = []
    for match in _WORD.finditer(text):
        token = match.group()
        words.append(token)
        parts = _HYPHEN.split(token)
        if len(parts) > 1:
            words.extend(p for p in parts if p)
    return words


def _text_lemmas(text: str) -> set[str]:
    return {lemma for word in _words(text) for lemma in _lemmas(word)}


def _content_words(value: str) -> list[str]:
    return [w for w in _WORD.findall(value) if w.lower() not in _FUNCTION_WORDS]


def is_stated(key: str, value: str, text_lemmas: set[str]) -> bool:
    """Whether a text with these lemmas states the attribute `key: value`."""
    stripped = value.strip().lower()
    words = _content_words(key if stripped in _YES_NO else value)
    return bool(words) and all(_lemmas(w) & text_lemmas for w in words)


def coverage(generated: str, attributes: dict[str, str]) -> dict:
    """`{"covered": [keys], "missing": [keys], "fraction": covered share}`; fraction is None with no
    attributes (nothing to cover)."""
    text_lemmas = _text_lemmas(generated)
    covered = [k for k, v in attributes.items() if is_stated(k, v, text_lemmas)]
    missing = [k for k in attributes if k not in covered]
    fraction = len(covered) / len(attributes) if attributes else None
    return {"covered": covered, "missing": missing, "fraction": fraction}
