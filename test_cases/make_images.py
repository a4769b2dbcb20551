"""Regenerate every test case's images reproducibly: python test_cases/make_images.py [OUT_DIR].

Photos come from scikit-image's bundled sample data (CC0 / public domain, see NOTICE); drawings are
made here with Pillow. Output is byte-for-byte the same on every run with the pinned Pillow.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps
from skimage import data

CASES_DIR = Path(__file__).resolve().parent
JPEG_QUALITY = 88


def _photo(name: str) -> Image.Image:
    array = getattr(data, name)()
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(array).convert("RGB")


def coffee() -> Image.Image:
    """A cup of coffee on a saucer, on a wooden table."""
    return _photo("coffee")


def coffee_closeup() -> Image.Image:
    """The same cup, closer."""
    return coffee().crop((150, 40, 510, 330)).resize((540, 435), Image.Resampling.LANCZOS)


def coffee_mirrored() -> Image.Image:
    """The same cup from the other side."""
    return ImageOps.mirror(coffee()).rotate(4, resample=Image.Resampling.BICUBIC, fillcolor=(235, 225, 210))


def cat() -> Image.Image:
    """A tabby cat."""
    return _photo("chelsea")


def coins() -> Image.Image:
    """Many similar old coins on a grey background."""
    return _photo("coins")


def rocket() -> Image.Image:
    """A rocket launch."""
    return _photo("rocket")


def _canvas(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    """A background with a vertical gradient, like a wall fading into the floor."""
    width, height = size
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    pixels = (1 - ramp) * np.array(top) + ramp * np.array(bottom)
    return Image.fromarray(np.repeat(pixels, width, axis=1).astype(np.uint8), "RGB")


def _chair(draw: ImageDraw.ImageDraw, x: int, y: int, colour: tuple[int, int, int], scale: float) -> None:
    """A side-on chair whose seat's left edge is at (x, y)."""
    s = scale
    dark = tuple(max(0, c - 60) for c in colour)
    draw.rectangle((x, y - 150 * s, x + 14 * s, y + 95 * s), fill=colour, outline=dark, width=2)  # back
    for rail in (y - 140 * s, y - 100 * s, y - 60 * s):
        draw.rectangle((x, rail, x + 70 * s, rail + 10 * s), fill=colour, outline=dark, width=2)
    draw.rectangle((x, y, x + 95 * s, y + 14 * s), fill=colour, outline=dark, width=2)  # seat
    draw.rectangle((x + 81 * s, y, x + 95 * s, y + 95 * s), fill=colour, outline=dark, width=2)  # front leg
    draw.rectangle((x + 40 * s, y + 60 * s, x + 90 * s, y + 66 * s), fill=dark)  # stretcher


def chairs() -> Image.Image:
    """Four wooden chairs of different colours standing in a row."""
    image = _canvas((800, 450), (236, 232, 224), (196, 184, 168))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 360, 800, 450), fill=(170, 150, 128))
    for index, colour in enumerate(((120, 72, 40), (150, 95, 55), (95, 60, 35), (180, 120, 70))):
        _chair(draw, 60 + index * 185, 255, colour, 1.05)
    return image


def table() -> Image.Image:
    """A wooden dining table."""
    image = _canvas((700, 460), (238, 236, 230), (205, 198, 186))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 700, 460), fill=(176, 160, 140))
    wood, dark = (139, 90, 50), (96, 60, 30)
    draw.polygon([(110, 170), (590, 170), (640, 205), (60, 205)], fill=(160, 108, 62), outline=dark)
    draw.rectangle((60, 205, 640, 228), fill=wood, outline=dark, width=2)
    for left in (85, 170, 515, 590):
        draw.rectangle((left, 228, left + 26, 395), fill=wood, outline=dark, width=2)
    return image


def kids_clothes() -> Image.Image:
    """A flat-lay of different children's clothes: a T-shirt, shorts and a cap."""
    image = _canvas((800, 500), (244, 242, 238), (232, 228, 222))
    draw = ImageDraw.Draw(image)
    shirt = [(70, 120), (150, 80), (190, 100), (250, 100), (290, 80), (370, 120), (340, 190), (300, 170),
             (300, 400), (140, 400), (140, 170), (100, 190)]
    draw.polygon(shirt, fill=(40, 110, 200), outline=(20, 60, 120))
    draw.arc((185, 70, 255, 130), 0, 180, fill=(20, 60, 120), width=4)
    shorts = [(440, 150), (620, 150), (640, 380), (550, 380), (530, 240), (510, 380), (420, 380)]
    draw.polygon(shorts, fill=(90, 120, 60), outline=(50, 70, 30))
    draw.rectangle((440, 150, 620, 175), fill=(70, 95, 45))
    draw.pieslice((640, 250, 780, 390), 180, 360, fill=(210, 40, 40), outline=(130, 20, 20))
    draw.ellipse((690, 305, 800, 335), fill=(180, 30, 30))
    return image


IMAGES: dict[str, Callable[[], Image.Image]] = {
    "cup.jpg": coffee,
    "cup_closeup.jpg": coffee_closeup,
    "cup_other_side.jpg": coffee_mirrored,
    "cat.jpg": cat,
    "coins.jpg": coins,
    "rocket.jpg": rocket,
    "chairs.jpg": chairs,
    "table.jpg": table,
    "kids_clothes.jpg": kids_clothes,
}


def image_names_by_case(cases_dir: Path = CASES_DIR) -> dict[str, list[str]]:
    """Which generated image files each case folder holds (its listing.json's unique image names)."""
    import json

    found = {}
    for listing in sorted(cases_dir.glob("*/listing.json")):
        names = json.loads(listing.read_text(encoding="utf-8")).get("images", [])
        found[listing.parent.name] = [n for n in dict.fromkeys(names) if n in IMAGES]
    return found


def make_images(out_dir: Path = CASES_DIR, cases_dir: Path = CASES_DIR) -> list[Path]:
    """Write every case's images into out_dir/<case>/; returns the written paths."""
    written = []
    for case, names in image_names_by_case(cases_dir).items():
        for name in names:
            path = out_dir / case / name
            path.parent.mkdir(parents=True, exist_ok=True)
            IMAGES[name]().save(path, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else CASES_DIR
    for written_path in make_images(target):
        print(written_path)
