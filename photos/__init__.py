"""Building block: what plain pixel statistics tell about photos (colour, quality hints, duplicates)
and the one upright-RGB normalisation every stage applies to a decoded photo."""

from photos.facts import COLOURS, dominant_colour, is_colour_word, item_colour, name_pixels, quality_hints
from photos.upright import to_rgb, upright_rgb

__all__ = [
    "COLOURS", "dominant_colour", "is_colour_word", "item_colour", "name_pixels", "quality_hints", "to_rgb",
    "upright_rgb",
]  # fmt: skip
