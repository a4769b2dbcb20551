"""Facts read from photos without neural weights: the item's dominant colour, and quality hints.

Colour: the photo is shrunk to a few thousand pixels, each pixel is named with one of the Russian basic
colour words (in CIE Lab), the background is discounted (colours that cover much of the photo's border
ring, a centre-weighted prior), and the dominant name of what remains is returned with a confidence;
below the confidence threshold the estimate abstains (name None).

Quality hints: per photo, Russian notes for the seller — too dark, blurry (variance of the Laplacian),
small resolution, near-duplicate of another photo (perceptual hash).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image

from core.placement import in_threads
from photos.shared import model_copy

COLOURS = (
    "чёрный", "белый", "серый", "бежевый", "коричневый", "красный", "розовый", "оранжевый", "жёлтый",
    "зелёный", "голубой", "синий", "фиолетовый",
)
MULTI = "разноцветный"
# Colour words sellers use besides the basic names (dictionary forms, "ё" as "е"): a text that holds one
# (or a compound like "темно-синий") names its item's colour.
SHADES = (
    "бордовый", "хаки", "бирюзовый", "салатовый", "золотой", "золотистый", "серебристый", "серебряный",
    "коралловый", "мятный", "сиреневый", "лиловый", "малиновый", "молочный", "кремовый", "графитовый",
    "горчичный", "оливковый", "персиковый", "песочный", "терракотовый", "лимонный", "пудровый",
    "изумрудный", "вишневый", "шоколадный", "бронзовый", "медный", "камуфляжный", "пестрый", "цветной",
    "белоснежный",
)  # fmt: skip
# Pairs of names that are shades of one another: two of them together do not make an item multicoloured.
_NEIGHBOURS = frozenset(
    frozenset(p)
    for p in (
        ("белый", "серый"), ("серый", "чёрный"), ("синий", "голубой"), ("бежевый", "белый"),
        ("бежевый", "коричневый"), ("красный", "розовый"), ("красный", "оранжевый"),
        ("коричневый", "оранжевый"), ("синий", "фиолетовый"), ("синий", "чёрный"), ("бежевый", "серый"),
        ("коричневый", "чёрный"), ("серый", "голубой"), ("розовый", "фиолетовый"),
    )
)


_COLOUR_WORDS = frozenset(c.replace("ё", "е") for c in (*COLOURS, MULTI, *SHADES))


def is_colour_word(lemma: str) -> bool:
    """Whether a dictionary form names a colour ("синий", "темно-синий", "бордовый")."""
    base = lemma.lower().replace("ё", "е")
    return base in _COLOUR_WORDS or any(base.endswith("-" + name) for name in _COLOUR_WORDS)


@dataclass(frozen=True)
class ColourThresholds:
    """Every tunable number of the colour heuristic in one place."""

    work_side: int = 64  # the photo is shrunk so its longer side is this many pixels
    border: float = 0.08  # width of the border ring, as a share of each side
    background_share: float = 0.08  # a colour bin covering this share of the ring counts as background
    centre_sigma: float = 0.35  # centre weighting (Gaussian), as a share of each side
    min_item_share: float = 0.08  # below this share of non-background weight, fall back to the centre
    accept: float = 0.55  # the dominant name's share needed to name one colour
    multi_pair: float = 0.75  # two distinct names covering this much (each ≥ multi_second) → разноцветный
    multi_second: float = 0.25
    min_confidence: float = 0.5


@dataclass(frozen=True)
class QualityThresholds:
    """Limits below (or above) which a photo earns a hint."""

    dark_mean: float = 45.0  # mean luminance, 0–255
    blur_variance: float = 25.0  # variance of the Laplacian on the photo shrunk to `blur_side`
    blur_side: int = 400
    min_pixels: int = 120_000  # about 400×300
    duplicate_distance: int = 6  # perceptual-hash Hamming distance


@dataclass(frozen=True)
class ColourEstimate:
    """The item's colour in Russian (masculine nominative) and a confidence in [0, 1]; None = abstained."""

    name_ru: str | None
    confidence: float


