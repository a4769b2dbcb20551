"""Skin-colour evidence: every tone of the Monk Skin Tone scale counts, common fabric colours do not."""

from __future__ import annotations

import pytest
from PIL import Image

from photos.skin import skin_share

# Monk Skin Tone scale, MST 1 (palest) to MST 10 (darkest), as published by its author (Ellis Monk, 2019).
MONK_SKIN_TONES = (
    "f6ede4", "f3e7db", "f7ead0", "eadaba", "d7bd96", "a07e56", "825c43", "604134", "3a312a", "292420"
)  # fmt: skip
NOT_SKIN = {
    "black": (15, 15, 17), "charcoal": (50, 50, 55), "grey": (128, 128, 128), "white": (245, 245, 245),
    "navy": (30, 40, 80), "denim": (70, 90, 130), "green": (40, 100, 50), "pink": (230, 170, 200),
    "light pink": (245, 205, 215), "violet": (150, 80, 160), "red": (200, 30, 40), "burgundy": (110, 20, 40),
    "olive": (110, 110, 60), "mustard": (200, 160, 40),
}  # fmt: skip


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[0:2], 16), int(hex_colour[2:4], 16), int(hex_colour[4:6], 16)


@pytest.mark.parametrize("tone", MONK_SKIN_TONES)
def test_every_skin_tone_counts_as_skin(tone: str) -> None:
    assert skin_share(Image.new("RGB", (20, 20), _rgb(tone)), (0, 0, 20, 20)) == 1.0


@pytest.mark.parametrize("name", sorted(NOT_SKIN))
def test_fabric_colours_are_not_skin(name: str) -> None:
    assert skin_share(Image.new("RGB", (20, 20), NOT_SKIN[name]), (0, 0, 20, 20)) == 0.0


def test_share_counts_only_the_box() -> None:
    image = Image.new("RGB", (200, 100), NOT_SKIN["black"])
    image.paste(_rgb(MONK_SKIN_TONES[7]), (0, 0, 100, 100))
    assert skin_share(image, (0, 0, 100, 100)) == 1.0
    assert skin_share(image, (50, 0, 100, 100)) == pytest.approx(0.5, abs=0.05)
    assert skin_share(image, (100, 0, 100, 100)) == 0.0
