"""One normalisation of a photo for every stage: decoded once, shrunk early, upright by its EXIF
orientation, in RGB.

`decode_upright` is how a photo file becomes pixels anywhere in the project (validation, training
data): the decoded photo is shrunk to about the largest side any stage needs before anything else
copies it, so a 40-megapixel upload costs one decode, not a chain of full-size conversions.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

ORIENTATION = 0x0112  # the EXIF tag
# EXIF orientation → the transpose that shows the photo upright (as ImageOps.exif_transpose does)
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_STRIP_PIXELS = 1 << 21  # pixels converted at a time while shrinking (≈ 8 MB in RGBA)


def upright_rgb(image: Image.Image) -> Image.Image:
    """The photo turned upright by its EXIF orientation, in RGB (see to_rgb)."""
    return to_rgb(ImageOps.exif_transpose(image))


def decode_upright(image: Image.Image, side: int) -> tuple[Image.Image, tuple[int, int]]:
    """Decode an opened photo (its first frame) into an upright RGB copy whose longer side is at least
    `side` and shorter side at least half of it, but as small as whole-factor scaling allows (a photo
    smaller than that as it is); also return the photo's own (width, height), upright.

    A JPEG decodes straight at a reduced scale (`draft`: 1/2, 1/4 or 1/8, the smallest that keeps both
    sides): a 4000×3000 phone photo decodes at 500×375 for a side of 448, in about three quarters of
    the time of a half-scale decode and with nothing left to reduce; any other photo is decoded in its
    own mode and converted and box-reduced strip by strip, so no full-size converted copy ever exists.
    Decoding errors propagate as Pillow raises them (OSError and the like).
    """
    image.seek(0)  # an animated GIF: the first frame
    width, height = image.size
    short = max(1, side // 2)
    image.draft("RGB", (side, short) if width >= height else (short, side))  # JPEG only
    image.load()
    orientation = image.getexif().get(ORIENTATION, 1)
    small = shrink_rgb(image, side)
    upright = _UPRIGHT.get(orientation)
    if upright is None:
        return small, (width, height)
    sideways = orientation in (5, 6, 7, 8)  # turned by a quarter
    return small.transpose(upright), (height, width) if sideways else (width, height)


def shrink_rgb(image: Image.Image, side: int) -> Image.Image:
    """An RGB copy reduced by the largest whole factor that keeps the longer side at least `side` and the
    shorter at least half of it (box filter: every output pixel averages the pixels it covers),
    converted strip by strip."""
    width, height = image.size
    factor = reduction_factor(image.size, side, side // 2)
    peak = _peak(image)
    if factor == 1:
        return to_rgb(image, peak)
    rows = factor * max(1, _STRIP_PIXELS // (width * factor))
    shrunk = Image.new("RGB", (-(-width // factor), -(-height // factor)))
    for top in range(0, height, rows):
        strip = to_rgb(image.crop((0, top, width, min(top + rows, height))), peak)
        shrunk.paste(strip.reduce(factor), (0, top // factor))
    return shrunk


def reduction_factor(size: tuple[int, int], longer: int, shorter: int) -> int:
    """The largest whole factor that keeps the longer side of `size` at least `longer` and its shorter
    side at least `shorter` (1: no reduction)."""
    return max(1, min(max(size) // longer, min(size) // max(1, shorter)))


def _peak(image: Image.Image) -> float | None:
    """The value that maps to white for 32-bit integer and float photos (their largest), else None."""
    if image.mode not in ("I", "F"):
        return None
    return max(float(image.getextrema()[1]), 1.0)  # type: ignore[index]


def to_rgb(image: Image.Image, peak: float | None = None) -> Image.Image:
    """Convert any Pillow mode to RGB: transparency over white, 16-bit and float scaled to 8 bits.

    `peak` is the value that becomes white for "I" and "F" photos (default: this image's largest), so
    strips of one photo scale alike.
    """
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        if image.mode.startswith("I;16"):
            high = 65535.0
        else:
            high = peak if peak is not None else max(float(array.max()), 1.0)
        scaled = np.clip(array / high * 255.0, 0, 255).astype(np.uint8)
        return Image.fromarray(scaled, "L").convert("RGB")
    if not image.has_transparency_data:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")
