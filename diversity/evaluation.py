"""Measure the diversity classifier on a labelled JSONL set (one listing a line).

A record: {"id", "split": "dev"|"test", "label": "<SINGLE>"|"<VARIATIVE>", "title", "text",
"attributes"}. The title is passed to `classify` as the attribute «Название», as a seller's form sends it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from core.listing import SINGLE, VARIATIVE
from diversity.classifier import Diversity, DiversityConfig, classify

LABELS = (SINGLE, VARIATIVE)


@dataclass
class Evaluation:
    """Counts and metrics of one split: `confusion[true][predicted]`."""

    split: str
    confusion: dict[str, dict[str, int]]
    errors: list[tuple[dict, Diversity]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.confusion.values())

    @property
    def accuracy(self) -> float:
        return sum(self.confusion[c][c] for c in LABELS) / self.total if self.total else 0.0

    def precision(self, label: str) -> float:
        predicted = sum(self.confusion[t][label] for t in LABELS)
        return self.confusion[label][label] / predicted if predicted else 0.0

    def recall(self, label: str) -> float:
        actual = sum(self.confusion[label].values())
        return self.confusion[label][label] / actual if actual else 0.0


def load_records(path: str | Path) -> list[dict]:
    """Every record of a JSONL file."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def listing_inputs(record: dict) -> tuple[dict[str, str], str]:
    """The (attributes, text) a seller's form would send for this record."""
    attributes = dict(record.get("attributes", {}))
    if record.get("title"):
        attributes = {"Название": record["title"], **attributes}
    return attributes, record.get("text", "")


def evaluate(records: list[dict], split: str = "test", config: DiversityConfig | None = None) -> Evaluation:
    """Classify one split's records by text only and count the outcomes."""
    confusion = {t: dict.fromkeys(LABELS, 0) for t in LABELS}
    result = Evaluation(split, confusion)
    for record in records:
        if split != "all" and record["split"] != split:
            continue
        diversity = classify(*listing_inputs(record), config=config)
        confusion[record["label"]][diversity.label] += 1
        if diversity.label != record["label"]:
            result.errors.append((record, diversity))
    return result


def format_report(evaluation: Evaluation, show_errors: bool = False) -> str:
    """Accuracy, per-class precision/recall/F1 and the confusion matrix as text."""
    head = f"== {evaluation.split}: {evaluation.total} объявлений"
    lines = [f"{head}, точность (accuracy) {evaluation.accuracy:.3f}"]
    lines.append(f"{'класс':<13}{'precision':>10}{'recall':>10}{'F1':>10}{'n':>6}")
    for label in LABELS:
        p, r = evaluation.precision(label), evaluation.recall(label)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        lines.append(f"{label:<13}{p:>10.3f}{r:>10.3f}{f1:>10.3f}{sum(evaluation.confusion[label].values()):>6}")
    lines.append("матрица ошибок (строки — разметка, столбцы — ответ):")
    lines.append(" " * 13 + "".join(f"{label:>13}" for label in LABELS))
    for label in LABELS:
        lines.append(f"{label:<13}" + "".join(f"{evaluation.confusion[label][p]:>13}" for p in LABELS))
    if show_errors:
        for record, diversity in evaluation.errors:
            lines.append(
                f"  [{record['id']}] {record['label']} → {diversity.label} ({diversity.score:.2f}) "
                f"{record.get('title', '')!r}: {'; '.join(diversity.decided_by)}"
            )
    return "\n".join(lines)
