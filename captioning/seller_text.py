"""The seller's free text as sentences of clauses, each clause with the facts (lemmas) it states.

Lines are sentences; within a line, sentences end where razdel says, and also at a full stop before a
lower-case word that ends a whole word ("на утренник. пышная юбка"). Clauses are split at commas,
semicolons, colons and dashes outside brackets, and keep the separator that stood before them, so a
sentence rebuilt from its clauses reads as the seller wrote it — only tidied: no bullets or emoji in
front, a space after a full stop, no shouting (an upper-case dictionary word is written in lower case;
abbreviations like «ГБО» and names in Latin stay as they are).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from razdel import sentenize

from captioning.repeats import content_lemmas, digits
from captioning.russian import parses, upper_first
from core.morphology import morph
from masking.tokens import TOKEN

_SEPARATOR = re.compile(r"\s*[,;]\s+|\s*:\s+|\s+[—–-]\s+|\s*[,;](?=\S)")
_END = re.compile(r"[\s.!?…:]+$")
# A full stop with no space after it: "огорода.много", "1,6 м.Прихожая" (not "т.к.", "г.в.").
_GLUED_STOP = re.compile(
    r"(?:(?<=[^\W\d_]{3})|(?<=\d{2})|(?<=>))\.(?=[а-яё]{2})|(?<=[^\W\d_])\.(?=[А-ЯЁ][а-яё]{2})"
)
# A sentence end before a lower-case word, which razdel does not split at: "на утренник. пышная юбка".
_STOP_BEFORE_LOWER = re.compile(r"(\S+?)([.!?…]+)\s+(?=[а-яё])")
_ABBREVIATIONS = frozenset({
    "руб", "мес", "тыс", "млн", "млрд", "шт", "кв", "ул", "стр", "пр", "см", "мм", "кг", "гр", "эт", "тел",
    "прим", "напр", "пос", "обл", "г", "т", "р", "л", "м", "д", "к", "ч", "с", "в", "п",
})  # fmt: skip
_UPPER = re.compile(r"\b[А-ЯЁ]+\b")
_BULLET = re.compile(r"^[^\w<(«\"]+")



@dataclass
class Clause:
    """A piece of a sentence between separators; `sep` is what stood before it ("" for the first)."""

    text: str
    sep: str
    lemmas: frozenset[str]


@dataclass
class Sentence:
    """A seller's sentence: its clauses and its closing mark."""

    clauses: list[Clause] = field(default_factory=list)
    end: str = "."

    def render(self) -> str:
        """The sentence from the clauses it still has, capitalised, with its closing mark."""
        parts = [c.sep + c.text if i else c.text for i, c in enumerate(self.clauses)]
        return upper_first("".join(parts)) + self.end if parts else ""

    @property
    def lemmas(self) -> frozenset[str]:
        """Everything the sentence states."""
        return frozenset().union(*(c.lemmas for c in self.clauses))


def _ending(tail: str) -> str:
    for mark in ("?", "!", "…"):
        if mark in tail or (mark == "…" and "..." in tail):
            return mark
    return "."


def _clauses(body: str, values: Mapping[str, str]) -> list[Clause]:
    """Split at separators outside brackets."""
    clauses: list[Clause] = []
    depth, start, sep = 0, 0, ""
    pos = 0
    while pos < len(body):
        char = body[pos]
        depth += (char in "([«") - (char in ")]»")
        match = _SEPARATOR.match(body, pos) if depth == 0 else None
        if match and match.end() < len(body) and pos > start:
            clauses.append(Clause(body[start:pos], sep, content_lemmas(body[start:pos], values)))
            sep = (
                match.group().strip() + " "
                if match.group().strip() in ",;:"
                else f" {match.group().strip()} "
            )
            start = pos = match.end()
            continue
        pos += 1
    if body[start:].strip():
        clauses.append(Clause(body[start:], sep, content_lemmas(body[start:], values)))
    return clauses


def _ends_sentence(value: str, following: str) -> bool:
    """Whether a token whose value ends with a full stop ("2 месяца.", "100 см.") ends its sentence
    before a lower-case word: after a whole word, or before a verb ("100 см. носила")."""
    word = following.split(maxsplit=1)[0].strip(",.") if following.strip() else ""
    if not value.endswith(".") or not word[:1].islower():
        return False
    last = re.findall(r"[^\W\d_]+", value)
    whole_word = bool(last) and last[-1].lower() not in _ABBREVIATIONS
    return whole_word or parses(word)[0].tag.POS == "VERB"


def _unshout(line: str) -> str:
    """A shouted line (mostly capitals) in lower case, keeping words the dictionary does not know
    (abbreviations like «ГБО», «КПБ»); in other lines, only known upper-case words of 4+ letters."""
    letters = [ch for ch in line if ch.isalpha()]
    shouted = len(letters) > 8 and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)

    def lower(match: re.Match[str]) -> str:
        word = match.group()
        if not (shouted or len(word) >= 4) or not morph().word_is_known(word.lower()):
            return word
        return word.lower()

    return _UPPER.sub(lower, line)


_SYMBOLS = ("So", "Sk", "Mn", "Me")  # emoji, their modifiers and variation selectors


def _without_trailing_symbols(line: str) -> str:
    """The line without emoji and other symbols at its end ("в профиле🔸"); punctuation stays."""
    end = len(line)
    while end and (unicodedata.category(line[end - 1]) in _SYMBOLS or line[end - 1] in " \u200d"):
        end -= 1
    return line[:end]


def _lines(text: str) -> list[str]:
    """The seller's lines, tidied, with a bulleted list after a colon joined into its line."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = _GLUED_STOP.sub(". ", _unshout(" ".join(raw.split())))
        bare = _without_trailing_symbols(_BULLET.sub("", line))
        if not bare:
            continue
        if lines and lines[-1].endswith((":", ",")) and bare != line:  # a bulleted list after a colon
            lines[-1] += " " + bare.rstrip(".;,") + ","
            continue
        lines.append(bare)
    return [line.rstrip(",") for line in lines]


def _pieces(line: str, values: Mapping[str, str]) -> list[str]:
    """A line cut where a sentence ends before a lower-case word, which razdel does not cut."""
    cuts = [
        m.end()
        for m in TOKEN.finditer(line)
        if _ends_sentence(values.get(m.group(), ""), line[m.end() + 1 :])
    ]
    for match in _STOP_BEFORE_LOWER.finditer(line):
        word = match.group(1)
        whole = TOKEN.fullmatch(word) or (
            len(re.sub(r"\W", "", word)) >= 3 and word.strip("(«").lower() not in _ABBREVIATIONS
        )
        if whole or len(match.group(2)) > 1:
            cuts.append(match.end(2))
    cuts = sorted(set(cuts))
    return [
        line[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(line)], strict=True) if line[a:b].strip()
    ]


def read_sentences(text: str, values: Mapping[str, str]) -> list[Sentence]:
    """The seller's text as sentences (empty ones dropped)."""
    sentences = []
    pieces = (p for line in _lines(text) for part in _pieces(line, values) for p in sentenize(part))
    for piece in pieces:
        body = _BULLET.sub("", piece.text.strip())
        tail = _END.search(body)
        end = _ending(tail.group()) if tail else "."
        body = body[: tail.start()] if tail else body
        if body.strip(" .,;:-—"):
            sentences.append(Sentence(_clauses(body, values), end))
    return sentences


def says_number(text: str, wanted: str, values: Mapping[str, str]) -> bool:
    """Whether `text` holds a token whose value has the digits `wanted`."""
    return bool(wanted) and any(digits(values.get(t.group(), "")) == wanted for t in TOKEN.finditer(text))
