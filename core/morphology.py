"""Russian word knowledge every stage shares: the one pymorphy3 analyser (its dictionaries load once,
on first use) and the nouns that name one item although they are plural."""

from __future__ import annotations

from functools import lru_cache

import pymorphy3

# Paired items and plural-only words sold as one unit, in dictionary form: "туфли", "лыжи", "колготки"
# are one pair or one item. The template names such an item in the plural; diversity counts it as one.
PAIRED_NOUNS: tuple[str, ...] = (
    "туфля", "кроссовка", "кроссовок", "ботинок", "сапог", "сапожок", "кед", "кеда", "валенок",
    "тапочек", "тапочка", "тапок", "тапка", "сандалия", "босоножка", "лофер", "мокасин", "ботильон",
    "сланец", "шлёпанец", "чешка", "бутса", "угги", "слипон", "сникер", "сабо", "балетка", "перчатка",
    "варежка", "рукавица", "носок", "гетра", "серьга", "серёжка", "запонка", "наушник", "конёк", "лыжа",
    "ласта", "штора", "гардина", "колготки", "леггинсы", "лосины", "бахила", "беруши", "палка",
)  # fmt: skip


@lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    """The shared Russian morphological analyser, created lazily."""
    return pymorphy3.MorphAnalyzer()
