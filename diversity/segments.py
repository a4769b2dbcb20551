"""A listing cut into segments (the title, sentences, listed lines), each with its role.

- `main`: says what is sold; every rule reads it.
- `accessory`: a «в комплекте / идут / прилагается / в подарок» clause: things that come with the head
  item, which do not make the listing several items.
- `noise`: a sentence advertising the seller's other listings («заходите в наш профиль, там больше
  товаров», «весь ассортимент — по ссылке»): it says nothing about this listing and is not read.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import diversity.lexicon as lex
from diversity.words import Word, cases, lemmas_of, normalise, words_of

SENTENCE_SPLIT = re.compile(r"[!?;\n]+|\.(?!\d)")
BULLET = re.compile(r"^\s*(?:[-–—•*·▪►✓✔✅☑➖➕]|\d{1,2}[).])\s*")
MAIN, ACCESSORY, NOISE = "main", "accessory", "noise"


@dataclass
class Segment:
    """One sentence or listed line: its lower-case text, words and role."""

    raw: str
    words: list[Word]
    role: str = MAIN
    title: bool = False
    line: bool = False  # a whole line of a description written as a list (a list mark or several lines)
    marker: str | None = None  # the phrase that made it an accessory or noise segment


@cache
def _pair_set(pairs: tuple[tuple[str, str], ...]) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
    """A lexicon's word pairs and their first words, "ё" as "е", built once per list."""
    wanted = frozenset((a.replace("ё", "е"), b.replace("ё", "е")) for a, b in pairs)
    return wanted, frozenset(a for a, _ in wanted)


def find_bigram(words: Sequence[Word], pairs: tuple[tuple[str, str], ...]) -> int | None:
    """Index of the first word pair (by text or lemma) of `pairs`, or None."""
    wanted, firsts = _pair_set(pairs)
    for i, (left, right) in enumerate(itertools.pairwise(words)):
        if left.text not in firsts and not left.lemmas & firsts:
            continue
        for a in left.lemmas | {left.text}:
            for b in right.lemmas | {right.text}:
                if (a, b) in wanted:
                    return i
    return None


def _has(words: Sequence[Word], lemmas: frozenset[str]) -> Word | None:
    return next((w for w in words if w.lemmas & lemmas or w.text in lemmas), None)


def accessory_start(words: Sequence[Word]) -> int | None:
    """Where a clause about the head item's accessories starts («в комплекте», «прилагается»), if any."""
    found = [i for i in (find_bigram(words, lex.ACCESSORY_PHRASES),) if i is not None]
    found += [i for i, w in enumerate(words) if w.lemmas & lemmas_of(lex.ACCESSORY_LEMMAS)]
    texts = {w.text for w in words}
    for i, w in enumerate(words):  # «к телефону идут наушники», «контроллеры идут с ними»
        with_to = bool(texts & {"к", "ко"})
        with_with = w.lemma == "идти" and bool(texts & {"с", "со"})
        if w.lemma in lex.ATTACH_VERBS and (with_to or with_with):
            found.append(i)
    sale = lemmas_of(lex.SALE_VERBS)
    seller = next((i for i, w in enumerate(words) if w.lemmas & sale), None)
    if seller is not None:  # «отдаём с защитой (шлем, наколенники)»: what comes «с» the item sold
        found += [
            i for i in range(seller + 1, len(words) - 1)
            if words[i].text in ("с", "со") and "ablt" in cases(words[i + 1].text)
        ]
    return min(found) if found else None


def is_noise(words: Sequence[Word]) -> str | None:
    """The words that make a sentence an advert for the seller's other listings, if it is one."""
    place = _has(words, lemmas_of(lex.NOISE_PLACES))
    goods = _has(words, lemmas_of(lex.NOISE_GOODS))
    verb = _has(words, lemmas_of(lex.NOISE_VERBS))
    other = _has(words, lemmas_of(lex.NOISE_OTHER))
    if place and (verb or other):
        return f"{(verb or other).text} … {place.text}"
    if goods and verb:
        return f"{verb.text} … {goods.text}"
    return None


def _split_accessory(words: list[Word]) -> tuple[list[Word], list[Word], str]:
    """(main part, accessory part, the marker) of one sentence.

    The clause from the marker on is the accessory part when a sale verb comes before the marker
    («продаю приставку, в комплекте 2 геймпада»); otherwise the whole sentence is
    («чехол и зарядка идут в комплекте», «к кукле прилагается одежда»)."""
    start = accessory_start(words)
    if start is None:
        return words, [], ""
    marker = " ".join(w.text for w in words[start : start + 2])
    sale = lemmas_of(lex.SALE_VERBS)
    if any(w.lemmas & sale for w in words[:start]):
        return words[:start], words[start:], marker
    return [], words, marker


def _pieces(title: str, text: str) -> list[tuple[str, bool, bool]]:
    """(piece, is the title, is a whole list line) for the title and each sentence of the text."""
    pieces = [(title, True, False)] if title.strip() else []
    lines = [line for line in text.splitlines() if line.strip()]
    listed = len(lines) >= 3
    for line in lines:
        sentences = [s for s in SENTENCE_SPLIT.split(line) if s.strip()]
        header = line.rstrip().endswith(":")
        whole = bool(BULLET.match(line)) or (listed and len(sentences) == 1 and not header)
        pieces += [(s, False, whole) for s in sentences]
    return pieces


def segments(title: str, text: str) -> list[Segment]:
    """The title (as the first segment) and every sentence or line of the description, with roles."""
    found: list[Segment] = []
    for piece, title_piece, line in _pieces(title, text):
        bullet = BULLET.match(piece)
        body = normalise(piece[bullet.end():] if bullet else piece)
        words = words_of(body)
        noise = None if title_piece else is_noise(words)
        if noise:
            found.append(Segment(body, words, NOISE, title_piece, line, noise))
            continue
        main, accessory, marker = _split_accessory(words)
        if main or not accessory:
            found.append(Segment(body, main, MAIN, title_piece, line))
        if accessory:
            found.append(Segment(body, accessory, ACCESSORY, title_piece, line, marker))
    return found
