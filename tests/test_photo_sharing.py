"""Each photo is shrunk once and encoded once for every stage of a request (photos.shared, RuCLIP)."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from core.catalogue import RUCLIP_MODEL
from core.models import ModelStore
from core.settings import Limits, Settings
from moderation.images import letterbox
from photos import MODEL_SHORT_SIDE, MODEL_SIDE, PhotoMemo, model_copy, upright_rgb
from ruclip_port import PhotoEmbeddings, RuCLIP, load_ruclip
from ruclip_port.preprocessing import ImagePreprocessor, crop_square, pad_square
from tests.tiny_models import RUSSIAN_CORPUS, tiny_ruclip_config, train_tiny_bpe, write_random_ruclip


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two RGB photos of one size, 0–255."""
    return float(np.abs(np.asarray(a, dtype=np.float32) - np.asarray(b, dtype=np.float32)).mean())


def _photo(width: int, height: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = Image.fromarray(rng.integers(0, 256, (height // 16, width // 16, 3), dtype=np.uint8))
    return small.resize((width, height), Image.Resampling.BICUBIC)  # smooth, like a photo


def test_model_copy_is_reduced_by_a_whole_factor_once_per_photo() -> None:
    photo = _photo(2000, 1000)
    copy = model_copy(photo)
    assert copy.size == (500, 250)  # by 4: the longer side stays ≥ 448, the shorter ≥ 224
    assert max(copy.size) >= MODEL_SIDE and min(copy.size) >= MODEL_SHORT_SIDE
    assert model_copy(photo) is copy  # made once
    assert model_copy(_photo(768, 1024)).size == (384, 512)  # the shared photos' usual size, by 2
    panorama = _photo(1024, 208)
    assert model_copy(panorama) is panorama  # its shorter side allows no reduction
    small = _photo(640, 400)
    assert model_copy(small) is small  # nothing to shrink, nothing kept
    assert model_copy(Image.new("RGBA", (40, 30))).mode == "RGB"


def test_ruclip_crop_mode_reads_the_photo_when_the_copy_is_too_narrow() -> None:
    photo = _photo(2000, 1000)  # its model copy's shorter side, 250, is under the 384 a crop reads
    cropped = ImagePreprocessor(384, mode="crop").square(photo)
    direct = crop_square(photo, 384)  # the full-size photo cropped and resized directly
    from_copy = crop_square(model_copy(photo), 384)  # what an enlarged 250-px crop would give
    assert _difference(cropped, direct) < 1.0 < _difference(from_copy, direct)
    padded = ImagePreprocessor(384, mode="pad").square(photo)  # padding reads the copy's longer side
    assert _difference(padded, pad_square(photo, 384)) < 2.0


def test_memo_forgets_a_photo_when_it_is_collected() -> None:
    memo: PhotoMemo[int] = PhotoMemo()
    photos = [_photo(64, 64, seed) for seed in range(3)]
    for i, photo in enumerate(photos):
        memo.put(photo, i)
    assert [memo.get(p) for p in photos] == [0, 1, 2] and len(memo) == 3
    del photos[1]
    gc.collect()
    assert len(memo) == 2 and memo.get(_photo(64, 64)) is None


def test_photos_are_validated_at_least_as_large_as_the_model_copy_needs() -> None:
    assert Limits().working_side >= MODEL_SIDE and Limits().working_side // 2 >= MODEL_SHORT_SIDE


def test_nudenet_letterbox_from_the_model_copy_keeps_original_coordinates() -> None:
    photo = _photo(1800, 1200)
    batch, (factor,) = letterbox([photo], 320)
    array = batch[0]
    assert factor == pytest.approx(1800 / 320)  # model pixels → original pixels
    direct = photo.resize((320, 213), Image.Resampling.BILINEAR)
    difference = np.abs(array[:, :213].transpose(1, 2, 0) - np.asarray(direct, dtype=np.float32) / 255)
    assert difference.mean() < 0.01 and not array[:, 213:].any()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    """A tiny ruCLIP that reads 384-px photos, like the real one."""
    models = tmp_path_factory.mktemp("models")
    bpe = train_tiny_bpe(RUSSIAN_CORPUS, merges=60)
    write_random_ruclip(models / RUCLIP_MODEL, tiny_ruclip_config(bpe.vocab_size, image_resolution=384), bpe)
    return ModelStore(Settings(models_dir=models, device="cpu"))


def test_ruclip_encodes_each_photo_once_for_every_stage(store: ModelStore) -> None:
    clip = load_ruclip(store)
    assert isinstance(clip, RuCLIP)
    calls: list[int] = []
    hook = clip.model.visual.register_forward_hook(lambda module, args, out: calls.append(len(out)))
    try:
        photos = [_photo(900, 1200, seed) for seed in range(3)]
        embeddings = PhotoEmbeddings(clip, photos)
        normalised = embeddings.images()
        raw = clip.encode_images(photos[1:], normalize=False)  # a prefix captioner's later request
        assert calls == [3]  # one pass over the three photos, none for the captioner
        assert torch.allclose(F.normalize(raw, dim=-1), normalised[1:])
        clip.encode_images([_photo(900, 1200, 7), photos[0]])
        assert calls == [3, 1]  # only the new photo
    finally:
        hook.remove()


def test_embedding_from_the_model_copy_matches_the_full_size_resize(store: ModelStore) -> None:
    clip = load_ruclip(store)
    assert isinstance(clip, RuCLIP)
    photos = [_photo(1536, 2048, seed) for seed in range(4)]
    shared = clip.encode_images(photos)
    full = [pad_square(upright_rgb(p), 384) for p in photos]  # the full-size photo resized directly
    direct = F.normalize(clip.model.encode_image(clip.preprocess.normalise(torch.stack([
        torch.from_numpy(np.array(image)).permute(2, 0, 1) for image in full
    ]))).detach(), dim=-1)  # fmt: skip
    assert (shared * direct).sum(dim=-1).min() > 0.99


def test_photos_of_a_request_are_freed_with_it(store: ModelStore, tmp_path: Path) -> None:
    clip = load_ruclip(store)
    assert isinstance(clip, RuCLIP)
    before = len(clip._photos)
    photos = [_photo(500, 500, seed) for seed in range(2)]
    clip.encode_images(photos)
    assert len(clip._photos) == before + 2
    del photos
    gc.collect()
    assert len(clip._photos) == before
