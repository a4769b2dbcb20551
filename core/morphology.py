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
    # trousers and shoes that the dictionary lacks or knows only as plurals of something else
    "кюлоты", "джоггеры", "чиносы", "слаксы", "бриджи", "треники", "шаровары", "легинсы", "кроксы",
    "сникерсы", "дутики", "луноходы", "ботфорты", "эспадрильи", "вьетнамки", "шлёпки", "сандали",
    "наколенник", "налокотник", "щиток", "щипцы", "пуанты", "качели", "ходунки", "подтяжки", "ползунки",
    "колготы", "гамаши", "стринги", "бигуди", "жалюзи",
)  # fmt: skip


@lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    """The shared Russian morphological analyser, created lazily."""
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=1)
def paired_lemmas() -> frozenset[str]:
    """Every pymorphy3 lemma of every paired noun ("ё" as "е"), with the listed words themselves: a word
    the dictionary lacks («кюлоты») gets a guessed lemma («кюлот»), and both are matched."""
    found: set[str] = set()
    for word in PAIRED_NOUNS:
        word = word.replace("ё", "е")
        nouns = [p for p in morph().parse(word) if p.tag.POS == "NOUN"]
        found |= {p.normal_form.replace("ё", "е") for p in nouns} | {word}
    return frozenset(found)
