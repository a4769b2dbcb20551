"""The rubric a listing description must pass to be published as it is (issue 18).

Written apart from the composer on purpose (its own sentence split, lemmas and number reading), so a
bug in the composer's de-duplication cannot hide itself. A description fails when it has:
- a sentence about the listing itself or closing boilerplate the seller did not write;
- a sentence that repeats another one (its content lemmas all said by one other sentence);
- a first sentence without the most specific item noun the seller gave;
- a seller's number missing, or a number the seller did not give;
- a colour the seller did not name (unless the photo-fact rule allowed it);
- more than 1.2× the length of what the seller gave ("Поле: значение" lines plus the text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from razdel import sentenize, tokenize

from core.listing import seller_input
from core.morphology import morph

LENGTH_RATIO = 1.2
BOILERPLATE = (
    r"\bв объявлении\b", r"\b(одн[аоу]|две|два|три|четыре|пять|шесть|семь|восемь|девять|десять) фото",
    r"\bпишите в (сообщени|личк)", r"\bзадавайте вопросы", r"\bподробност\w* уточняйте",
    r"\bесли остались вопросы", r"\bспасибо за внимание", r"\bобращайтесь\b", r"\bзвоните\b",
    r"\bжд[уё] ваших", r"\bуспейте\b", r"\bне пропустите\b", r"\bотличный выбор\b", r"\bпо фото\b",
    r"\bцвет по фото\b",
)  # fmt: skip
# Stems of colour words (basic names and common shades), matched at the start of a lemma.
COLOUR_STEMS = (
    "черн", "бел", "сер", "бежев", "коричнев", "красн", "розов", "оранжев", "желт", "зелен", "голуб", "син",
    "фиолет", "разноцвет", "бордов", "бордо", "хаки", "бирюз", "салатов", "золот", "серебр", "сиренев",
    "лилов", "малинов", "кремов", "молочн", "пурпур", "алый",
)  # fmt: skip
_SKIP_POS = {"PREP", "CONJ", "PRCL", "NPRO", "INTJ"}
_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3}(?!\d))*(?:[.,]\d+)?")


def _lemmas(text: str) -> set[str]:
    found = set()
    for token in tokenize(re.sub(r"\bб/у\b", "бу", text, flags=re.IGNORECASE)):
        word = token.text.lower()
        if word.isdigit():
            found.add(word)
            continue
        if not any(ch.isalpha() for ch in word):
            continue
        parse = morph().parse(word)[0]
        if parse.tag.POS not in _SKIP_POS or word == "не":
            found.add(parse.normal_form.replace("ё", "е"))
    return found


def _sentences(text: str) -> list[str]:
    return [s.text for s in sentenize(text) if s.text.strip()]


def _numbers(text: str) -> set[str]:
    return {re.sub(r"\s", "", n) for n in _NUMBER.findall(text)}


def boilerplate(text: str, given: str) -> list[str]:
    """Meta or boilerplate phrases in the text that the seller did not write."""
    return [
        p for p in BOILERPLATE if re.search(p, text, re.IGNORECASE) and not re.search(p, given, re.IGNORECASE)
    ]


def repeated_sentences(text: str) -> list[tuple[str, str]]:
    """Pairs (sentence, the earlier or later one that already says all of it)."""
    sentences = _sentences(text)
    sets = [_lemmas(s) for s in sentences]
    found = []
    for i, a in enumerate(sets):
        for j, b in enumerate(sets):
            if i != j and a and a <= b and (len(a) < len(b) or i > j):
                found.append((sentences[i], sentences[j]))
    return found


def names_item_first(text: str, noun: str) -> bool:
    """Whether the first sentence holds every word of the item noun (phrase), in any form."""
    first = _sentences(text)[0] if text.strip() else ""
    return _lemmas(noun) <= _lemmas(first)


def missing_numbers(text: str, attributes: dict[str, str], seller_text: str) -> set[str]:
    """The seller's numbers that the description lost."""
    given = _numbers(" | ".join([*attributes.values(), seller_text]))
    return given - _numbers(text)


def foreign_numbers(text: str, attributes: dict[str, str], seller_text: str) -> set[str]:
    """Numbers in the description the seller never gave (digits of given numbers count as given)."""
    given = " | ".join([*attributes.values(), seller_text])
    return {n for n in _numbers(text) if n not in _numbers(given) and n not in given}


def _colours(words: Iterable[str]) -> set[str]:
    return {stem for word in words for stem in COLOUR_STEMS if word.replace("ё", "е").startswith(stem)}


def foreign_colours(text: str, given: str, allowed: Iterable[str] = ()) -> set[str]:
    """Colour stems in the description that are not in what the seller gave nor allowed."""
    return _colours(_lemmas(text)) - _colours(_lemmas(given)) - _colours(allowed)


def failures(
    text: str,
    attributes: dict[str, str],
    seller_text: str,
    specific_noun: str | None,
    allowed_colours: Iterable[str] = (),
) -> list[str]:
    """Every rule the description breaks, in words (empty: it passes)."""
    given = seller_input(attributes, seller_text)
    problems = [f"шаблонная фраза: {p}" for p in boilerplate(text, given)]
    problems += [f"повтор: «{a}» уже сказано в «{b}»" for a, b in repeated_sentences(text)]
    if specific_noun and not names_item_first(text, specific_noun):
        problems.append(f"первое предложение не называет «{specific_noun}»")
    problems += [f"потеряно число {n}" for n in sorted(missing_numbers(text, attributes, seller_text))]
    problems += [f"чужое число {n}" for n in sorted(foreign_numbers(text, attributes, seller_text))]
    problems += [f"цвет не от продавца: {c}" for c in sorted(foreign_colours(text, given, allowed_colours))]
    if len(text) > LENGTH_RATIO * len(given):
        problems.append(f"длина {len(text)} > {LENGTH_RATIO} × {len(given)}")
    return problems
