"""BERTScore with a tiny random multilingual-BERT-shaped model, through the real bert-score code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoModel, AutoTokenizer

from core.catalogue import BERTSCORE_MODEL
from core.models import ModelStore
from core.settings import Settings
from scoring import compute_scores
from scoring.bertscore import (
    BERTSCORE_LAYER,
    bertscore,
    bertscore_f1,
    chunks,
    load_bertscorer,
)
from tests.tiny_bert import make_tiny_bert

REFERENCE = "Цена: 350\nПродаю красное летнее платье, хлопок, размер 44. Состояние отличное."
CANDIDATE = "Красное платье из хлопка, размер 44, в отличном состоянии. Цена 350."
UNRELATED = "Деревянные стулья, 4 шт."


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    """A model store over a models folder holding a tiny 10-layer BERT under the BERTScore model's name."""
    folder = tmp_path_factory.mktemp("models")
    make_tiny_bert(folder / BERTSCORE_MODEL, layers=BERTSCORE_LAYER + 1)
    return ModelStore(Settings(models_dir=folder, device="cpu"))


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


def test_f1_is_layer_9_greedy_matching(models: ModelStore) -> None:
    expected = _paper_f1(models.settings.models_dir / BERTSCORE_MODEL, CANDIDATE, REFERENCE)
    assert bertscore_f1(CANDIDATE, REFERENCE, models) == pytest.approx(expected, abs=1e-5)


def test_identical_text_scores_one_and_unrelated_lower(models: ModelStore) -> None:
    assert bertscore_f1(REFERENCE, REFERENCE, models) == pytest.approx(1.0, abs=1e-5)
    related = bertscore_f1(CANDIDATE, REFERENCE, models)
    unrelated = bertscore_f1(UNRELATED, REFERENCE, models)
    assert related is not None and unrelated is not None
    assert unrelated < related < 1.0


def test_one_scorer_is_reused_across_requests(models: ModelStore) -> None:
    first = load_bertscorer(models)
    loaded = models.loaded()
    for _ in range(3):
        bertscore_f1(CANDIDATE, REFERENCE, models)
    assert load_bertscorer(models) is first
    assert models.loaded() == loaded  # nothing more was loaded


def test_a_text_that_fits_scores_as_the_package_does(models: ModelStore) -> None:
    scorer = load_bertscorer(models)
    assert scorer is not None
    _, _, package_f1 = scorer.score([CANDIDATE], [REFERENCE])
    assert bertscore_f1(CANDIDATE, REFERENCE, models) == pytest.approx(float(package_f1[0]), abs=1e-5)


def _words(count: int) -> Callable[[str], int]:
    return lambda text: len(text.split()) * count


def test_chunks_keep_sentences_whole_and_fit_the_limit() -> None:
    text = "Первое предложение тут. Второе чуть длиннее первого. Третье! " + " ".join(["слово"] * 12) + "."
    assert chunks("Коротко и ясно.", _words(1), 10) == ["Коротко и ясно."]
    pieces = chunks(text, _words(1), 10)
    assert all(len(p.split()) <= 10 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert pieces[0].startswith("Первое предложение тут. Второе чуть длиннее первого. Третье!")


@pytest.fixture(scope="module")
def short_models(tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    """A tiny BERT that reads only 64 positions and whose tokenizer config does not say so."""
    models = tmp_path_factory.mktemp("short")
    folder = make_tiny_bert(models / BERTSCORE_MODEL, layers=BERTSCORE_LAYER, max_positions=64)
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    del config["model_max_length"]
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return ModelStore(Settings(models_dir=models, device="cpu"))


def test_long_reference_is_read_to_the_end_not_cut(short_models: ModelStore) -> None:
    filler = "Продаю стулья из дерева, состояние хорошее, самовывоз. " * 2
    reference = f"{filler}{filler}{filler}{CANDIDATE}"
    scorer = load_bertscorer(short_models)
    assert scorer is not None
    assert len(scorer._tokenizer.tokenize(reference)) > 3 * 64  # far beyond what the model reads at once
    score = bertscore(CANDIDATE, reference, short_models)
    assert score is not None
    # Every candidate token is found in the reference's last sentence, which a cut at 64 tokens drops.
    assert score.precision == pytest.approx(1.0, abs=1e-5)
    assert score.recall < 0.99


def test_compute_scores_reports_f1_against_attributes_and_text(models: ModelStore) -> None:
    scores = compute_scores(CANDIDATE, {"Цена": "350"}, REFERENCE.split("\n", 1)[1], None, models)
    assert scores["bertscore_f1"] == pytest.approx(bertscore_f1(CANDIDATE, REFERENCE, models), abs=1e-4)
    assert "bertscore_f1" not in scores["unavailable"]


def test_empty_description_has_no_score_rather_than_zero(models: ModelStore) -> None:
    scores = compute_scores(" ", {"Цена": "350"}, "платье", None, models)
    assert scores["bertscore_f1"] is None
    assert scores["unavailable"]["bertscore_f1"] == "недоступно: описание пустое"


def test_missing_model_is_none_with_the_download_command(empty_models_settings: Settings) -> None:
    no_models = ModelStore(empty_models_settings)
    assert bertscore_f1(CANDIDATE, REFERENCE, no_models) is None
    scores = compute_scores(CANDIDATE, {"Цена": "350"}, "платье", None, no_models)
    assert scores["bertscore_f1"] is None
    assert "python -m pipeline download bert-base-multilingual-cased" in scores["unavailable"]["bertscore_f1"]
