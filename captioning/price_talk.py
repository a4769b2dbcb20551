"""What the seller says about the price goes last, merged with the price field: «Цена за все — 6000 ₽,
торг уместен.» A sentence of the seller's that names the price itself replaces the field's sentence."""

from __future__ import annotations

from dataclasses import dataclass, field

from captioning.attribute_phrases import Phrase
from captioning.draft import Draft, sentence
from captioning.repeats import lemma
from captioning.seller_text import Clause, Sentence, says_number
from masking.tokens import TOKEN

_PRICE_WORDS = frozenset({"цена", "стоимость"})
_BARGAIN_WORDS = frozenset({"торг", "торговаться", "обмен"})
_PREPOSITIONS = frozenset({"за", "от", "до", "при", "без", "с", "на"})


@dataclass
class PriceTalk:
    """What the seller says about the price: whole sentences naming it, a qualifier of the word «цена»
    («за все») and notes («торг уместен», «окончательная»)."""

    sentences: list[Sentence] = field(default_factory=list)
    qualifier: str = ""
    notes: list[str] = field(default_factory=list)

    def take(self, clause: Clause) -> bool:
        """Keep a clause about the price here (True) or leave it where it is (False)."""
        words = clause.text.split()
        if clause.lemmas & _BARGAIN_WORDS:
            self.notes.append(clause.text[:1].lower() + clause.text[1:])
            return True
        if len(words) < 2 or lemma(words[0]) not in _PRICE_WORDS or TOKEN.search(clause.text):
            return False
        if words[1] in _PREPOSITIONS and not self.qualifier:
            self.qualifier = " ".join(words[1:])
        else:
            self.notes.append(" ".join(words[1:]))
        return True

    def sentences_last(self, draft: Draft, price: Phrase | None) -> list[str]:
        """The last sentences: the seller's own about the price, then the price field with the seller's
        qualifier and notes."""
        out = draft.kept(self.sentences)
        if price is not None:
            label = f"Цена {self.qualifier}" if self.qualifier else draft.pick("price", ["Цена", "Стоимость"])
            dash = " — " if self.qualifier else draft.pick("dash", [" — ", ": "])
            out.append(sentence(", ".join([f"{label}{dash}{price.text}", *self.notes])))
        elif self.qualifier or self.notes:
            out.append(sentence(", ".join([f"цена {self.qualifier}"] * bool(self.qualifier) + self.notes)))
        return out


def price_talk(
    draft: Draft, sentences: list[Sentence], source: Sentence | None, price_digits: str
) -> tuple[list[Sentence], Sentence | None, PriceTalk]:
    """Take what the seller says about the price out of their sentences: sentences naming the price, and
    clauses qualifying it or about bargaining (the clause that names the item stays where it is)."""
    talk = PriceTalk()
    left = []
    for one in sentences:
        if says_number(one.render(), price_digits, draft.masked.values):
            talk.sentences.append(one)
            continue
        kept = [c for c in one.clauses if not talk.take(c)]
        if kept:
            left.append(Sentence([Clause(kept[0].text, "", kept[0].lemmas), *kept[1:]], one.end))
    if source is not None:
        source = Sentence(
            source.clauses[:1] + [c for c in source.clauses[1:] if not talk.take(c)], source.end
        )
    return left, source, talk
