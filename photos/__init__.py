"""Building block: what plain pixel statistics tell about photos (colour, quality hints, duplicates),
the one upright-RGB normalisation every stage applies to a decoded photo, and what the stages share
about a photo (its copy at model scale, a per-photo memo)."""

from photos.facts import COLOURS, dominant_colour, is_colour_word, item_colour, name_pixels, quality_hints
from photos.shared import MODEL_SHORT_SIDE, MODEL_SIDE, PhotoMemo, model_copy
from photos.upright import decode_upright, shrink_rgb, to_rgb, upright_rgb

__all__ = [
    "COLOURS", "MODEL_SHORT_SIDE", "MODEL_SIDE", "PhotoMemo", "decode_upright", "dominant_colour",
    "is_colour_word", "item_colour", "model_copy", "name_pixels", "quality_hints", "shrink_rgb", "to_rgb",
    "upright_rgb",
]  # fmt: skip
