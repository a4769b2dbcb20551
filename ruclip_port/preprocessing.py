"""ruCLIP image preprocessing with Pillow and torch only.

Two ways to make a photo square (`ImagePreprocessor.mode`):
- "pad" (the default, for product photos): scale the photo so its longer side is `image_size`, then
  centre it on a square of `pad_fill` (white: marketplace photos mostly have light backgrounds), so
  an item at the edge of a tall or wide photo is not cut off.
- "crop": the original ruCLIP transform (`RandomResizedCrop(size, scale=(1, 1), ratio=(1, 1))`,
  which for a non-square photo falls back to a centre square crop of the shorter side), then
  bilinear resize to `image_size`.

Both then scale to [0, 1] and normalise with the model's mean/std. EXIF rotation is applied first and
transparent areas are laid over white (the original's `convert("RGB")` would turn them black).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from PIL import Image

from core.placement import in_threads
from photos import model_copy, upright_rgb

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
SquareMode = Literal["pad", "crop"]
WHITE = (255, 255, 255)


def pad_square(image: Image.Image, size: int, fill: tuple[int, int, int] = WHITE) -> Image.Image:
    """Resize so the longer side is `size` (bilinear) and centre it on a `size`×`size` canvas."""
    width, height = image.size
    scale = size / max(width, height)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = image.resize((new_w, new_h), Image.Resampling.BILINEAR)
    canvas = Image.new("RGB", (size, size), fill)
    canvas.paste(resized, ((size - new_w) // 2, (size - new_h) // 2))
    return canvas


def crop_square(image: Image.Image, size: int) -> Image.Image:
    """Centre square crop of the shorter side, resized to `size` (bilinear): the original transform."""
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    return square.resize((size, size), Image.Resampling.BILINEAR)


@dataclass(frozen=True)
class ImagePreprocessor:
    """Turns PIL photos into the normalised (n, 3, size, size) float tensor ruCLIP's ViT expects."""

    image_size: int
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD
    mode: SquareMode = "pad"
    pad_fill: tuple[int, int, int] = WHITE

    def square(self, image: Image.Image) -> Image.Image:
        """The photo as an RGB `image_size` square, by padding or centre-cropping (see `mode`), resized from
        the photo's shared copy at model scale where that copy is large enough (padding reads its longer
        side, cropping its shorter one), else from the photo itself."""
        rgb = model_copy(image)
        side = max(rgb.size) if self.mode == "pad" else min(rgb.size)
        if side < self.image_size and max(rgb.size) < max(image.size):
            rgb = upright_rgb(image)
        if self.mode == "pad":
            return pad_square(rgb, self.image_size, self.pad_fill)
        if self.mode == "crop":
            return crop_square(rgb, self.image_size)
        raise ValueError(f"неизвестный способ сделать фото квадратным: {self.mode!r} (есть pad, crop)")

    def pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """The squared photos as one uint8 tensor, shape (len(images), 3, image_size, image_size): a
        quarter of the bytes of float32 to move to a GPU. The photos are squared a few at a time."""
        size = self.image_size
        batch = np.empty((len(images), size, size, 3), dtype=np.uint8)

        def place(index: int) -> None:
            batch[index] = np.asarray(self.square(images[index]))

        in_threads(place, range(len(images)))
        return torch.from_numpy(batch).permute(0, 3, 1, 2)

    def normalise(self, pixels: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """uint8 pixels from `pixels` → [0, 1] → normalised with mean/std, on their device, in `dtype`.

        One photo at a time through a float32 buffer, scaled and shifted in place: the batch's only new
        memory is the result (fresh pages cost more than the arithmetic on a CPU).
        """
        mean = torch.tensor(self.mean, device=pixels.device).view(3, 1, 1)
        std = torch.tensor(self.std, device=pixels.device).view(3, 1, 1)
        scale, shift = 1.0 / (255.0 * std), -mean / std
        normalised = torch.empty(pixels.shape, dtype=dtype, device=pixels.device)
        buffer = torch.empty(pixels.shape[1:], dtype=torch.float32, device=pixels.device)
        for photo, row in zip(pixels, normalised, strict=True):
            row.copy_(buffer.copy_(photo).mul_(scale).add_(shift))
        return normalised

    def __call__(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Normalised pixel tensor, shape (len(images), 3, image_size, image_size), float32."""
        return self.normalise(self.pixels(images))