def _to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0–255, shape (..., 3)) to CIE Lab, D65."""
    c = rgb.astype(np.float32) / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    m = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]], dtype=np.float32
    )
    xyz = c @ m.T / np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    lightness = 116.0 * f[..., 1] - 16.0
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


def name_pixels(lab: np.ndarray) -> np.ndarray:
    """Index into COLOURS for every Lab pixel (first matching rule wins)."""
    lightness, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    chroma = np.hypot(a, b)
    hue = (np.degrees(np.arctan2(b, a)) + 360.0) % 360.0
    grey = chroma < 7
    reddish = (hue >= 330) | (hue < 40)
    magenta = (hue >= 330) | (hue < 12)  # pink sits on the blue side of red
    warm = (hue >= 40) & (hue < 75)
    yellowish = (hue >= 75) & (hue < 105)
    rules = [
        ("чёрный", (lightness < 12) | ((lightness < 22) & (chroma < 12))),
        ("белый", grey & (lightness >= 64)),
        ("серый", grey),
        ("синий", (hue >= 230) & (hue < 312) & ((lightness < 55) | (chroma >= 35))),
        ("голубой", (hue >= 180) & (hue < 312) & (lightness >= 45)),
        ("синий", (hue >= 180) & (hue < 312)),
        ("розовый", (hue >= 312) & (hue < 345) & (lightness > 55)),
        ("фиолетовый", (hue >= 312) & (hue < 335)),
        ("розовый", magenta & (lightness >= 30)),
        ("розовый", reddish & (lightness > 62) & (chroma < 40)),
        ("красный", reddish & ((chroma >= 20) | magenta | (hue < 25))),
        ("коричневый", (reddish | warm) & (lightness < 50)),
        ("белый", (warm | yellowish) & (chroma < 12) & (lightness >= 70)),
        ("бежевый", (warm | yellowish) & (chroma < 30) & (lightness >= 55)),
        ("оранжевый", warm & (chroma >= 40)),
        ("коричневый", warm | reddish),
        ("жёлтый", yellowish & (chroma >= 35)),
        ("зелёный", (hue >= 75) & (hue < 180) & (chroma >= 8)),
    ]
    out = np.full(lightness.shape, COLOURS.index("серый"), dtype=np.int8)
    taken = np.zeros(lightness.shape, dtype=bool)
    for name, mask in rules:
        mask = mask & ~taken
        out[mask] = COLOURS.index(name)
        taken |= mask
    return out


def _shrink(image: Image.Image, side: int) -> np.ndarray:
    """Nearest-neighbour thumbnail, longest side `side`, as an RGB array (resized before converting,
    so a large photo is never copied whole)."""
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return np.asarray(image.resize(size, Image.Resampling.NEAREST).convert("RGB"))


_BIN_SHAPE = (9, 13, 13)
_BIN_COUNT = 9 * 13 * 13


def _bins(lab: np.ndarray) -> np.ndarray:
    """Coarse Lab bins, used to recognise background colours regardless of their name."""
    lq = np.clip(lab[..., 0] // 12, 0, 8).astype(np.int32)
    aq = np.clip((lab[..., 1] + 64) // 10, 0, 12).astype(np.int32)
    bq = np.clip((lab[..., 2] + 64) // 10, 0, 12).astype(np.int32)
    return (lq * 13 + aq) * 13 + bq


def _weights(lab: np.ndarray, t: ColourThresholds) -> np.ndarray:
    """Centre-weighted prior with background bins (those common on the border ring) removed."""
    h, w = lab.shape[:2]
    ys = (np.arange(h) - (h - 1) / 2) / (h * t.centre_sigma)
    xs = (np.arange(w) - (w - 1) / 2) / (w * t.centre_sigma)
    centre = np.exp(-0.5 * (ys[:, None] ** 2 + xs[None, :] ** 2))
    bins = _bins(lab)
    by, bx = max(1, round(h * t.border)), max(1, round(w * t.border))
    ring = np.ones((h, w), dtype=bool)
    ring[by:-by, bx:-bx] = False
    share = np.bincount(bins[ring], minlength=_BIN_COUNT) / max(1, int(ring.sum()))
    grid = (share >= t.background_share).reshape(_BIN_SHAPE)
    padded = np.pad(grid, 1)
    near = np.zeros_like(grid)
    for dl, da, db in np.ndindex(3, 3, 3):  # a background bin and its neighbours (shading, texture)
        near |= padded[dl : dl + grid.shape[0], da : da + grid.shape[1], db : db + grid.shape[2]]
    background = near.reshape(-1)[bins]
    item = centre * ~background
    if item.sum() < t.min_item_share * centre.sum():
        return centre * 0.5
    return item


def dominant_colour(image: Image.Image, thresholds: ColourThresholds | None = None) -> ColourEstimate:
    """The item's dominant colour name, or name None (abstained) when the photo does not say clearly."""
    t = thresholds or ColourThresholds()
    lab = _to_lab(_shrink(image, t.work_side))
    weights = _weights(lab, t)
    total = float(weights.sum())
    if total <= 0:
        return ColourEstimate(None, 0.0)
    votes = np.bincount(name_pixels(lab).ravel(), weights=weights.ravel(), minlength=len(COLOURS)) / total
    order = np.argsort(votes)[::-1]
    first, second = COLOURS[order[0]], COLOURS[order[1]]
    s1, s2 = float(votes[order[0]]), float(votes[order[1]])
    if s1 >= t.accept:
        return _estimate(first, s1, t)
    distinct = frozenset((first, second)) not in _NEIGHBOURS
    if distinct and s2 >= t.multi_second and s1 + s2 >= t.multi_pair:
        return _estimate(MULTI, s1 + s2 - 0.2, t)
    return _estimate(first, s1, t)


