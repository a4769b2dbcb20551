"""BERTScore F1 of the generated text against the seller's input, with a local multilingual BERT.

Uses the `bert-score` package with `models/bert-base-multilingual-cased` and layer 9 (the package's
default model and layer for Russian). One BERTScorer per folder is built on first use and reused
across requests; `bert_score` itself (pandas, matplotlib) is imported only then.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.hub import is_present, model_dir
from pipeline.settings import Settings
from scoring.ruclip import resolve_device

if TYPE_CHECKING:
    from bert_score import BERTScorer

BERTSCORE_MODEL = "bert-base-multilingual-cased"
BERTSCORE_LAYER = 9


@lru_cache(maxsize=2)
def _scorer(folder: Path, device: str) -> BERTScorer:
    from bert_score import BERTScorer

    scorer = BERTScorer(model_type=str(folder), num_layers=BERTSCORE_LAYER, device=device)
    # bert_score truncates at the tokenizer's model_max_length; a folder whose tokenizer config
    # lacks it would overflow the position embeddings, so cap it at what the model can read.
    positions = scorer._model.config.max_position_embeddings
    scorer._tokenizer.model_max_length = min(scorer._tokenizer.model_max_length, positions)
    return scorer


def load_bertscorer(settings: Settings | None = None) -> BERTScorer | None:
    """The shared scorer for `<models>/bert-base-multilingual-cased`, or None when it is not downloaded."""
    settings = settings or Settings.from_env()
    if not is_present(BERTSCORE_MODEL, settings):
        return None
    return _scorer(model_dir(BERTSCORE_MODEL, settings).resolve(), resolve_device(settings.device))


def bertscore_f1(candidate: str, reference: str, settings: Settings | None = None) -> float | None:
    """BERTScore F1 (no idf, no baseline rescaling) of `candidate` against `reference`.

    None when the model is missing. Texts longer than the model's 512 tokens are cut at 512.
    """
    scorer = load_bertscorer(settings)
    if scorer is None:
        return None
    _, _, f1 = scorer.score([candidate], [reference])
    return float(f1[0])
