"""Does a listing sell one item (`<SINGLE>`) or several (`<VARIATIVE>`)?

Three signals, each a probability that the listing sells several items:
- `text`: Russian rules on the seller's title, description and attributes (`diversity_rules`),
  weighed in log-odds by `DiversityConfig.text_weights`;
- `photos_zero_shot`: ruCLIP similarity of each photo to "many things" versus "one thing" prompts;
- `photo_spread`: how different the photos are from each other (one item from several sides looks
  alike; several items do not).
They are pooled as a weighted mean of log-odds over the signals that are available, so text alone,
photos alone or both give a score. `python -m diversity --evaluate FILE` measures the text
classifier on a labelled JSONL set (diversity.evaluation).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from core.catalogue import RUCLIP_MODEL, missing_message
from core.listing import SINGLE, VARIATIVE, DiversityLabel
from diversity.calibration import sigmoid
from diversity.rules import Fact, text_facts

if TYPE_CHECKING:
    from ruclip_port import PhotoEmbeddings

DEFAULT_LOGIT_SCALE = 100.0  # CLIP's trained temperature, for a model that does not report its own

DEFAULT_TEXT_WEIGHTS: dict[str, float] = {
    "quantity_many": 5.0,
    "quantity_one": -4.0,
    "vehicle": -6.0,
    "set_word": 3.0,
    "bundle_word": 3.0,
    "count_unit": 3.5,
    "count_head": 3.0,
    "count_item": 1.5,
    "count_one": -2.5,
    "pack": -2.5,
    "last_one": -3.0,
    "multiplier": 3.0,
    "unit_price": 3.5,
    "bundle_price": 2.5,
    "together": 3.0,
    "many_word": 1.2,
    "sale_plural": 1.5,
    "enumeration": 3.0,
    "item_prices": 3.0,
    "variants": 3.0,
    "in_stock": 1.0,
    "plural_head": 2.5,
    "collective_head": 2.0,
    "paired_head": -0.5,
    "singular_head": -1.0,
    "accessory": -0.5,
}


@dataclass(frozen=True)
class DiversityConfig:
    """Weights and thresholds of the diversity classifier."""

    text_bias: float = -1.5
    text_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TEXT_WEIGHTS))
    # Platt scaling of the text log-odds, fitted on the tuning part of the real-style set
    # (`python -m diversity --evaluate tests/data/diversity_real_style.jsonl --split tune --calibrate`).
    calibration_scale: float = 1.561
    calibration_shift: float = -0.383
    # Pooling weights of the three signals (log-odds space); normalised over the available ones.
    weight_text: float = 0.6
    weight_zero_shot: float = 0.25
    weight_spread: float = 0.15
    threshold: float = 0.5
    many_prompts: tuple[str, ...] = (
        "много разных предметов",
        "набор вещей",
        "несколько одинаковых предметов",
    )
    one_prompts: tuple[str, ...] = ("один предмет", "одна вещь", "фотография одного товара")
    # CLIP's similarity scale before the softmax over prompts; None takes the model's learned one.
    logit_scale: float | None = None
    # Mean photo↔photo cosine similarity of several views of one item, and of different items.
    spread_same_item: float = 0.9
    spread_different_items: float = 0.6
    # Probabilities are clipped to this margin before taking log-odds, so no signal is infinite.
    clip: float = 1e-4


@dataclass
class Diversity:
    """The classifier's answer: label, probability of "many", each signal and the reasons."""

    label: DiversityLabel
    score: float
    signals: dict[str, float | None]
    decided_by: list[str]
    unavailable: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable copy."""
        return asdict(self)


def _logit(p: float, clip: float) -> float:
    p = min(max(p, clip), 1.0 - clip)
    return math.log(p / (1.0 - p))


def text_log_odds(facts: list[Fact], config: DiversityConfig) -> float:
    """The rules' evidence for "many": the bias plus every fact's weight."""
    return config.text_bias + sum(config.text_weights.get(f.kind, 0.0) for f in facts)


def text_score(facts: list[Fact], config: DiversityConfig) -> float:
    """Calibrated probability of "many" from text facts (Platt scaling of the log-odds)."""
    return sigmoid(config.calibration_scale * text_log_odds(facts, config) + config.calibration_shift)


def zero_shot_score(embeddings: PhotoEmbeddings, config: DiversityConfig) -> float | None:
    """Mean over photos of the softmax probability mass on the "many things" prompts."""
    images = embeddings.images()
    prompts = embeddings.prompts([*config.many_prompts, *config.one_prompts])
    if images is None or prompts is None:
        return None
    scale = config.logit_scale or getattr(embeddings.model, "logit_scale", DEFAULT_LOGIT_SCALE)
    probs = (scale * images.float() @ prompts.float().T).softmax(dim=-1)
    return float(probs[:, : len(config.many_prompts)].sum(dim=-1).mean())


def spread_score(embeddings: PhotoEmbeddings, config: DiversityConfig) -> float | None:
    """How unlike each other the photos are, mapped to [0, 1]; None with fewer than two photos."""
    from ruclip_port.similarity import photo_photo_similarity  # torch is loaded once photos are embedded

    pairs = photo_photo_similarity(embeddings)
    if pairs is None:
        return None
    mean = pairs.mean
    span = config.spread_same_item - config.spread_different_items
    return min(max((config.spread_same_item - mean) / span, 0.0), 1.0)


def _photo_signals(
    embeddings: PhotoEmbeddings | None, config: DiversityConfig
) -> tuple[dict[str, float | None], dict[str, str]]:
    signals: dict[str, float | None] = {"photos_zero_shot": None, "photo_spread": None}
    if embeddings is None or embeddings.count == 0:
        return signals, {"photos_zero_shot": "нет фото", "photo_spread": "нет фото"}
    if not embeddings.available:
        message = missing_message(RUCLIP_MODEL)
        return signals, {"photos_zero_shot": message, "photo_spread": message}
    unavailable: dict[str, str] = {}
    signals["photos_zero_shot"] = zero_shot_score(embeddings, config)
    signals["photo_spread"] = spread_score(embeddings, config)
    if signals["photo_spread"] is None:
        unavailable["photo_spread"] = "одно фото — сравнивать не с чем"
    return signals, unavailable


def _photo_reasons(signals: dict[str, float | None], many: bool) -> list[str]:
    reasons = []
    zero_shot, spread = signals.get("photos_zero_shot"), signals.get("photo_spread")
    if zero_shot is not None and (zero_shot > 0.5) == many:
        kind = "несколько предметов" if many else "один предмет"
        reasons.append(f"фото похожи на {kind} (ruCLIP, {zero_shot:.2f})")
    if spread is not None and (spread > 0.5) == many:
        kind = "заметно различаются" if many else "похожи друг на друга"
        reasons.append(f"фото {kind} ({spread:.2f})")
    return reasons


def pool(signals: dict[str, float | None], config: DiversityConfig) -> float:
    """Weighted mean of the available signals' log-odds, back to a probability.

    With nothing available it is the calibrated text prior (no facts), which says "one item"."""
    weights = {"text": config.weight_text, "photos_zero_shot": config.weight_zero_shot,
               "photo_spread": config.weight_spread}
    used = {k: v for k, v in signals.items() if v is not None and weights.get(k, 0.0) > 0}
    if not used:
        return text_score([], config)
    total = sum(weights[k] for k in used)
    return sigmoid(sum(weights[k] * _logit(v, config.clip) for k, v in used.items()) / total)


def _text_reasons(facts: list[Fact], many: bool, config: DiversityConfig) -> list[str]:
    """Reasons of the facts that pull toward the chosen label, strongest first."""
    weighed = [(config.text_weights.get(f.kind, 0.0), f.reason) for f in facts]
    weighed.sort(key=lambda pair: -abs(pair[0]))
    return [reason for weight, reason in weighed if weight and (weight > 0) == many]


def classify(
    attributes: dict[str, str],
    text: str,
    embeddings: PhotoEmbeddings | None = None,
    config: DiversityConfig | None = None,
) -> Diversity:
    """Label a listing from the seller's raw attributes and text, and its photos when ruCLIP is loaded."""
    config = config or DiversityConfig()
    facts = text_facts(attributes, text)
    signals: dict[str, float | None] = {"text": text_score(facts, config) if facts is not None else None}
    photo_signals, unavailable = _photo_signals(embeddings, config)
    signals.update(photo_signals)
    if facts is None:
        unavailable["text"] = "нет ни текста, ни названия"
    # A text that gives no fact at all (a title «Продаю») says nothing: the photos decide, if any.
    score = pool({**signals, "text": None} if facts == [] else signals, config)
    many = score > config.threshold
    decided_by = _text_reasons(facts or [], many, config) + _photo_reasons(signals, many)
    if not decided_by:
        decided_by = ["совокупность слабых признаков"] if many else ["нет признаков нескольких товаров"]
    return Diversity(VARIATIVE if many else SINGLE, score, signals, decided_by, unavailable)
