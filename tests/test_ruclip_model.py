"""Our ruCLIP on a tiny random model in the hub layout: strict loading, embeddings, round trip, loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from core.catalogue import RUCLIP_MODEL
from core.models import ModelStore
from core.settings import Settings
from ruclip_port import RuCLIP, load_ruclip
from ruclip_port.model import RuCLIPConfig, RuCLIPModel
from tests.tiny_models import HUB_B32_384, make_tiny_ruclip


def _block(prefix: str, w: int) -> dict[str, tuple[int, ...]]:
    """Parameters of one CLIP residual attention block (nn.MultiheadAttention naming)."""
    return {
        f"{prefix}.attn.in_proj_weight": (3 * w, w),
        f"{prefix}.attn.in_proj_bias": (3 * w,),
        f"{prefix}.attn.out_proj.weight": (w, w),
        f"{prefix}.attn.out_proj.bias": (w,),
        f"{prefix}.ln_1.weight": (w,),
        f"{prefix}.ln_1.bias": (w,),
        f"{prefix}.mlp.c_fc.weight": (4 * w, w),
        f"{prefix}.mlp.c_fc.bias": (4 * w,),
        f"{prefix}.mlp.c_proj.weight": (w, 4 * w),
        f"{prefix}.mlp.c_proj.bias": (w,),
        f"{prefix}.ln_2.weight": (w,),
        f"{prefix}.ln_2.bias": (w,),
    }


def test_parameter_names_and_shapes_are_those_of_the_published_checkpoint() -> None:
    expected = {
        "visual.conv1.weight": (768, 3, 32, 32),
        "visual.class_embedding": (768,),
        "visual.positional_embedding": (145, 768),
        "visual.ln_pre.weight": (768,),
        "visual.ln_pre.bias": (768,),
        "visual.ln_post.weight": (768,),
        "visual.ln_post.bias": (768,),
        "visual.proj": (768, 512),
        "token_embedding.weight": (49408, 512),
        "positional_embedding": (77, 512),
        "ln_final.weight": (512,),
        "ln_final.bias": (512,),
        "text_projection": (512, 512),
        "logit_scale": (),
    }
    for i in range(12):
        expected |= _block(f"visual.transformer.resblocks.{i}", 768)
        expected |= _block(f"transformer.resblocks.{i}", 512)
    with torch.device("meta"):
        model = RuCLIPModel(RuCLIPConfig.from_dict(HUB_B32_384))
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == expected


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_ruclip(tmp_path_factory.mktemp("models") / RUCLIP_MODEL)


@pytest.fixture(scope="module")
def tiny(tiny_folder: Path) -> RuCLIP:
    return RuCLIP.from_pretrained(tiny_folder)


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    """Differently sized and coloured photos, some not square, one greyscale."""
    wide = Image.new("RGB", (120, 60), (200, 30, 30))
    wide.paste((20, 20, 220), (0, 0, 30, 60))
    tall = Image.new("RGB", (50, 140), (30, 160, 60))
    square = Image.new("RGB", (64, 64), (240, 240, 240))
    square.paste((10, 10, 10), (16, 16, 48, 48))
    grey = Image.new("L", (90, 70), 128)
    return [wide, tall, square, grey]


TEXTS = ["Красное платье", "", "Кроссовки мужские кожаные, белые, размер 42, носили один сезон.", "сумка"]


def test_hub_layout_files_are_written(tiny_folder: Path) -> None:
    assert sorted(p.name for p in tiny_folder.iterdir()) == ["bpe.model", "config.json", "pytorch_model.bin"]
    assert set(json.loads((tiny_folder / "config.json").read_text())) >= set(HUB_B32_384)


def test_checkpoint_with_a_missing_or_extra_parameter_is_refused(tiny_folder: Path, tmp_path: Path) -> None:
    state = torch.load(tiny_folder / "pytorch_model.bin", weights_only=True)
    for name, broken in {
        "missing": {k: v for k, v in state.items() if k != "visual.proj"},
        "extra": {**state, "visual.attn_mask": torch.zeros(2, 2)},
    }.items():
        folder = tmp_path / name
        folder.mkdir()
        for f in ("config.json", "bpe.model"):
            (folder / f).write_bytes((tiny_folder / f).read_bytes())
        torch.save(broken, folder / "pytorch_model.bin")
        with pytest.raises(RuntimeError, match="visual"):
            RuCLIP.from_pretrained(folder)


def test_loaded_weights_are_the_files(tiny: RuCLIP, tiny_folder: Path) -> None:
    state = torch.load(tiny_folder / "pytorch_model.bin", weights_only=True)
    loaded = tiny.model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())
    assert tiny.logit_scale == pytest.approx(float(state["logit_scale"].exp()))


def test_image_embeddings_are_unit_vectors(tiny: RuCLIP, photos: list[Image.Image]) -> None:
    embeddings = tiny.encode_images(photos)
    assert embeddings.shape == (len(photos), tiny.embed_dim) == (4, 16)
    assert torch.allclose(embeddings.norm(dim=-1), torch.ones(4), atol=1e-6)
    assert not torch.allclose(embeddings[0], embeddings[1], atol=1e-3)


def test_raw_image_features_are_the_unnormalised_embeddings(tiny: RuCLIP, photos: list[Image.Image]) -> None:
    raw = tiny.encode_images(photos, normalize=False)
    assert not torch.allclose(raw.norm(dim=-1), torch.ones(4), atol=1e-2)
    assert torch.allclose(raw / raw.norm(dim=-1, keepdim=True), tiny.encode_images(photos), atol=1e-6)


def test_text_embeddings_are_unit_vectors(tiny: RuCLIP) -> None:
    embeddings = tiny.encode_texts(TEXTS)
    assert embeddings.shape == (4, 16)
    assert torch.allclose(embeddings.norm(dim=-1), torch.ones(4), atol=1e-6)
    assert not torch.allclose(embeddings[0], embeddings[3], atol=1e-3)


def test_empty_inputs_give_empty_tensors(tiny: RuCLIP) -> None:
    assert tiny.encode_images([]).shape == (0, 16)
    assert tiny.encode_texts([]).shape == (0, 16)


def test_batched_images_equal_one_by_one(tiny: RuCLIP, photos: list[Image.Image]) -> None:
    single = torch.cat([tiny.encode_images([p]) for p in photos])
    assert torch.allclose(tiny.encode_images(photos), single, atol=1e-5)
    assert torch.allclose(tiny.encode_images(photos, batch_size=3), single, atol=1e-5)


def test_batched_texts_equal_one_by_one(tiny: RuCLIP) -> None:
    """Texts of different lengths share a padded batch; the causal encoder must ignore the padding."""
    single = torch.cat([tiny.encode_texts([t]) for t in TEXTS])
    assert torch.allclose(tiny.encode_texts(TEXTS), single, atol=1e-5)
    assert torch.allclose(tiny.encode_texts(TEXTS, batch_size=3), single, atol=1e-5)


def test_long_text_tail_changes_the_embedding(tiny: RuCLIP) -> None:
    """The original would truncate at 75 subwords, so both texts would embed the same; ours differ."""
    head = " ".join(["Продаю красное платье из хлопка, размер 44, почти новое."] * 8)
    texts = [head + " Доставка по городу бесплатно.", head + " Сумка женская из натуральной кожи."]
    truncated = tiny.tokenizer(texts)
    assert torch.equal(truncated[0], truncated[1])
    embeddings = tiny.encode_texts(texts)
    assert torch.allclose(embeddings.norm(dim=-1), torch.ones(2), atol=1e-6)
    assert not torch.allclose(embeddings[0], embeddings[1], atol=1e-4)


def test_save_then_load_gives_identical_embeddings(
    tiny: RuCLIP, photos: list[Image.Image], tmp_path: Path
) -> None:
    reloaded = RuCLIP.from_pretrained(tiny.save_pretrained(tmp_path / "copy"))
    assert torch.equal(reloaded.encode_images(photos), tiny.encode_images(photos))
    assert torch.equal(reloaded.encode_texts(TEXTS), tiny.encode_texts(TEXTS))
    assert reloaded.logit_scale == tiny.logit_scale


def test_square_option_changes_only_non_square_photos(tiny_folder: Path, photos: list[Image.Image]) -> None:
    padded = RuCLIP.from_pretrained(tiny_folder)
    cropped = RuCLIP.from_pretrained(tiny_folder, square="crop")
    pad, crop = padded.encode_images(photos), cropped.encode_images(photos)
    assert not torch.allclose(pad[0], crop[0], atol=1e-4)  # wide: the blue band at the edge is cropped
    assert torch.allclose(pad[2], crop[2], atol=1e-6)  # square


def test_real_photos_are_embedded(tiny: RuCLIP, shared_photos: Path) -> None:
    paths = sorted(shared_photos.rglob("*.jpg"))[:3]
    images = [Image.open(p) for p in paths]
    embeddings = tiny.encode_images([*images, images[0]])
    assert torch.isfinite(embeddings).all()
    assert torch.allclose(embeddings[0], embeddings[3], atol=1e-6)
    assert not torch.allclose(embeddings[0], embeddings[1], atol=1e-4)


def test_loader_returns_none_when_the_model_is_missing(empty_models_settings: Settings) -> None:
    assert load_ruclip(ModelStore(empty_models_settings)) is None


def test_loader_loads_once_per_folder(tmp_path: Path) -> None:
    make_tiny_ruclip(tmp_path / "a" / RUCLIP_MODEL)
    make_tiny_ruclip(tmp_path / "b" / RUCLIP_MODEL, seed=1)
    store = ModelStore(Settings(models_dir=tmp_path / "a", device="cpu"))
    first = load_ruclip(store)
    assert isinstance(first, RuCLIP)
    assert load_ruclip(store) is first
    assert store.loaded() == [(tmp_path.resolve() / "a" / RUCLIP_MODEL, store.loaded()[0][1])]
    other = load_ruclip(ModelStore(Settings(models_dir=tmp_path / "b", device="cpu")))
    assert other is not first and other is not None
    assert not torch.equal(other.encode_texts(["платье"]), first.encode_texts(["платье"]))


def test_config_mean_and_std_drive_preprocessing_and_survive_saving(
    tiny_folder: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "with_mean"
    folder.mkdir()
    for name in ("pytorch_model.bin", "bpe.model"):
        (folder / name).write_bytes((tiny_folder / name).read_bytes())
    config = json.loads((tiny_folder / "config.json").read_text()) | {"mean": [0.5] * 3, "std": [0.25] * 3}
    (folder / "config.json").write_text(json.dumps(config))
    model = RuCLIP.from_pretrained(folder)
    assert (model.preprocess.mean, model.preprocess.std) == ((0.5,) * 3, (0.25,) * 3)
    saved = json.loads((model.save_pretrained(tmp_path / "saved") / "config.json").read_text())
    assert (saved["mean"], saved["std"]) == ([0.5] * 3, [0.25] * 3)
