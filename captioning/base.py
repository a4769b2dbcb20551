"""The interface every caption model kind implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from PIL import Image

from masking.types import MaskedListing

DiversityLabel = Literal["<SINGLE>", "<VARIATIVE>"]


@dataclass
class Generation:
    """A caption model's output: masked text (tokens, not numbers), how many tokens it generated,
    and the mean token probability when the model can tell (None for the template)."""

    text: str
    tokens: int
    confidence: float | None = None


class Captioner(Protocol):
    """A loaded caption model."""

    def generate(
        self, masked: MaskedListing, diversity: DiversityLabel, images: Sequence[Image.Image]
    ) -> Generation:
        """Write the listing description for a masked listing and its photos."""
        ...
