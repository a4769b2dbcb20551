"""Quality parity of the int8 lever: what a seller sees must not change.

- Captions: a tiny ViT + GPT-2 captioner is first trained here (a few hundred steps on a toy corpus of
  coloured photos and their captions) until it is confident, as a real model is; its checkpoint is then
  loaded through the registry with and without `"quantize": "int8"`, and greedy captions must be the same;
  the lean beam search must write what `generate`'s beam search writes, in both.
- Scores: every ruCLIP similarity and the BERTScore F1 of a result, and the toxicity score, with and
  without LISTING_QUANTIZE=int8 (and int8-photos, ruCLIP's image tower too), must agree within 0.01.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from PIL import Image

from captioning import gpt2_beam
from captioning.encoder_decoder import EncoderDecoderCaptioner
from captioning.neural import generate_ids
from captioning.registry import Registry
from core.models import ModelStore
from core.placement import Placement
from core.settings import Settings
from ruclip_port import load_ruclip
from tests.neural_fixtures import build_vit_gpt2, read_manifest
from tests.scoring_fixtures import make_scoring_models, result_scores

NAME = "trained-vit-gpt2"
TOLERANCE = 0.01
STEPS = 300
COLOURS = {
    "Продаётся детская куртка синего цвета.": (30, 40, 200),
    "Платье летнее, хлопок, почти новое.": (200, 30, 40),
    "Шапка вязаная, шерсть, зелёная.": (30, 170, 60),
    "Кроссовки мужские, белые, носил один сезон.": (240, 240, 240),
    "Товар в отличном состоянии, без дефектов.": (20, 20, 20),
    "Набор стульев, дерево, состояние хорошее.": (150, 100, 40),
}


def _photo(colour: tuple[int, int, int], seed: int) -> Image.Image:
    """A photo of one colour with a little noise (so no two photos are the same)."""
    noise = torch.randint(-12, 13, (40, 40, 3), generator=torch.Generator().manual_seed(seed))
    pixels = (torch.tensor(colour) + noise).clamp(0, 255).to(torch.uint8)
    return Image.fromarray(pixels.numpy())


def _train(folder: Path) -> None:
    """Teacher-forced training of the checkpoint in `folder` on the colour → caption corpus, saved back."""
    captioner = Registry(Settings(checkpoints_dir=folder.parent, device="cpu")).load(folder.name)
    model, tokenizer = captioner.model, captioner.tokenizer
    eos = tokenizer.eos_token_id
    captions = list(COLOURS)
    ids = [[*tokenizer.encode(caption), eos] for caption in captions]
    width = max(map(len, ids))
    labels = torch.tensor([row + [-100] * (width - len(row)) for row in ids])
    photos = [_photo(COLOURS[caption], seed) for seed, caption in enumerate(captions)]
    pixels = torch.cat([captioner.preprocess(photo)["pixel_values"] for photo in photos])
    torch.manual_seed(0)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(STEPS):
        loss = model(pixel_values=pixels, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    model.save_pretrained(folder)


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """Tiny tensors: one torch thread beats several, above all on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Checkpoints folder: the trained checkpoint as it is, and with `"quantize": "int8"` in its manifest."""
    root = tmp_path_factory.mktemp("checkpoints")
    _train(build_vit_gpt2(root / NAME, {"max_new_tokens": 48}))
    shutil.copytree(root / NAME, root / f"{NAME}-int8")
    manifest = read_manifest(root / NAME)
    manifest["generation"] |= {"quantize": "int8"}
    (root / f"{NAME}-int8" / "checkpoint.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


CAPTIONER_PLACEMENTS = {
    "int8": Placement("cpu", int8=True, threads=1),
    "int8 + bfloat16 photo encoder": Placement("cpu", int8=True, threads=1, bf16_photos=True),
}


@pytest.fixture(scope="module", params=CAPTIONER_PLACEMENTS)
def captioners(
    trained: Path, request: pytest.FixtureRequest
) -> tuple[EncoderDecoderCaptioner, EncoderDecoderCaptioner, torch.dtype]:
    """The trained checkpoint loaded as it is (float32), and with its int8 manifest on a placement; the
    dtype that placement gives the photo encoder."""
    settings = Settings(checkpoints_dir=trained, device="cpu")
    placement = CAPTIONER_PLACEMENTS[request.param]
    plain = Registry(settings, ModelStore(settings, Placement("cpu", threads=1))).load(NAME)
    fast = Registry(settings, ModelStore(settings, placement)).load(f"{NAME}-int8")
    return plain, fast, torch.bfloat16 if placement.bf16_photos else torch.float32


def test_greedy_captions_of_a_confident_model_are_the_same_in_int8(
    captioners: tuple[EncoderDecoderCaptioner, EncoderDecoderCaptioner, torch.dtype],
) -> None:
    plain, int8, encoder_dtype = captioners
    assert plain.options.num_beams == 1 and int8.options.quantize == "int8"
    assert plain.model.encoder.dtype == torch.float32 and int8.model.encoder.dtype == encoder_dtype
    photos = {caption: _photo(colour, 100 + i) for i, (caption, colour) in enumerate(COLOURS.items())}
    for caption, photo in photos.items():  # unseen photos of the trained colours
        expected = plain.caption(photo)
        assert expected.text == caption and expected.confidence > 0.9  # trained: right and sure
        got = int8.caption(photo)
        assert got.text == expected.text
        assert got.confidence == pytest.approx(expected.confidence, abs=TOLERANCE)


def test_beam_search_of_a_confident_model_is_what_generate_writes(
    captioners: tuple[EncoderDecoderCaptioner, EncoderDecoderCaptioner, torch.dtype],
) -> None:
    """The lean beam search (captioning.gpt2_beam) on the trained checkpoint, float32 and int8, with
    vit-rugpt2's beam options: the ids, probabilities and right captions of `generate`."""
    beams = dataclasses.replace(captioners[0].options, num_beams=4, no_repeat_ngram_size=3)
    for captioner in captioners[:2]:
        for i, (caption, colour) in enumerate(COLOURS.items()):
            pixels = captioner.preprocess(_photo(colour, 200 + i))["pixel_values"]
            assert gpt2_beam.supports(captioner.model, beams, pixels)
            lean = gpt2_beam.beam_decode(captioner.model, pixels, beams)
            reference = generate_ids(captioner.model, {"pixel_values": pixels}, beams)
            assert lean.ids == reference.ids
            assert lean.confidence == pytest.approx(reference.confidence, rel=1e-4)
            assert captioner.tokenizer.decode(lean.ids, skip_special_tokens=True) == caption


