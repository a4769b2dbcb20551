"""The seller's free text as sentences of clauses, each clause with the facts (lemmas) it states.

Clauses are split at commas, semicolons, colons and dashes outside brackets, and keep the separator
that stood before them, so a sentence rebuilt from all its clauses reads exactly as the seller wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from razdel import sentenize

from captioning.repeats import content_lemmas, digits
from captioning.russian import parses, upper_first
from masking.tokens import TOKEN

_SEPARATOR = re.compile(r"\s*[,;]\s+|\s*:\s+|\s+[—–-]\s+|\s*[,;](?=\S)")
_END = re.compile(r"[\s.!?…]+$")
# A full stop before a lower-case word, which razdel does not split at: "на утренник. пышная юбка".
# The word before the stop must be a whole word (4+ letters) or a token, not an abbreviation ("т.к.").
_WHOLE_WORD_STOP = re.compile(r"[А-Яа-яЁёA-Za-z]{4}\.$")
_LOWER_START = re.compile(r"(?:(?<=[А-Яа-яЁёA-Za-z]{4}[.!?…])|(?<=>[.!?…])|(?<=[!?…]{2}))\s+(?=[а-яё])")


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
    return bool(_WHOLE_WORD_STOP.search(value)) or parses(word)[0].tag.POS == "VERB"


def _pieces(text: str, values: Mapping[str, str]) -> list[str]:
    """The text cut where a sentence ends before a lower-case word, which razdel does not cut."""
    text = " ".join(text.split())
    cuts = [
        m.end()
        for m in TOKEN.finditer(text)
        if _ends_sentence(values.get(m.group(), ""), text[m.end() + 1 :])
    ]
    parts = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return [piece for part in parts for piece in _LOWER_START.split(part)]


def read_sentences(text: str, values: Mapping[str, str]) -> list[Sentence]:
    """The seller's text as sentences (empty ones dropped)."""
    sentences = []
    pieces = (p for part in _pieces(text, values) for p in sentenize(part))
    for piece in pieces:
        body = piece.text.strip()
        tail = _END.search(body)
        end = _ending(tail.group()) if tail else "."
        body = body[: tail.start()] if tail else body
        if body.strip(" .,;:-—"):
            sentences.append(Sentence(_clauses(body, values), end))
    return sentences


def says_number(text: str, wanted: str, values: Mapping[str, str]) -> bool:
    """Whether `text` holds a token whose value has the digits `wanted`."""
    return bool(wanted) and any(digits(values.get(t.group(), "")) == wanted for t in TOKEN.finditer(text))
