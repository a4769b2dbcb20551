"""Neural toxicity of a text, scored per sentence; the worst sentence decides.

Two models, picked by the LISTING_TOXICITY_MODEL setting in `BACKENDS` (the one place that maps it):
- `rubert-tiny-toxicity` (default), a multilabel BERT classifier, here:
  toxicity = 1 − p(non-toxic) · (1 − p(dangerous));
- `detoxify-multilingual`, Detoxify's XLM-RoBERTa through the `detoxify` package
  (moderation.text.toxicity_detoxify): toxicity = its highest label probability.
Both give the same verdicts and Russian reasons, each with its own thresholds (ModerationConfig).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.catalogue import (
    DETOXIFY_MODEL,
    TOXICITY_MODEL,
    download_command,
    is_present,
    missing_message,
    model_dir,
)
from core.models import FolderLoader, ModelStore
from core.placement import Placement
from core.settings import Settings
from moderation.config import ModerationConfig
from moderation.report import Check
from moderation.text.toxicity_detoxify import detoxify_scores, load_detoxify

CHECK_NAME = "toxicity"
LABELS = ("non-toxic", "insult", "obscenity", "threat", "dangerous")
Classifier = tuple[Any, Any]  # (tokenizer, sequence classification model)
Scores = list[tuple[float, dict[str, float]]]  # per sentence: (toxicity, probability of every label)


def load_classifier(folder: Path, placement: Placement) -> Classifier:
    """Tokenizer and sequence classifier from a local folder (through the model store: once per folder),
    placed as the store says (int8 Linear layers on the CPU with LISTING_QUANTIZE=int8)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True)
    missing = set(LABELS) - set(model.config.id2label.values())
    if missing:
        raise ValueError(f"the classifier lacks the labels {sorted(missing)}")
    return tokenizer, placement.prepare(model)


def label_probabilities(
    texts: Sequence[str], classifier: Classifier, config: ModerationConfig
) -> list[dict[str, float]]:
    """Sigmoid probability of every label, per text."""
    import torch

    tokenizer, model = classifier
    device = model.device
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    result: list[dict[str, float]] = []
    for start in range(0, len(texts), config.toxicity_batch_size):
        batch = list(texts[start : start + config.toxicity_batch_size])
        inputs = tokenizer(
            batch, padding=True, truncation=True, max_length=config.toxicity_max_tokens, return_tensors="pt"
        ).to(device)
        with torch.inference_mode():
            probs = torch.sigmoid(model(**inputs).logits).cpu()
        result += [{name: float(p) for name, p in zip(names, row, strict=True)} for row in probs]
    return result


def toxicity(probs: dict[str, float]) -> float:
    """1 − p(non-toxic) · (1 − p(dangerous))."""
    return 1.0 - probs["non-toxic"] * (1.0 - probs["dangerous"])


def rubert_scores(texts: Sequence[str], classifier: Classifier, config: ModerationConfig) -> Scores:
    """Per text: (toxicity, the probability of every label) with the rubert-tiny-toxicity classifier."""
    return [(toxicity(probs), probs) for probs in label_probabilities(texts, classifier, config)]


@dataclass(frozen=True)
class ToxicityBackend:
    """A neural toxicity model: how it loads from its folder, how it scores sentences, its thresholds."""

    load: FolderLoader[Any]
    score: Callable[[Sequence[str], Any, ModerationConfig], Scores]
    thresholds: Callable[[ModerationConfig], tuple[float, float]]  # (reject, warn)


BACKENDS: dict[str, ToxicityBackend] = {
    TOXICITY_MODEL: ToxicityBackend(
        load_classifier, rubert_scores, lambda config: (config.toxicity_reject, config.toxicity_warn)
    ),
    DETOXIFY_MODEL: ToxicityBackend(
        load_detoxify, detoxify_scores, lambda config: (config.detoxify_reject, config.detoxify_warn)
    ),
}


class ToxicityModelError(ValueError):
    """LISTING_TOXICITY_MODEL names no toxicity model; the message is Russian and says what is allowed."""


def toxicity_model(settings: Settings) -> str:
    """The catalogue name of the toxicity model the settings pick (LISTING_TOXICITY_MODEL)."""
    if settings.toxicity_model not in BACKENDS:
        allowed = ", ".join(BACKENDS)
        raise ToxicityModelError(f"LISTING_TOXICITY_MODEL={settings.toxicity_model}: допустимо {allowed}")
    return settings.toxicity_model


def sentences(text: str) -> list[str]:
    """The text's sentences (razdel), non-empty."""
    from razdel import sentenize

    return [s.text for s in sentenize(text) if s.text.strip()]


def check_toxicity(text: str, models: ModelStore, config: ModerationConfig) -> Check:
    """Toxicity of the worst sentence with the model the settings pick: reject or warn above its
    thresholds; unavailable without the model.

    A model folder that is there but broken raises ModelLoadError (from the store), naming the folder;
    an unknown LISTING_TOXICITY_MODEL raises ToxicityModelError.
    """
    name = toxicity_model(models.settings)
    backend = BACKENDS[name]
    if not is_present(name, models.settings):
        details = {"model": name, "download": download_command(name)}
        return Check(CHECK_NAME, "unavailable", None, missing_message(name), details)
    parts = sentences(text)
    if not parts:
        return Check(CHECK_NAME, "pass", None, "", {"model": name, "sentences": 0})
    model = models.load(model_dir(name, models.settings), backend.load, name)
    scored = backend.score(parts, model, config)
    worst = max(range(len(parts)), key=lambda i: scored[i][0])
    score = round(scored[worst][0], 4)
    reject, warn = backend.thresholds(config)
    details = {
        "model": name,
        "sentences": len(parts),
        "worst_sentence": parts[worst],
        "labels": {k: round(v, 4) for k, v in scored[worst][1].items()},
        "thresholds": {"reject": reject, "warn": warn},
    }
    if score >= reject:
        reason = f"Текст звучит грубо или оскорбительно (токсичность {score:.2f}): «{parts[worst]}»"
        return Check(CHECK_NAME, "reject", score, reason, details)
    if score >= warn:
        reason = f"Фрагмент текста может показаться грубым (токсичность {score:.2f}): «{parts[worst]}»"
        return Check(CHECK_NAME, "warn", score, reason, details)
    return Check(CHECK_NAME, "pass", score, "", details)
