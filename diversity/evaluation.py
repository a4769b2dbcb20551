"""Measure the diversity classifier on a labelled JSONL set (one listing a line).

A record: {"id", "split", "label": "<SINGLE>"|"<VARIATIVE>", "title", "text", "attributes"}; splits are
"dev"/"test" in our own set and "tune"/"test" in the real-style set. The title is passed to `classify`
as the attribute «Название», as a seller's form sends it.

`evaluate` scores one split through `classify` — the call the pipeline's diversity stage makes — and
reads one signal: the pooled score (the label the pipeline gives), the text rules alone, or ruCLIP
zero-shot alone. A record whose signal is unavailable (no photos, no model) is counted apart.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.listing import SINGLE, VARIATIVE
from diversity.calibration import Bin, brier, expected_calibration_error, fit_platt, reliability
from diversity.classifier import Diversity, DiversityConfig, classify, text_log_odds
from diversity.rules import text_facts

if TYPE_CHECKING:
    from ruclip_port import PhotoEmbeddings

LABELS = (SINGLE, VARIATIVE)
POOLED = "score"  # the pooled diversity score, which sets the label


@dataclass
class Evaluation:
    """Outcomes of one split: `confusion[true][predicted]`, each scored record, what was unavailable."""

    split: str
    signal: str = POOLED
    confusion: dict[str, dict[str, int]] = field(
        default_factory=lambda: {t: dict.fromkeys(LABELS, 0) for t in LABELS}
    )
    scored: list[tuple[dict, float]] = field(default_factory=list)
    errors: list[tuple[dict, Diversity]] = field(default_factory=list)
    unavailable: dict[str, int] = field(default_factory=dict)  # reason → records

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

    def reliability(self, bins: int = 5) -> list[Bin]:
        """The scores binned against the share of listings labelled "many" in each bin."""
        return reliability(*self._scores_and_labels(), bins)

    @property
    def brier(self) -> float:
        return brier(*self._scores_and_labels())

    def _scores_and_labels(self) -> tuple[list[float], list[bool]]:
        return [s for _, s in self.scored], [r["label"] == VARIATIVE for r, _ in self.scored]


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


def in_split(records: list[dict], split: str) -> list[dict]:
    """The records of one split ("all" is every record)."""
    return [r for r in records if split == "all" or r.get("split") == split]


def stratified_split(
    records: list[dict], seed: int, test_share: float, strata: tuple[str, ...]
) -> dict[str, str]:
    """id → "tune" or "test": within each stratum (records alike in the `strata` fields), ids sorted,
    shuffled with a seed of their own, and the first round(share · n) sealed as "test"."""
    groups: defaultdict[tuple, list[str]] = defaultdict(list)
    for record in records:
        groups[tuple(record.get(k) for k in strata)].append(str(record["id"]))
    split: dict[str, str] = {}
    for key, ids in sorted(groups.items(), key=lambda item: str(item[0])):
        ids.sort()
        random.Random(f"{seed}/{'/'.join(map(str, key))}").shuffle(ids)
        sealed = round(test_share * len(ids))
        split.update({i: "test" if n < sealed else "tune" for n, i in enumerate(ids)})
    return split


def evaluate(
    records: list[dict],
    split: str = "test",
    config: DiversityConfig | None = None,
    signal: str = POOLED,
    embeddings: Callable[[dict], PhotoEmbeddings | None] | None = None,
) -> Evaluation:
    """Classify one split's records and count the outcomes of one signal against the config's threshold.

    `embeddings` gives a record's photo embeddings (as the pipeline builds them); without it the
    listings are classified by their text, as a listing without photos is."""
    config = config or DiversityConfig()
    result = Evaluation(split, signal)
    for record in in_split(records, split):
        diversity = classify(*listing_inputs(record), embeddings(record) if embeddings else None, config)
        score = diversity.score if signal == POOLED else diversity.signals.get(signal)
        if score is None:
            reason = diversity.unavailable.get(signal, "нет сигнала")
            result.unavailable[reason] = result.unavailable.get(reason, 0) + 1
            continue
        predicted = VARIATIVE if score > config.threshold else SINGLE
        result.confusion[record["label"]][predicted] += 1
        result.scored.append((record, score))
        if predicted != record["label"]:
            result.errors.append((record, diversity))
    return result


def calibrate(records: list[dict], split: str, config: DiversityConfig | None = None) -> tuple[float, float]:
    """Platt (scale, shift) of the text log-odds fitted on one split."""
    config = config or DiversityConfig()
    chosen = in_split(records, split)
    log_odds = [text_log_odds(text_facts(*listing_inputs(r)) or [], config) for r in chosen]
    return fit_platt(log_odds, [r["label"] == VARIATIVE for r in chosen])


def format_reliability(evaluation: Evaluation, bins: int = 5) -> list[str]:
    """The reliability table as text lines."""
    table = evaluation.reliability(bins)
    lines = [f"надёжность оценки ({bins} корзин): Brier {evaluation.brier:.3f}, "
             f"ECE {expected_calibration_error(table):.3f}"]
    lines.append(f"{'оценка':<13}{'n':>6}{'средняя':>10}{'доля «много»':>15}")
    for b in table:
        mean = f"{b.mean_score:.3f}" if b.count else "—"
        share = f"{b.share_many:.3f}" if b.count else "—"
        lines.append(f"{f'{b.low:.1f}–{b.high:.1f}':<13}{b.count:>6}{mean:>10}{share:>15}")
    return lines


def format_report(evaluation: Evaluation, show_errors: bool = False) -> str:
    """Accuracy, per-class precision/recall/F1, the confusion matrix and the reliability table as text."""
    head = f"== {evaluation.split}: {evaluation.total} объявлений"
    lines = [f"{head}, точность (accuracy) {evaluation.accuracy:.3f}"]
    for reason, count in evaluation.unavailable.items():
        lines.append(f"без оценки ({reason}): {count}")
    lines.append(f"{'класс':<13}{'precision':>10}{'recall':>10}{'F1':>10}{'n':>6}")
    for label in LABELS:
        p, r = evaluation.precision(label), evaluation.recall(label)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        lines.append(f"{label:<13}{p:>10.3f}{r:>10.3f}{f1:>10.3f}{sum(evaluation.confusion[label].values()):>6}")
    lines.append("матрица ошибок (строки — разметка, столбцы — ответ):")
    lines.append(" " * 13 + "".join(f"{label:>13}" for label in LABELS))
    for label in LABELS:
        lines.append(f"{label:<13}" + "".join(f"{evaluation.confusion[label][p]:>13}" for p in LABELS))
    lines += format_reliability(evaluation)
    if show_errors:
        for record, diversity in evaluation.errors:
            lines.append(
                f"  [{record['id']}] {record['label']} → {diversity.label} ({diversity.score:.2f}) "
                f"{record.get('title', '')!r}: {'; '.join(diversity.decided_by)}"
            )
    return "\n".join(lines)
