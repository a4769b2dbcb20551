"""Per-request ruCLIP embeddings, shared by moderation, diversity and scoring.

Each photo is encoded at most once per request; texts are cached by their string.
When ruCLIP is not downloaded, `available` is False and every method returns None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from PIL import Image

if TYPE_CHECKING:
    from ruclip_port.ruclip import RuCLIP


class PhotoEmbeddings:
    """Lazy, cached ruCLIP embeddings of one request's photos and of any texts it needs."""

    def __init__(self, model: RuCLIP | None, images: Sequence[Image.Image]) -> None:
        self.model = model
        self._images = list(images)
        self._image_embeddings: torch.Tensor | None = None
        self._text_cache: dict[str, torch.Tensor] = {}
        self.image_encode_calls = 0

    @property
    def available(self) -> bool:
        """Whether a ruCLIP model is loaded."""
        return self.model is not None

    @property
    def count(self) -> int:
        """Number of photos in the request."""
        return len(self._images)

    def images(self) -> torch.Tensor | None:
        """Unit-normalised photo embeddings, shape (n_photos, dim); encoded on first use only."""
        if self.model is None or not self._images:
            return None
        if self._image_embeddings is None:
            self.image_encode_calls += 1
            self._image_embeddings = self.model.encode_images(self._images)
        return self._image_embeddings

    def prompts(self, prompts: Sequence[str]) -> torch.Tensor | None:
        """Unit-normalised embeddings of fixed prompts, shared across requests (RuCLIP.encode_prompts)."""
        return None if self.model is None else self.model.encode_prompts(prompts)

    def texts(self, texts: Sequence[str]) -> torch.Tensor | None:
        """Unit-normalised text embeddings, shape (len(texts), dim), cached per string."""
        if self.model is None:
            return None
        missing = [t for t in dict.fromkeys(texts) if t not in self._text_cache]
        if missing:
            for text, vector in zip(missing, self.model.encode_texts(missing), strict=True):
                self._text_cache[text] = vector
        if not texts:
            return None
        return torch.stack([self._text_cache[t] for t in texts])
