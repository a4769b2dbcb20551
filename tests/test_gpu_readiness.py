"""GPU readiness, checked on the CPU: the scoring and moderation models in float16 (what they get on a
GPU) give the same scores within 0.01, and photos travel to the device as uint8."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from core.models import ModelStore
from core.placement import Placement
from core.settings import Settings
from ruclip_port import load_ruclip
from tests.scoring_fixtures import make_scoring_models, result_scores

HALF = Placement("cpu", half=True)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_scoring_models(tmp_path_factory.mktemp("models"))


def test_float16_models_give_the_same_scores_within_a_hundredth(models: Path, shared_photos: Path) -> None:
    photos = [Image.open(p) for p in sorted(shared_photos.rglob("*.jpg"))[:3]]
    settings = Settings(models_dir=models, device="cpu")
    half_store = ModelStore(settings, HALF)
    full, half = result_scores(ModelStore(settings), photos), result_scores(half_store, photos)
    assert None not in full.values()
    assert max(abs(full[name] - half[name]) for name in full) <= 0.01, (full, half)
    clip = load_ruclip(half_store)
    assert clip is not None and {p.dtype for p in clip.model.parameters()} == {torch.float16}


def test_photos_go_to_the_device_as_uint8_and_are_normalised_there(models: Path) -> None:
    clip = load_ruclip(ModelStore(Settings(models_dir=models, device="cpu")))
    assert clip is not None
    photos = [Image.new("RGB", (50, 30), (200, 10, 10)), Image.new("RGB", (20, 40), (10, 10, 200))]
    pixels = clip.preprocess.pixels(photos)
    assert pixels.dtype == torch.uint8 and pixels.shape == (2, 3, 32, 32)
    half = clip.preprocess.normalise(pixels, torch.float16)
    assert half.dtype == torch.float16
    assert torch.allclose(half.float(), clip.preprocess(photos), atol=1e-2)
