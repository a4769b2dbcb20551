"""Neural toxicity with Detoxify's multilingual model (XLM-RoBERTa), through the `detoxify` package.

The model folder (`core.catalogue.DETOXIFY_MODEL`) holds the checkpoint Detoxify publishes and, in a
subfolder named after the checkpoint's `model_type` (`xlm-roberta-base`), that transformer's config and
tokenizer as the hub has them. detoxify 0.5.4 always looks that `model_type` up by name to build the
model's config with the checkpoint's label count; its `huggingface_config_path` does not avoid the lookup
(and its config, used without that label count, gives a classifier of the wrong size). transformers
resolves a name to a local folder of that name first, so the package loads with the model folder as the
working directory: Detoxify's own loading code, local files only, no network.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.catalogue import DETOXIFY_CHECKPOINT
from core.placement import Placement
from moderation.config import ModerationConfig

Detector = Any  # detoxify.Detoxify: .model (XLMRobertaForSequenceClassification), .tokenizer, .predict
_WORKING_DIRECTORY = threading.Lock()  # the working directory belongs to the process: one load at a time


def load_detoxify(folder: Path, placement: Placement) -> Detector:
    """Detoxify's multilingual model from a local folder (through the model store: once per folder),
    placed as the store says (int8 Linear layers on the CPU with LISTING_QUANTIZE=int8)."""
    from detoxify import Detoxify

    checkpoint = str(folder / DETOXIFY_CHECKPOINT.name)
    with _WORKING_DIRECTORY, contextlib.chdir(folder):
        detector = Detoxify("multilingual", checkpoint=checkpoint, device=placement.device)
    detector.model = placement.prepare(detector.model)
    # predict() truncates to the tokenizer's limit, which the hub's tokenizer.json alone leaves unset;
    # RoBERTa positions start after the padding index, so the model takes that many fewer tokens.
    config = detector.model.config
    positions = config.max_position_embeddings - config.pad_token_id - 1
    detector.tokenizer.model_max_length = min(detector.tokenizer.model_max_length, positions)
    return detector


def detoxify_scores(
    texts: Sequence[str], detector: Detector, config: ModerationConfig
) -> list[tuple[float, dict[str, float]]]:
    """Per text: (toxicity, the probability of every Detoxify label); toxicity is the highest of them."""
    found: list[dict[str, float]] = []
    for start in range(0, len(texts), config.toxicity_batch_size):
        batch = list(texts[start : start + config.toxicity_batch_size])
        by_label = detector.predict(batch)
        # predict() squeezes the scores of a batch of one into plain floats
        columns = {label: value if isinstance(value, list) else [value] for label, value in by_label.items()}
        found += [{label: float(column[i]) for label, column in columns.items()} for i in range(len(batch))]
    return [(max(probs.values()), probs) for probs in found]
