"""Plain data passed between the pipeline's stages: the listing, its photos, the result, the labels."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from PIL import Image

Status = Literal["ok", "rejected", "error"]
RouteName = Literal["text", "single", "multi"]
DiversityLabel = Literal["<SINGLE>", "<VARIATIVE>"]
SINGLE: DiversityLabel = "<SINGLE>"
VARIATIVE: DiversityLabel = "<VARIATIVE>"
STATUS_RU: dict[str, str] = {"ok": "готово", "rejected": "отклонено", "error": "ошибка"}
NOT_AVAILABLE = "недоступно"  # how a score whose model is missing reads; never 0


def format_score(value: Any, digits: int = 3) -> str:
    """A score for people: a float to `digits` places, other values as they are, None as "недоступно"."""
    if value is None:
        return NOT_AVAILABLE
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


@dataclass
class Listing:
    """What the seller gives: photo files, attribute fields and free text."""

    images: list[Path] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    text: str = ""


def seller_input(attributes: dict[str, str], text: str) -> str:
    """The seller's whole input as one text: "Поле: значение" lines, then the free text."""
    lines = [f"{key}: {value}" for key, value in attributes.items()]
    return "\n".join([*lines, text] if text.strip() else lines)


@dataclass
class Photo:
    """A validated photo: decoded, EXIF-rotated, RGB, shrunk to about the working side (Limits.working_side).

    `number` is 1-based, as the seller counts; `original_size` is the uploaded file's (width, height),
    upright, when the photo was shrunk (None: `image` has the original size).
    """

    number: int
    name: str
    image: Image.Image
    original_size: tuple[int, int] | None = None

    @property
    def size(self) -> tuple[int, int]:
        """The uploaded photo's (width, height), upright, whatever size `image` was shrunk to."""
        return self.original_size or self.image.size

    @property
    def label(self) -> str:
        """How a Russian message names this photo."""
        return f"фото {self.number} ({self.name})"


@dataclass
class Result:
    """Everything one run produces; `to_dict()` is the JSON the CLI and the API return.

    `warnings`: what went wrong or is missing (a model not downloaded, nothing names the item);
    `suggestions`: Russian advice the seller may take or leave, shown beside the text — facts the
    photos hint at but that are not written as facts («По фото похоже на коричневый — …»).
    """

    status: Status = "ok"
    text: str = ""
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    route: dict[str, Any] = field(default_factory=dict)
    checkpoint: dict[str, Any] = field(default_factory=dict)
    diversity: dict[str, Any] = field(default_factory=dict)
    moderation: list[dict[str, Any]] = field(default_factory=list)
    masking: dict[str, Any] = field(default_factory=dict)
    photos: list[dict[str, Any]] = field(default_factory=list)
    scores: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return asdict(self)