@pytest.fixture(scope="module")
def models_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_scoring_models(tmp_path_factory.mktemp("models"))


PLACEMENTS = {
    "int8": Placement("cpu", int8=True, threads=1),
    "int8 + bfloat16 photos": Placement("cpu", int8=True, threads=1, bf16_photos=True),
    "int8-photos": Placement("cpu", int8=True, threads=1, int8_photos=True),
}


@pytest.mark.parametrize("name", PLACEMENTS)
def test_scores_agree_within_a_hundredth_in_int8(models_folder: Path, shared_photos: Path, name: str) -> None:
    photos = [Image.open(p) for p in sorted(shared_photos.rglob("*.jpg"))[:4]]
    settings = Settings(models_dir=models_folder, device="cpu")
    plain, fast = (
        ModelStore(settings, placement) for placement in (Placement("cpu", threads=1), PLACEMENTS[name])
    )
    photo_dtype = load_ruclip(fast).photo_dtype  # type: ignore[union-attr]
    assert photo_dtype == (torch.bfloat16 if fast.placement.bf16_photos else torch.float32)
    plain_scores, fast_scores = result_scores(plain, photos), result_scores(fast, photos)
    assert None not in plain_scores.values() and plain_scores.keys() == fast_scores.keys()
    differences = {key: abs(plain_scores[key] - fast_scores[key]) for key in plain_scores}
    assert max(differences.values()) <= TOLERANCE, differences
    assert differences["clip_seller_text_photo_mean"] > 0 and differences["toxicity"] > 0  # int8 really ran
