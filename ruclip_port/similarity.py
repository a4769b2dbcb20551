"""ruCLIP similarity scores: generated text ↔ photos, photo ↔ photo, and the best photo for a text.

Everything reads the request's shared PhotoEmbeddings, so each photo is encoded once per request.
Embeddings are unit-normalised, so a dot product is the cosine.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ruclip_port.embeddings import PhotoEmbeddings


@dataclass(frozen=True)
class Spread:
    """Mean and maximum of a set of cosine similarities."""

    mean: float
    max: float

    @classmethod
    def of(cls, values: torch.Tensor) -> Spread:
        """Summarise a non-empty 1-D tensor of cosines."""
        return cls(float(values.mean()), float(values.max()))


def _text_cosines(embeddings: PhotoEmbeddings | None, text: str) -> torch.Tensor | None:
    """Cosine of `text` with every photo, shape (n_photos,); None without ruCLIP, photos or text."""
    if embeddings is None or not text.strip():
        return None
    photos = embeddings.images()
    if photos is None:
        return None
    vector = embeddings.texts([text])
    return None if vector is None else photos @ vector[0]


def text_photo_similarity(embeddings: PhotoEmbeddings | None, text: str) -> Spread | None:
    """How well a text matches the photos: mean and max cosine over photos."""
    cosines = _text_cosines(embeddings, text)
    return None if cosines is None else Spread.of(cosines)


def photo_photo_similarity(embeddings: PhotoEmbeddings | None) -> Spread | None:
    """Mean and max cosine over distinct photo pairs (near-duplicates show as max ≈ 1); needs 2+ photos."""
    photos = None if embeddings is None else embeddings.images()
    if photos is None or len(photos) < 2:
        return None
    rows, cols = torch.triu_indices(len(photos), len(photos), offset=1)
    return Spread.of((photos @ photos.T)[rows, cols])


def best_photo_index(embeddings: PhotoEmbeddings | None, text: str) -> int | None:
    """Index of the photo that best matches `text`; None when ruCLIP, photos or text are missing."""
    cosines = _text_cosines(embeddings, text)
    return None if cosines is None else int(cosines.argmax())
