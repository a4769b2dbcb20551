"""How well the offline text checks (мат + insults) separate real toxic from clean text.

- Toxic comments: a TSV with `text`, `label` (toxic/clean) and `split` columns (tests/data/toxicity_vk.tsv):
  recall on the toxic rows, share of clean rows rejected, for one split. Errors are shown for the
  tuning split only; the sealed split gives its figures and nothing else.
- Listings: a JSONL of listings (`title`, `attributes`, `text`): the share of listings the offline checks
  reject for anything but contacts (a listing that reaches this is clean), and how many hold something
  the contacts check takes for a contact (to be read: a real contact, or a false alarm).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from core.listing import seller_input
from moderation.text.contacts import find_contacts
from moderation.text.insults import find_insults
from moderation.text.lexicon import find_obscenities
from moderation.text.normalize import normalise_text

SEALED = "sealed"


def offline_words(text: str) -> list[str]:
    """The words the offline checks (мат, insults, threats) reject in a text, as written."""
    norm = normalise_text(text)
    spans = [*find_obscenities(norm), *((f.start, f.end) for f in find_insults(norm))]
    return [norm.quote(start, end) for start, end in spans]


@dataclass
class Figures:
    """Counts of one evaluation; `errors` holds (text, words found) of the mistakes, when asked for."""

    name: str
    positives: int = 0
    caught: int = 0
    negatives: int = 0
    rejected: int = 0
    with_contacts: list[tuple[str, list[str]]] = field(default_factory=list)
    errors: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        """Share of the toxic texts rejected."""
        return self.caught / self.positives if self.positives else None

    @property
    def false_positive_rate(self) -> float:
        """Share of the clean texts rejected."""
        return self.rejected / self.negatives if self.negatives else 0.0

    def add(self, text: str, toxic: bool, keep_errors: bool) -> None:
        """Count one text."""
        words = offline_words(text)
        if toxic:
            self.positives += 1
            self.caught += bool(words)
        else:
            self.negatives += 1
            self.rejected += bool(words)
        if keep_errors and bool(words) != toxic:
            self.errors.append((text, words))


def evaluate_comments(path: str | Path, split: str, errors: bool = False) -> Figures:
    """Recall and false positives on one split of a labelled comments TSV; no errors for the sealed split."""
    if errors and split == SEALED:
        raise ValueError("ошибки на запечатанной части не показываются: по ним нельзя настраивать словарь")
    figures = Figures(f"{Path(path).name}, часть {split}")
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["split"] == split:
                figures.add(row["text"], row["label"] == "toxic", errors)
    return figures


def evaluate_listings(path: str | Path, errors: bool = False) -> Figures:
    """The share of clean listings (JSONL: title, attributes, text) the offline checks reject."""
    figures = Figures(Path(path).name)
    with open(path, encoding="utf-8") as f:
        for line in filter(str.strip, f):
            record = json.loads(line)
            attributes = dict(record.get("attributes", {}))
            if record.get("title"):
                attributes = {"Название": record["title"], **attributes}
            text = seller_input(attributes, record.get("text", ""))
            figures.add(text, False, errors)
            contacts = find_contacts(text)
            if contacts:
                figures.with_contacts.append((text, [c.text for c in contacts]))
    return figures


def format_figures(figures: Figures) -> str:
    """A Russian report of one evaluation."""
    lines = [f"{figures.name}:"]
    if figures.positives:
        recall = f"{figures.recall:.1%} ({figures.caught} из {figures.positives})"
        lines.append(f"  полнота на токсичных: {recall}")
    if figures.negatives:
        rejected = f"{figures.false_positive_rate:.1%} ({figures.rejected} из {figures.negatives})"
        lines.append(f"  отклонено чистых: {rejected}")
    if figures.with_contacts:
        lines.append(f"  с контактами: {len(figures.with_contacts)}")
    for text, found in figures.with_contacts:
        lines.append(f"  ☎ {found}: {text[:200]}")
    for text, words in figures.errors:
        lines.append(f"  ✗ {words or 'пропущено'}: {text[:200]}")
    return "\n".join(lines)

