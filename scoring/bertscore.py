"""BERTScore of the generated text against the seller's input, with a local multilingual BERT.

Uses the `bert-score` package with `models/bert-base-multilingual-cased` and layer 9 (the package's
default model and layer for Russian). One BERTScorer per folder is built by the model store on first
use and reused across requests; `bert_score` itself (pandas, matplotlib) is imported only then.

A text longer than the model's 512 tokens is not cut: it is embedded in sentence-aligned chunks that
each fit, and the greedy matching runs over the tokens of all chunks. A text that fits is one chunk,
which is exactly what `BERTScorer.score` computes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from razdel import sentenize

from core.catalogue import BERTSCORE_MODEL
from core.models import ModelStore
from core.placement import Placement

if TYPE_CHECKING:
    from bert_score import BERTScorer

BERTSCORE_LAYER = 9


@dataclass(frozen=True)
class BertScore:
    """Precision (candidate tokens found in the reference), recall (the other way) and their F1."""

    precision: float
    recall: float
    f1: float


def _scorer(folder: Path, placement: Placement) -> BERTScorer:
    from bert_score import BERTScorer

    scorer = BERTScorer(model_type=str(folder), num_layers=BERTSCORE_LAYER, device=placement.device)
    scorer._model = placement.prepare(scorer._model)
    # Chunks are sized by the tokenizer's model_max_length; a folder whose tokenizer config lacks it
    # would overflow the position embeddings, so cap it at what the model can read.
    positions = scorer._model.config.max_position_embeddings
    scorer._tokenizer.model_max_length = min(scorer._tokenizer.model_max_length, positions)
    return scorer


def load_bertscorer(models: ModelStore) -> BERTScorer | None:
    """The shared scorer for `<models>/bert-base-multilingual-cased`, or None when it is not downloaded."""
    return models.known(BERTSCORE_MODEL, _scorer)


def chunks(text: str, count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Split `text` into pieces of at most `limit` tokens: whole sentences packed together, a sentence
    longer than the limit split between words. A text that fits is returned as one piece."""
    text = text.strip()
    if count_tokens(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in sentenize(text):
        units = [sentence.text] if count_tokens(sentence.text) <= limit else sentence.text.split()
        for unit in units:
            joined = f"{current} {unit}".strip()
            if current and count_tokens(joined) > limit:
                pieces.append(current)
                joined = unit
            current = joined
    return [*pieces, current] if current else pieces


def _token_vectors(scorer: BERTScorer, texts: list[str]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """For each text: layer-9 vectors of all tokens of all its chunks, shape (1, T, dim), and their
    weights (1, T): 1 for word pieces, 0 for [CLS]/[SEP] (the package's weights without idf).
    All chunks of all texts go through the model in one batch."""
    from bert_score.utils import get_bert_embedding

    tokenizer = scorer._tokenizer
    weights = defaultdict(lambda: 1.0, {tokenizer.sep_token_id: 0.0, tokenizer.cls_token_id: 0.0})
    per_text = [
        chunks(t, lambda c: len(tokenizer.tokenize(c)), tokenizer.model_max_length - 2) for t in texts
    ]
    flat = [piece for pieces in per_text for piece in pieces]
    vectors, mask, idf = get_bert_embedding(flat, scorer._model, tokenizer, weights, device=scorer.device)
    vectors, keep = vectors.float().cpu(), mask.bool().cpu()  # float16 on a GPU
    out, start = [], 0
    for pieces in per_text:
        rows = slice(start, start + len(pieces))
        out.append((vectors[rows][keep[rows]].unsqueeze(0), idf[rows][keep[rows]].unsqueeze(0)))
        start += len(pieces)
    return out


def bertscore(candidate: str, reference: str, models: ModelStore) -> BertScore | None:
    """BERTScore (no idf, no baseline rescaling) of `candidate` against `reference`; None when the
    model is missing."""
    scorer = load_bertscorer(models)
    if scorer is None:
        return None
    from bert_score.utils import greedy_cos_idf  # seconds of imports: only when the model is there

    (ref, ref_weights), (hyp, hyp_weights) = _token_vectors(scorer, [reference, candidate])
    ref_mask = torch.ones(ref_weights.shape, dtype=torch.long)
    hyp_mask = torch.ones(hyp_weights.shape, dtype=torch.long)
    precision, recall, f1 = greedy_cos_idf(ref, ref_mask, ref_weights, hyp, hyp_mask, hyp_weights)
    return BertScore(float(precision[0]), float(recall[0]), float(f1[0]))


def bertscore_f1(candidate: str, reference: str, models: ModelStore) -> float | None:
    """BERTScore F1 of `candidate` against `reference`; None when the model is missing."""
    score = bertscore(candidate, reference, models)
    return None if score is None else score.f1
