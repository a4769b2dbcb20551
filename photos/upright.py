"""One normalisation of a decoded photo for every stage: upright by its EXIF orientation, in RGB."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps


def upright_rgb(image: Image.Image) -> Image.Image:
    """The photo turned upright by its EXIF orientation, in RGB (see to_rgb)."""
    return to_rgb(ImageOps.exif_transpose(image))


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to RGB: transparency over white, 16-bit and float scaled to 8 bits."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        high = 65535.0 if image.mode.startswith("I;16") else max(float(array.max()), 1.0)
        scaled = np.clip(array / high * 255.0, 0, 255).astype(np.uint8)
        return Image.fromarray(scaled, "L").convert("RGB")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
