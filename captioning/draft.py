"""The composer's working state: the listing, what has been said so far, the notes for the seller, and
the hash that picks phrasings, so two listings of one kind do not read alike but one listing always
reads the same."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from captioning.listing_facts import ListingFacts
from captioning.repeats import content_lemmas
from captioning.russian import upper_first
from captioning.seller_text import Clause, Sentence
from masking.types import MaskedListing


def listing_seed(masked: MaskedListing, diversity: str) -> str:
    """A hash of the listing: the same listing always gets the same phrasing."""
    payload = json.dumps([sorted(masked.attributes.items()), masked.text, diversity], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def sentence(text: str) -> str:
    """A capitalised sentence with its full stop."""
    text = upper_first(text.strip())
    return text if text.endswith((".", "!", "?", "…")) else text + "."


@dataclass
class Draft:
    """What the composer knows and has said so far, and what it tells the seller."""

    masked: MaskedListing
    seed: str
    facts: ListingFacts
    verbs: bool = True  # may a verb of selling be added before the item («Продаю …»)
    said: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    def pick(self, role: str, options: Sequence[str]) -> str:
        """One of `options`, chosen reproducibly by the listing's hash and the sentence role."""
        digest = hashlib.sha256(f"{self.seed}|{role}".encode()).digest()
        return options[int.from_bytes(digest[:4], "big") % len(options)]

    def lemmas(self, text: str) -> frozenset[str]:
        """The facts a piece of this listing's text states."""
        return content_lemmas(text, self.masked.values)

    def say(self, text: str) -> str:
        """Record a piece of text as said; returns it."""
        self.said |= self.lemmas(text)
        return text

    def unsaid(self, clauses: Sequence[Clause]) -> list[Clause]:
        """The clauses that add something to what was said; each kept one is said from then on."""
        kept = []
        for clause in clauses:
            if clause.lemmas and clause.lemmas <= self.said:
                continue
            self.said |= clause.lemmas
            kept.append(clause)
        return kept

    def kept(self, sentences: Sequence[Sentence]) -> list[str]:
        """The sentences without the clauses that repeat what was said, or that a later sentence says
        in full («Срочно!» … «Продам срочно в связи с переездом»); emptied sentences dropped."""
        out = []
        for index, one in enumerate(sentences):
            if one.lemmas and any(one.lemmas <= later.lemmas for later in sentences[index + 1 :]):
                continue
            kept = self.unsaid(one.clauses)
            if kept:
                kept[0] = Clause(kept[0].text, "", kept[0].lemmas)
                out.append(Sentence(kept, one.end).render())
        return out
