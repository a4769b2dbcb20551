"""ruCLIP similarity scores with a tiny random ruCLIP, through the request's shared embeddings."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from core.catalogue import RUCLIP_MODEL
from core.listing import seller_input
from core.models import ModelStore
from core.settings import Settings
from ruclip_port import PhotoEmbeddings, RuCLIP, best_photo_index, load_ruclip
from scoring import compute_scores
from scoring.report import CLIP_SCORES, ONE_PHOTO
from tests.tiny_models import make_tiny_ruclip

GENERATED = "Красная кофейная чашка с блюдцем из фарфора."
ATTRIBUTES = {"Тип": "чашка", "Цвет": "красный"}
SELLER_TEXT = "Чашка без сколов."


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    models = tmp_path_factory.mktemp("models")
    make_tiny_ruclip(models / RUCLIP_MODEL)
    return Settings(models_dir=models, device="cpu")


@pytest.fixture(scope="module")
def models(settings: Settings) -> ModelStore:
    return ModelStore(settings)


@pytest.fixture(scope="module")
def model(models: ModelStore) -> RuCLIP:
    loaded = load_ruclip(models)
    assert loaded is not None
    return loaded


@pytest.fixture
def no_models(empty_models_settings: Settings) -> ModelStore:
    return ModelStore(empty_models_settings)


@pytest.fixture
def photos(shared_photos: Path) -> list[Image.Image]:
    """Three different real product photos."""
    paths = sorted((shared_photos / "products").glob("*/*.jpg"))[:3]
    return [Image.open(p).convert("RGB") for p in paths]


def _cosines(model: RuCLIP, text: str, photos: list[Image.Image]) -> torch.Tensor:
    """Text↔photo cosines computed straight from the model, without PhotoEmbeddings."""
    return model.encode_images(photos) @ model.encode_texts([text])[0]


def test_scores_match_the_model_and_photos_are_encoded_once(
    model: RuCLIP, models: ModelStore, photos: list[Image.Image]
) -> None:
    embeddings = PhotoEmbeddings(model, photos)
    best = best_photo_index(embeddings, GENERATED)
    scores = compute_scores(GENERATED, ATTRIBUTES, SELLER_TEXT, embeddings, models)
    assert embeddings.image_encode_calls == 1
    direct = _cosines(model, GENERATED, photos)
    assert scores["clip_text_photo_mean"] == pytest.approx(float(direct.mean()), abs=1e-4)
    assert scores["clip_text_photo_max"] == pytest.approx(float(direct.max()), abs=1e-4)
    assert best == int(direct.argmax())
    seller = _cosines(model, seller_input(ATTRIBUTES, SELLER_TEXT), photos)
    assert scores["clip_seller_text_photo_mean"] == pytest.approx(float(seller.mean()), abs=1e-4)
    assert not set(CLIP_SCORES) & set(scores["unavailable"])


def test_photo_pairs_show_duplicates(model: RuCLIP, models: ModelStore, photos: list[Image.Image]) -> None:
    distinct = compute_scores(GENERATED, ATTRIBUTES, "", PhotoEmbeddings(model, photos), models)
    duplicated = compute_scores(
        GENERATED, ATTRIBUTES, "", PhotoEmbeddings(model, [*photos, photos[0]]), models
    )
    vectors = model.encode_images(photos)
    pairs = [float(vectors[i] @ vectors[j]) for i, j in ((0, 1), (0, 2), (1, 2))]
    assert distinct["clip_photo_photo_mean"] == pytest.approx(sum(pairs) / 3, abs=1e-4)
    assert distinct["clip_photo_photo_max"] == pytest.approx(max(pairs), abs=1e-4)
    assert duplicated["clip_photo_photo_max"] == pytest.approx(1.0, abs=1e-5)
    with_copy = [*pairs, *(float(vectors[i] @ vectors[0]) for i in range(3))]
    assert duplicated["clip_photo_photo_mean"] == pytest.approx(sum(with_copy) / 6, abs=1e-4)


def test_best_photo_follows_the_text(model: RuCLIP, photos: list[Image.Image]) -> None:
    embeddings = PhotoEmbeddings(model, photos)
    texts = ["красная чашка", "деревянный стул", "синее платье", "белые кроссовки", "набор посуды"]
    for text in texts:
        assert best_photo_index(embeddings, text) == int(_cosines(model, text, photos).argmax())
    assert embeddings.image_encode_calls == 1


def test_one_photo_has_no_pair_scores(model: RuCLIP, models: ModelStore, photos: list[Image.Image]) -> None:
    scores = compute_scores(GENERATED, ATTRIBUTES, SELLER_TEXT, PhotoEmbeddings(model, photos[:1]), models)
    assert scores["clip_text_photo_mean"] == scores["clip_text_photo_max"]
    assert scores["clip_photo_photo_mean"] is None and scores["clip_photo_photo_max"] is None
    assert scores["unavailable"]["clip_photo_photo_max"] == ONE_PHOTO


def test_missing_ruclip_gives_none_and_the_download_command(
    no_models: ModelStore, photos: list[Image.Image]
) -> None:
    embeddings = PhotoEmbeddings(load_ruclip(no_models), photos)
    scores = compute_scores(GENERATED, ATTRIBUTES, SELLER_TEXT, embeddings, no_models)
    for name in CLIP_SCORES:
        assert scores[name] is None
        assert f"python -m pipeline download {RUCLIP_MODEL}" in scores["unavailable"][name]
    assert best_photo_index(embeddings, GENERATED) is None
    assert (
        compute_scores(GENERATED, ATTRIBUTES, "", None, no_models)["clip_text_photo_max"] is None
    )


def test_empty_text_has_no_text_score_but_keeps_photo_pairs(
    model: RuCLIP, models: ModelStore, photos: list[Image.Image]
) -> None:
    scores = compute_scores("  ", ATTRIBUTES, SELLER_TEXT, PhotoEmbeddings(model, photos), models)
    assert scores["clip_text_photo_mean"] is None
    assert scores["unavailable"]["clip_text_photo_mean"] == "недоступно: описание пустое"
    assert scores["clip_photo_photo_mean"] is not None
