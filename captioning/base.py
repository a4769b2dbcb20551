"""The interface every caption model kind implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from core.listing import DiversityLabel
from masking.types import MaskedListing

# The longer side a multi-image model reads a photo at unless its manifest's `max_image_side` says
# otherwise: one photo ≤ 256 Qwen2-VL tokens; at 1344 one photo cost 2× ten (bench_neural).
MAX_IMAGE_SIDE = 448
# Mean token probability under which a text is likely to hold hallucinations (a published captioning
# study's threshold); the seller is warned, the text is not hidden.
LOW_CONFIDENCE = 0.64


@dataclass
class Generation:
    """A caption model's output: masked text (tokens, not numbers), how many tokens it generated,
    the mean token probability when the model can tell (None for the template), and Russian notes for
    the seller: `warnings` — what keeps the text from being usable (nothing names the item);
    `suggestions` — what the seller may add or check (a colour seen on the photos)."""

    text: str
    tokens: int
    confidence: float | None = None
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)


class Captioner(Protocol):
    """A loaded caption model."""

    def generate(
        self, masked: MaskedListing, diversity: DiversityLabel, images: Sequence[Image.Image]
    ) -> Generation:
        """Write the listing description for a masked listing and its photos."""
        ...


def low_confidence_warning(confidence: float | None, threshold: float = LOW_CONFIDENCE) -> str | None:
    """A Russian warning for the seller when the model was unsure of its text; None when it was sure."""
    if confidence is None or confidence >= threshold:
        return None
    return (
        f"Модель не уверена в тексте (средняя вероятность слов {confidence:.2f} < {threshold:.2f}): "
        "проверьте, нет ли в описании того, чего нет на фото и в характеристиках"
    )
