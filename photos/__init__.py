"""Building block: what plain pixel statistics tell about photos (colour, quality hints, duplicates)
and the one upright-RGB normalisation every stage applies to a decoded photo."""

from photos.facts import COLOURS, dominant_colour, is_colour_word, item_colour, name_pixels, quality_hints
from photos.upright import decode_upright, shrink_rgb, to_rgb, upright_rgb

__all__ = [
    "COLOURS", "decode_upright", "dominant_colour", "is_colour_word", "item_colour", "name_pixels",
    "quality_hints", "shrink_rgb", "to_rgb", "upright_rgb",
]  # fmt: skip
