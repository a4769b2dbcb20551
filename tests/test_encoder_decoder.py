"""The single-photo encoder-decoder kind (and the shared neural helpers), on a tiny ViT + GPT-2."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from PIL import Image

from captioning.base import low_confidence_warning
from captioning.encoder_decoder import EncoderDecoderCaptioner, load
from captioning.neural import GenerationOptions, NeuralModelError, generate_ids, russian_errors
from captioning.registry import Registry
from captioning.template import compose_listing
from core.device import DeviceError
from core.models import ModelStore
from core.settings import PROJECT_ROOT, Settings
from masking.types import MaskedListing
from tests.neural_fixtures import build_vit_gpt2, random_photos, read_manifest

NAME = "tiny-vit-gpt2"
MASKED = MaskedListing(
    attributes={"Вид одежды": "Куртка", "Цвет": "синий", "Цена": "<PRICE>"},
    text="Куртка, размер <SIZE>",
    values={"<PRICE>": "2500", "<SIZE>": "42"},
)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("checkpoints")
    build_vit_gpt2(root / NAME, {"max_new_tokens": 10, "num_beams": 3, "no_repeat_ngram_size": 2})
    return root


@pytest.fixture(scope="module")
def captioner(checkpoints: Path) -> EncoderDecoderCaptioner:
    return Registry(Settings(checkpoints_dir=checkpoints, device="cpu")).load(NAME)


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    return random_photos(10, 48, 40)


def _copy(checkpoints: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(checkpoints / NAME, tmp_path / NAME))


def test_registry_loads_once_and_captions_one_photo(checkpoints: Path, captioner: EncoderDecoderCaptioner,
                                                    photos: list[Image.Image]) -> None:
    registry = Registry(Settings(checkpoints_dir=checkpoints, device="cpu"))
    assert registry.load(NAME) is registry.load(NAME)
    assert captioner.options.num_beams == 3 and captioner.model.device.type == "cpu"
    result = captioner.generate(MASKED, "<SINGLE>", photos[:1])
    caption = captioner.caption(photos[0])
    assert 0 < caption.tokens <= 10 and caption.text
    composed = compose_listing(MASKED, "<SINGLE>", photos[:1], photo_caption=caption.text)
    assert (result.text, result.suggestions) == (composed.text, composed.suggestions)
    assert (result.tokens, result.confidence) == (caption.tokens, caption.confidence)
    assert "<PRICE>" in result.text and "2500" not in result.text


def test_caption_is_stated_only_when_the_photos_show_the_item(
    captioner: EncoderDecoderCaptioner, photos: list[Image.Image]
) -> None:
    caption = captioner.caption(photos[0]).text.rstrip(".")
    unknown = captioner.generate(MASKED, "<SINGLE>", photos[:1])
    assert caption not in unknown.text and any(caption in s for s in unknown.suggestions)
    shown = captioner.generate(replace(MASKED, photos_show_item=True), "<SINGLE>", photos[:1])
    assert f"На фото — {caption[:1].lower()}" in shown.text
    photos_only = captioner.generate(MaskedListing({}, ""), "<SINGLE>", photos[:1])
    assert photos_only.text.startswith("На фото — ")
    assert not any("download" in w for w in photos_only.warnings)  # a vision model did see the photo


def test_ten_photos_caption_the_first(captioner: EncoderDecoderCaptioner, photos: list[Image.Image]) -> None:
    many = captioner.generate(MASKED, "<VARIATIVE>", photos)
    first = captioner.caption(photos[0])
    assert many.confidence == first.confidence and many.tokens == first.tokens
    assert many.text == compose_listing(MASKED, "<VARIATIVE>", photos, photo_caption=first.text).text
    others = {captioner.caption(photo).confidence for photo in photos[1:4]}
    assert first.confidence not in others  # the photo really reaches the encoder


def test_photo_is_encoded_once_per_caption(captioner: EncoderDecoderCaptioner, photos: list) -> None:
    calls = []
    hook = captioner.model.encoder.register_forward_hook(lambda *_: calls.append(1))
    try:
        caption = captioner.caption(photos[0])
    finally:
        hook.remove()
    assert caption.tokens > 1 and len(calls) == 1


def test_no_photo_composes_without_caption(captioner: EncoderDecoderCaptioner) -> None:
    result = captioner.generate(MASKED, "<SINGLE>", [])
    assert result.text == compose_listing(MASKED, "<SINGLE>", []).text
    assert result.tokens == 0 and result.confidence is None


@pytest.mark.parametrize("beams", [1, 3])
def test_confidence_is_mean_probability_of_generated_tokens(
    checkpoints: Path, photos: list[Image.Image], beams: int
) -> None:
    manifest = read_manifest(checkpoints / NAME) | {"generation": {"max_new_tokens": 8, "num_beams": beams}}
    captioner = load(checkpoints / NAME, manifest, ModelStore(Settings(device="cpu")))
    caption = captioner.caption(photos[2])
    ids = captioner.tokenizer(caption.text, add_special_tokens=False)["input_ids"]
    start = captioner.model.config.decoder_start_token_id
    decoder_ids = torch.tensor([[start, *ids]])
    with torch.inference_mode():
        logits = captioner.model(**captioner.preprocess(photos[2]), decoder_input_ids=decoder_ids).logits[0]
    probs = logits[:-1].softmax(-1).gather(-1, torch.tensor(ids)[:, None]).squeeze(-1)
    eos = captioner.model.generation_config.eos_token_id
    if caption.tokens < 8:  # it stopped on end-of-text, whose probability counts too
        probs = torch.cat([probs, logits[-1].softmax(-1)[eos : eos + 1]])
    assert len(ids) == caption.tokens
    assert caption.confidence == pytest.approx(float(probs.mean()), rel=1e-4)


def test_missing_weights_name_files_and_download_command(checkpoints: Path, tmp_path: Path) -> None:
    folder = _copy(checkpoints, tmp_path)
    (folder / "model.safetensors").unlink()
    (folder / "preprocessor_config.json").unlink()
    with pytest.raises(NeuralModelError, match="не хватает файлов") as error:
        load(folder, read_manifest(folder), ModelStore(Settings(device="cpu")))
    assert "веса модели" in str(error.value) and "preprocessor_config.json" in str(error.value)
    assert f"python -m pipeline download {NAME}" in str(error.value)


def test_beam_search_that_keeps_the_photo_cache_in_place_writes_the_same_caption(
    captioner: EncoderDecoderCaptioner, photos: list[Image.Image]
) -> None:
    assert captioner.options.num_beams > 1
    for photo in photos[:4]:
        ours = captioner.caption(photo)
        theirs = generate_ids(captioner.model, captioner.preprocess(photo), captioner.options)  # stock cache
        text = re.sub(r"\s+", " ", captioner.tokenizer.decode(theirs.ids, skip_special_tokens=True)).strip()
        assert (ours.text, ours.tokens) == (text, len(theirs.ids))
        assert ours.confidence == pytest.approx(theirs.confidence, abs=1e-6)


def test_wrong_kind_and_wrong_architecture_are_refused(checkpoints: Path, tmp_path: Path) -> None:
    folder = _copy(checkpoints, tmp_path)
    with pytest.raises(NeuralModelError, match="«vlm»"):
        load(folder, read_manifest(folder) | {"kind": "vlm"}, ModelStore(Settings(device="cpu")))
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(config | {"model_type": "gpt2"}))
    with pytest.raises(NeuralModelError, match="типа «gpt2»"):
        load(folder, read_manifest(folder), ModelStore(Settings(device="cpu")))


@pytest.mark.parametrize(
    ("generation", "field"),
    [({"num_beams": 0}, "num_beams"), ({"beams": 2}, "beams"), ({"dtype": "int8"}, "dtype"),
     ({"do_sample": True}, "do_sample"), ({"max_new_tokens": True}, "max_new_tokens")],
)
def test_bad_generation_options_name_the_field(generation: dict, field: str) -> None:
    with pytest.raises(NeuralModelError, match=field):
        GenerationOptions.from_manifest({"generation": generation}, Path("checkpoints/x"))


SHIPPED = [
    f for f in sorted((PROJECT_ROOT / "checkpoints").glob("*/checkpoint.json"))
    if json.loads(f.read_text(encoding="utf-8"))["kind"] in ("encoder-decoder", "vlm")
]


def test_both_neural_kinds_are_shipped() -> None:
    assert {json.loads(f.read_text())["kind"] for f in SHIPPED} == {"encoder-decoder", "vlm"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.parent.name)
def test_shipped_neural_manifests_are_accepted(path: Path) -> None:
    folder = path.parent
    manifest = read_manifest(folder)
    options = GenerationOptions.from_manifest(manifest, folder)
    assert options.generate_kwargs()["max_new_tokens"] == manifest["generation"]["max_new_tokens"]


def test_generation_options_from_publishedread_manifest() -> None:
    options = GenerationOptions.from_manifest(
        {"generation": {"max_new_tokens": 32, "num_beams": 4, "no_repeat_ngram_size": 3}}, Path("x")
    )
    assert options.generate_kwargs() == {
        "num_beams": 4, "max_new_tokens": 32, "do_sample": False, "use_cache": True,
        "no_repeat_ngram_size": 3,
    }


def test_out_of_memory_becomes_russian_advice() -> None:
    advice = pytest.raises(NeuralModelError, match="Не хватает памяти")
    with advice as error, russian_errors(Path("m"), "запустить"):
        raise torch.OutOfMemoryError("CUDA out of memory")
    assert "pixel_budget" in str(error.value)


def test_unknown_device_setting_is_refused(checkpoints: Path) -> None:
    with pytest.raises(DeviceError, match="LISTING_DEVICE=tpu"):
        load(checkpoints / NAME, read_manifest(checkpoints / NAME), ModelStore(Settings(device="tpu")))


def test_low_confidence_warns_the_seller(captioner: EncoderDecoderCaptioner, photos: list) -> None:
    confidence = captioner.caption(photos[0]).confidence  # a random model is never sure
    warning = low_confidence_warning(confidence)
    assert warning is not None and f"{confidence:.2f}" in warning and "0.64" in warning
    assert low_confidence_warning(0.9) is None and low_confidence_warning(None) is None
    assert low_confidence_warning(0.9, threshold=0.95) is not None
