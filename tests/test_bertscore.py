"""BERTScore with a tiny random multilingual-BERT-shaped model, through the real bert-score code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoModel, AutoTokenizer

from pipeline.settings import Settings
from scoring import compute_scores
from scoring.bertscore import BERTSCORE_LAYER, BERTSCORE_MODEL, _scorer, bertscore_f1, load_bertscorer
from tests.tiny_bert import make_tiny_bert

REFERENCE = "Цена: 350\nПродаю красное летнее платье, хлопок, размер 44. Состояние отличное."
CANDIDATE = "Красное платье из хлопка, размер 44, в отличном состоянии. Цена 350."
UNRELATED = "Деревянные стулья, 4 шт."


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A models folder holding a tiny 10-layer BERT under the BERTScore model's name."""
    models = tmp_path_factory.mktemp("models")
    make_tiny_bert(models / BERTSCORE_MODEL, layers=BERTSCORE_LAYER + 1)
    return Settings(models_dir=models, device="cpu")


def _paper_f1(folder: Path, candidate: str, reference: str) -> float:
    """BERTScore F1 written out from the paper: greedy cosine matching of layer-9 token vectors;
    [CLS]/[SEP] can be matched but are not averaged (the package's idf weights of 0 for them)."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()

    def vectors(text: str) -> torch.Tensor:
        with torch.no_grad():
            out = model(**tokenizer(text, return_tensors="pt"), output_hidden_states=True)
        return F.normalize(out.hidden_states[BERTSCORE_LAYER][0], dim=-1)

    sim = vectors(candidate) @ vectors(reference).T
    precision = sim[1:-1].max(dim=1).values.mean()
    recall = sim[:, 1:-1].max(dim=0).values.mean()
    return float(2 * precision * recall / (precision + recall))


def test_f1_is_layer_9_greedy_matching(settings: Settings) -> None:
    expected = _paper_f1(settings.models_dir / BERTSCORE_MODEL, CANDIDATE, REFERENCE)
    assert bertscore_f1(CANDIDATE, REFERENCE, settings) == pytest.approx(expected, abs=1e-5)


def test_identical_text_scores_one_and_unrelated_lower(settings: Settings) -> None:
    assert bertscore_f1(REFERENCE, REFERENCE, settings) == pytest.approx(1.0, abs=1e-5)
    related = bertscore_f1(CANDIDATE, REFERENCE, settings)
    unrelated = bertscore_f1(UNRELATED, REFERENCE, settings)
    assert related is not None and unrelated is not None
    assert unrelated < related < 1.0


def test_one_scorer_is_reused_across_requests(settings: Settings) -> None:
    _scorer.cache_clear()
    first = load_bertscorer(settings)
    for _ in range(3):
        bertscore_f1(CANDIDATE, REFERENCE, settings)
    assert load_bertscorer(settings) is first
    assert _scorer.cache_info().misses == 1


def test_texts_longer_than_the_model_are_cut_not_crashed(tmp_path: Path) -> None:
    models = tmp_path / "models"
    folder = make_tiny_bert(models / BERTSCORE_MODEL, layers=BERTSCORE_LAYER, max_positions=64)
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    del config["model_max_length"]  # as in a folder whose tokenizer config lacks the limit
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    short = Settings(models_dir=models, device="cpu")
    value = bertscore_f1(CANDIDATE * 10, REFERENCE * 10, short)
    assert value is not None and 0.0 < value <= 1.0


def test_compute_scores_reports_f1_against_attributes_and_text(settings: Settings) -> None:
    scores = compute_scores(CANDIDATE, {"Цена": "350"}, REFERENCE.split("\n", 1)[1], None, settings)
    assert scores["bertscore_f1"] == pytest.approx(bertscore_f1(CANDIDATE, REFERENCE, settings), abs=1e-4)
    assert "bertscore_f1" not in scores["unavailable"]


def test_empty_description_has_no_score_rather_than_zero(settings: Settings) -> None:
    scores = compute_scores(" ", {"Цена": "350"}, "платье", None, settings)
    assert scores["bertscore_f1"] is None
    assert scores["unavailable"]["bertscore_f1"] == "недоступно: описание пустое"


def test_missing_model_is_none_with_the_download_command(empty_models_settings: Settings) -> None:
    assert bertscore_f1(CANDIDATE, REFERENCE, empty_models_settings) is None
    scores = compute_scores(CANDIDATE, {"Цена": "350"}, "платье", None, empty_models_settings)
    assert scores["bertscore_f1"] is None
    assert "python -m pipeline download bert-base-multilingual-cased" in scores["unavailable"]["bertscore_f1"]
