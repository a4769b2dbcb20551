"""Per-request photo embeddings and the cross-request cache of fixed prompts, on a tiny real ruCLIP."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from ruclip_port import RuCLIP
from ruclip_port.embeddings import PhotoEmbeddings
from tests.tiny_models import make_tiny_ruclip


class CountingRuCLIP(RuCLIP):
    """The real model, counting how many texts and photo batches it encodes."""

    texts_encoded = 0
    image_batches = 0

    def encode_texts(self, texts, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.texts_encoded += len(texts)
        return super().encode_texts(texts, *args, **kwargs)

    def encode_images(self, images, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.image_batches += 1
        return super().encode_images(images, *args, **kwargs)


def _model(tmp_path: Path) -> CountingRuCLIP:
    return CountingRuCLIP.from_pretrained(make_tiny_ruclip(tmp_path / "ruclip"))  # type: ignore[return-value]


def test_photos_encoded_once_per_request_texts_cached_by_string(tmp_path: Path) -> None:
    model = _model(tmp_path)
    photos = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue")]
    request = PhotoEmbeddings(model, photos)
    first, again = request.images(), request.images()
    assert first is not None and first.shape[0] == 2 and again is first
    assert model.image_batches == 1 and request.image_encode_calls == 1
    texts = request.texts(["чашка", "стол", "чашка"])
    assert texts is not None and torch.equal(texts[0], texts[2])
    assert model.texts_encoded == 2


def test_fixed_prompts_encoded_once_across_requests(tmp_path: Path) -> None:
    model = _model(tmp_path)
    prompts = ("один предмет", "много разных предметов")
    first = PhotoEmbeddings(model, []).prompts(prompts)
    second = PhotoEmbeddings(model, []).prompts(list(prompts))
    assert first is not None and second is first
    assert model.texts_encoded == len(prompts)
    assert torch.allclose(first.norm(dim=-1), torch.ones(len(prompts)), atol=1e-5)


def test_without_ruclip_everything_is_unavailable() -> None:
    request = PhotoEmbeddings(None, [Image.new("RGB", (8, 8))])
    assert not request.available
    assert request.images() is None and request.texts(["чашка"]) is None and request.prompts(["x"]) is None