def _estimate(name: str, confidence: float, t: ColourThresholds) -> ColourEstimate:
    confidence = float(min(1.0, max(0.0, confidence)))
    return ColourEstimate(name if confidence >= t.min_confidence else None, confidence)


def item_colour(images: Sequence[Image.Image], max_photos: int = 3) -> ColourEstimate:
    """One colour for a listing's item: every photo looked at must name the same colour, else abstain
    (one photo that abstains or disagrees may show another item, so the colour is not stated)."""
    estimates = [dominant_colour(image) for image in list(images)[:max_photos]]
    named = [e for e in estimates if e.name_ru is not None]
    if not named or len(named) < len(estimates) or len({e.name_ru for e in named}) > 1:
        return ColourEstimate(None, max((e.confidence for e in estimates), default=0.0))
    return ColourEstimate(named[0].name_ru, min(e.confidence for e in named))


def _laplacian_variance(gray: np.ndarray) -> float:
    g = gray.astype(np.float32)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4.0 * g[1:-1, 1:-1]
    return float(lap.var())


def _grey_thumbnail(image: Image.Image, side: int) -> Image.Image:
    """The photo in grey, shrunk to fit `side` (as it is when smaller), from its shared copy at model
    scale (which every model's input is made from next, so it is made once either way)."""
    grey = model_copy(image).convert("L")
    if max(grey.size) > side:
        grey.thumbnail((side, side), Image.Resampling.BILINEAR)
    return grey


def _grey_quality(grey: Image.Image, size: tuple[int, int], t: QualityThresholds) -> list[str]:
    """Russian hints about one photo on its own (darkness, blur, size) from its grey thumbnail; `size`
    is the uploaded photo's."""
    hints: list[str] = []
    width, height = size
    if width * height < t.min_pixels:
        hints.append(f"маленькое разрешение ({width}×{height}), покупатель не разглядит детали")
    gray = np.asarray(grey)
    mean = float(gray.mean())
    if mean < t.dark_mean:
        hints.append("фото слишком тёмное")
    if _laplacian_variance(gray) < t.blur_variance:
        hints.append("фото размыто")
    return hints


def quality_hints(
    images: Sequence[Image.Image],
    thresholds: QualityThresholds | None = None,
    sizes: Sequence[tuple[int, int] | None] | None = None,
) -> list[list[str]]:
    """Per photo, in order, Russian hints for the seller; a near-duplicate names the earlier photo.
    `sizes` are the uploaded photos' sizes when `images` are shrunk copies."""
    t = thresholds or QualityThresholds()
    uploaded = [size or image.size for image, size in zip(images, sizes or [None] * len(images), strict=True)]

    def measure(index: int) -> tuple[list[str], imagehash.ImageHash]:
        grey = _grey_thumbnail(images[index], t.blur_side)  # one shrink for both measures
        return _grey_quality(grey, uploaded[index], t), imagehash.phash(grey)

    measured = in_threads(measure, range(len(images)))  # a few photos at a time
    hints = [photo_hints for photo_hints, _ in measured]
    hashes = [photo_hash for _, photo_hash in measured]
    for j in range(len(images)):
        for i in range(j):
            if hashes[j] - hashes[i] <= t.duplicate_distance:
                hints[j].append(f"почти повторяет фото {i + 1}")
                break
    return hints
