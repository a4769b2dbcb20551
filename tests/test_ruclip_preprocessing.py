"""ruCLIP image preprocessing: pad (default) vs the original centre crop, colour handling, normalisation."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from photos import upright_rgb
from ruclip_port.preprocessing import CLIP_MEAN, CLIP_STD, ImagePreprocessor

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def _wide_photo_with_item_at_the_edge() -> Image.Image:
    """200×100 blue photo whose left 20 px (an item at the edge) are red."""
    image = Image.new("RGB", (200, 100), BLUE)
    image.paste(RED, (0, 0, 20, 100))
    return image


def _pixels(pre: ImagePreprocessor, image: Image.Image) -> torch.Tensor:
    """The preprocessed image back in 0..255 RGB, (size, size, 3)."""
    x = pre([image])[0]
    mean, std = torch.tensor(pre.mean).view(3, 1, 1), torch.tensor(pre.std).view(3, 1, 1)
    return ((x * std + mean) * 255).round().permute(1, 2, 0)


def _has_colour(pixels: torch.Tensor, colour: tuple[int, int, int]) -> bool:
    return bool((pixels - torch.tensor(colour, dtype=pixels.dtype)).abs().amax(dim=-1).le(2).any())


def test_pad_keeps_the_item_at_the_edge_and_fills_with_white() -> None:
    pixels = _pixels(ImagePreprocessor(64, mode="pad"), _wide_photo_with_item_at_the_edge())
    assert _has_colour(pixels, RED)
    # 200×100 → 64×32 centred: rows 0..15 and 48..63 are padding.
    assert (pixels[:16] == 255).all() and (pixels[48:] == 255).all()
    assert not (pixels[16] == 255).all() and not (pixels[47] == 255).all()
    assert _has_colour(pixels[20:44], BLUE)


def test_crop_is_the_original_centre_square_and_cuts_the_edge_off() -> None:
    pixels = _pixels(ImagePreprocessor(64, mode="crop"), _wide_photo_with_item_at_the_edge())
    assert not _has_colour(pixels, RED)
    assert not _has_colour(pixels, WHITE)
    assert (pixels == torch.tensor(BLUE, dtype=pixels.dtype)).all()


def test_pad_is_the_default() -> None:
    assert ImagePreprocessor(32).mode == "pad"


@pytest.mark.parametrize("mode", ["pad", "crop"])
def test_square_photo_is_just_resized_in_both_modes(mode: str) -> None:
    image = Image.new("RGB", (90, 90), BLUE)
    image.paste(RED, (0, 0, 45, 90))
    expected = torch.from_numpy(np.array(image.resize((30, 30), Image.Resampling.BILINEAR))).float()
    assert torch.equal(_pixels(ImagePreprocessor(30, mode=mode), image), expected)


@pytest.mark.parametrize("mode", ["pad", "crop"])
def test_output_shape_and_normalisation(mode: str) -> None:
    pre = ImagePreprocessor(48, mode=mode)
    batch = pre([Image.new("RGB", (300, 120), WHITE), Image.new("L", (50, 80), 0)])
    assert batch.shape == (2, 3, 48, 48) and batch.dtype == torch.float32
    white = torch.tensor([(1 - m) / s for m, s in zip(CLIP_MEAN, CLIP_STD, strict=True)])
    black = torch.tensor([-m / s for m, s in zip(CLIP_MEAN, CLIP_STD, strict=True)])
    assert torch.allclose(batch[0, :, 24, 24], white, atol=1e-6)
    assert torch.allclose(batch[1, :, 24, 24], black, atol=1e-6)


def test_every_photo_keeps_its_place_and_a_narrower_dtype_is_the_float32_result_rounded() -> None:
    colours = [(10 * i, 255 - 20 * i, 7 * i) for i in range(7)]
    pre = ImagePreprocessor(16)
    pixels = pre.pixels([Image.new("RGB", (40, 30 + i), colour) for i, colour in enumerate(colours)])
    assert pixels.dtype == torch.uint8
    assert [tuple(pixels[i, :, 8, 8].tolist()) for i in range(7)] == colours
    full = pre.normalise(pixels)
    mean, std = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1), torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    assert torch.allclose(full, (pixels.float() / 255 - mean) / std, atol=1e-6)
    assert torch.equal(pre.normalise(pixels, torch.bfloat16), full.to(torch.bfloat16))


def test_model_mean_and_std_are_used() -> None:
    pre = ImagePreprocessor(8, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    assert torch.allclose(pre([Image.new("RGB", (8, 8), WHITE)]), torch.ones(1, 3, 8, 8))


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="pad, crop"):
        ImagePreprocessor(8, mode="stretch")([Image.new("RGB", (8, 8))])  # type: ignore[arg-type]


def test_transparency_becomes_white_not_black() -> None:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 5, 10))
    rgb = upright_rgb(image)
    assert rgb.mode == "RGB"
    assert rgb.getpixel((8, 5)) == WHITE and rgb.getpixel((2, 5)) == RED


def test_exif_rotation_is_applied() -> None:
    image = Image.new("RGB", (40, 20), BLUE)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise when shown
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    buffer.seek(0)
    assert upright_rgb(Image.open(buffer)).size == (20, 40)
