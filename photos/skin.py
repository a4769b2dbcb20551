"""How much of a photo region is skin-coloured: evidence a detector's "exposed body part" box needs.

Pixels are judged in YCbCr (ITU-R BT.601, as Pillow converts), where brightness (Y) is separate from
chroma (Cb, Cr): skin of every tone, from the palest to the darkest, sits in one small warm wedge of the
CbCr plane (more red and less blue than neutral, in a narrow band of hue) and differs mainly in Y. The
region below is the classic Chai & Ngan box widened towards neutral, so that the palest and darkest
tones of the Monk Skin Tone scale (MST 1 #f6ede4, MST 10 #292420) still count, and cut to the skin hue
wedge, so that black, grey, white, blue, green, olive, burgundy and pink fabrics do not.
tests/test_photo_skin.py checks all ten MST tones and those fabric colours. Beige, tan and camel are
skin-coloured and count: colour is evidence, not proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class SkinRegion:
    """The skin region of the YCbCr cube (0–255 each)."""

    min_luma: int = 20  # below this, chroma is noise
    min_cr: int = 130  # at least a little red
    max_cr: int = 180
    min_cb: int = 70
    max_cb: int = 126  # at least a little less blue than neutral
    min_warmth: int = 4  # Cr − Cb: skin is warm, neutral greys have 0
    # hue wedge: (Cr − 128) / (128 − Cb) between these, about 105°–165° in the CbCr plane
    min_slope: float = 0.27
    max_slope: float = 3.7
    work_side: int = 48  # a box is shrunk to at most this many pixels a side before judging


def skin_mask(ycbcr: np.ndarray, region: SkinRegion = SkinRegion()) -> np.ndarray:
    """Boolean mask of the skin-coloured pixels of an (..., 3) YCbCr array."""
    y, cb, cr = (ycbcr[..., i].astype(np.int16) for i in range(3))
    return (
        (y >= region.min_luma)
        & (cr >= region.min_cr)
        & (cr <= region.max_cr)
        & (cb >= region.min_cb)
        & (cb <= region.max_cb)
        & (cr - cb >= region.min_warmth)
        & (cr - 128 >= region.min_slope * (128 - cb))
        & (cr - 128 <= region.max_slope * (128 - cb))
    )


def skin_share(image: Image.Image, box: Sequence[int], region: SkinRegion = SkinRegion()) -> float:
    """The share of skin-coloured pixels inside an (x, y, width, height) box of an RGB image."""
    x, y, width, height = (int(v) for v in box)
    crop = image.crop((x, y, x + max(width, 1), y + max(height, 1)))
    crop.thumbnail((region.work_side, region.work_side), Image.Resampling.BILINEAR)
    return float(skin_mask(np.asarray(crop.convert("YCbCr")), region).mean())
