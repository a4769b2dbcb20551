"""Calibration of the diversity score: Platt scaling of the text log-odds and a reliability table.

The rules add up evidence in log-odds (`DiversityConfig.text_bias` + the facts' weights); two numbers,
fitted on a labelled tuning set (`fit_platt`), turn that sum into a probability that a listing sells
several items: `sigmoid(scale · log-odds + shift)`. `reliability` bins scores and compares each bin's
mean score with the share of listings in it that really sell several items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bin:
    """One reliability bin: scores in [low, high), how many, their mean, and the share labelled "many"."""

    low: float
    high: float
    count: int
    mean_score: float
    share_many: float


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), without overflow for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _log_loss(scale: float, shift: float, pairs: Sequence[tuple[float, float]]) -> float:
    """Cross-entropy of sigmoid(scale · x + shift) against the (smoothed) targets."""
    total = 0.0
    for x, target in pairs:
        z = scale * x + shift
        log_one_plus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))  # log(1 + e^z), stable
        total += log_one_plus - target * z
    return total


def fit_platt(log_odds: Sequence[float], many: Sequence[bool], iterations: int = 100) -> tuple[float, float]:
    """(scale, shift) minimising the log-loss of sigmoid(scale · x + shift): Newton steps, each halved
    until the loss goes down.

    As in Platt (1999), the targets are smoothed to (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2), so a set the
    rules separate perfectly still gets a finite scale."""
    positives = sum(many)
    high, low = (positives + 1) / (positives + 2), 1 / (len(many) - positives + 2)
    pairs = [(x, high if y else low) for x, y in zip(log_odds, many, strict=True)]
    scale, shift, ridge = 0.0, 0.0, 1e-9
    loss = _log_loss(scale, shift, pairs)
    for _ in range(iterations):
        g_scale = g_shift = h_ss = h_sb = h_bb = 0.0
        for x, target in pairs:
            p = sigmoid(scale * x + shift)
            residual, weight = p - target, p * (1.0 - p)
            g_scale += residual * x
            g_shift += residual
            h_ss += weight * x * x
            h_sb += weight * x
            h_bb += weight
        det = (h_ss + ridge) * (h_bb + ridge) - h_sb * h_sb
        step_scale = ((h_bb + ridge) * g_scale - h_sb * g_shift) / det
        step_shift = ((h_ss + ridge) * g_shift - h_sb * g_scale) / det
        step = 1.0
        while step > 1e-6:
            trial = _log_loss(scale - step * step_scale, shift - step * step_shift, pairs)
            if trial <= loss:
                break
            step /= 2
        scale, shift, previous, loss = scale - step * step_scale, shift - step * step_shift, loss, trial
        if previous - loss < 1e-12:
            break
    return scale, shift


def reliability(scores: Sequence[float], many: Sequence[bool], bins: int = 5) -> list[Bin]:
    """Equal-width bins over [0, 1]; the last bin includes 1.0."""
    table = []
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        last = i == bins - 1
        inside = [(s, y) for s, y in zip(scores, many, strict=True) if low <= s < high or (last and s == 1.0)]
        count = len(inside)
        mean = sum(s for s, _ in inside) / count if count else 0.0
        share = sum(y for _, y in inside) / count if count else 0.0
        table.append(Bin(low, high, count, mean, share))
    return table


def expected_calibration_error(table: Sequence[Bin]) -> float:
    """Mean |mean score − share labelled "many"| over the bins, weighted by their counts."""
    total = sum(b.count for b in table)
    return sum(b.count * abs(b.mean_score - b.share_many) for b in table) / total if total else 0.0


def brier(scores: Sequence[float], many: Sequence[bool]) -> float:
    """Mean squared difference between the score and the label (1 = many)."""
    if not scores:
        return 0.0
    return sum((s - float(y)) ** 2 for s, y in zip(scores, many, strict=True)) / len(scores)
