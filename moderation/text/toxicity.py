"""Neural toxicity of a text with a rubert-tiny-toxicity style multilabel BERT classifier.

toxicity = 1 − p(non-toxic) · (1 − p(dangerous)), scored per sentence; the worst sentence decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.catalogue import TOXICITY_MODEL, download_command, is_present, missing_message, model_dir
from core.models import ModelStore
from moderation.config import ModerationConfig
from moderation.report import Check

CHECK_NAME = "toxicity"
LABELS = ("non-toxic", "insult", "obscenity", "threat", "dangerous")
Classifier = tuple[Any, Any]  # (tokenizer, sequence classification model)


def load_classifier(folder: Path, device: str) -> Classifier:
    """Tokenizer and sequence classifier from a local folder (through the model store: once per folder)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True)
    missing = set(LABELS) - set(model.config.id2label.values())
    if missing:
        raise ValueError(f"the classifier lacks the labels {sorted(missing)}")
    return tokenizer, model.to(device).eval()


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


def sentences(text: str) -> list[str]:
    """The text's sentences (razdel), non-empty."""
    from razdel import sentenize

    return [s.text for s in sentenize(text) if s.text.strip()]


def check_toxicity(text: str, models: ModelStore, config: ModerationConfig) -> Check:
    """Toxicity of the worst sentence: reject or warn above the thresholds; unavailable without the model.

    A model folder that is there but broken raises ModelLoadError (from the store), naming the folder.
    """
    if not is_present(TOXICITY_MODEL, models.settings):
        details = {"download": download_command(TOXICITY_MODEL)}
        return Check(CHECK_NAME, "unavailable", None, missing_message(TOXICITY_MODEL), details)
    parts = sentences(text)
    if not parts:
        return Check(CHECK_NAME, "pass", None, "", {"sentences": 0})
    classifier = models.load(model_dir(TOXICITY_MODEL, models.settings), load_classifier, TOXICITY_MODEL)
    probs = label_probabilities(parts, classifier, config)
    scores = [toxicity(p) for p in probs]
    worst = max(range(len(parts)), key=scores.__getitem__)
    score = round(scores[worst], 4)
    details = {
        "sentences": len(parts),
        "worst_sentence": parts[worst],
        "labels": {k: round(v, 4) for k, v in probs[worst].items()},
        "thresholds": {"reject": config.toxicity_reject, "warn": config.toxicity_warn},
    }
    if score >= config.toxicity_reject:
        reason = f"Текст звучит грубо или оскорбительно (токсичность {score:.2f}): «{parts[worst]}»"
        return Check(CHECK_NAME, "reject", score, reason, details)
    if score >= config.toxicity_warn:
        reason = f"Фрагмент текста может показаться грубым (токсичность {score:.2f}): «{parts[worst]}»"
        return Check(CHECK_NAME, "warn", score, reason, details)
    return Check(CHECK_NAME, "pass", score, "", details)
