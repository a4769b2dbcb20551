"""Route: which caption model serves this listing, and which photos it sees."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TypeVar

from core.catalogue import download_command
from core.listing import RouteName

ROUTE_NAMES_RU: dict[str, str] = {
    "text": "только текст (без фото)",
    "single": "одно фото",
    "multi": "несколько фото",
}


class CheckpointLike(Protocol):
    """What routing needs to know about a checkpoint (captioning.registry.CheckpointInfo has it)."""

    name: str
    images: str
    routes: tuple[str, ...]
    present: bool
    problem: str | None


@dataclass
class Route:
    """The routing decision, reported in the Result."""

    name: RouteName
    requested: str
    checkpoint: str
    photos: list[int] = field(default_factory=list)  # 0-based indices of the photos the model sees
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the route's Russian name."""
        return {**asdict(self), "name_ru": ROUTE_NAMES_RU[self.name]}


def route_name(photo_count: int) -> RouteName:
    """2+ photos → multi, 1 photo → single, none → text."""
    if photo_count >= 2:
        return "multi"
    return "single" if photo_count == 1 else "text"


def requested_checkpoint(route: RouteName, single: str | None, multi: str | None, default: str) -> str:
    """The checkpoint the user picked for this route (the single-photo choice also serves text-only)."""
    chosen = multi if route == "multi" else single
    return chosen or default


def decide(
    photo_count: int,
    requested: CheckpointLike,
    fallback: CheckpointLike,
    best_photo: Callable[[], int | None],
) -> Route:
    """Pick the checkpoint that serves the route and the photos it is given.

    A checkpoint that does not serve the route, whose weights are not downloaded or are broken, is
    replaced by `fallback` (the embedded template) and the Route says why. A single-image checkpoint given
    several photos sees one: the best ruCLIP match to the text when `best_photo` can tell, else the first.
    """
    name = route_name(photo_count)
    route = Route(name=name, requested=requested.name, checkpoint=requested.name)
    serving = requested
    if name not in requested.routes:
        route.notes.append(
            f"Модель «{requested.name}» не работает с маршрутом «{ROUTE_NAMES_RU[name]}»; "
            f"текст написала модель «{fallback.name}»."
        )
        serving = fallback
    elif not requested.present:
        route.notes.append(
            f"Модель «{requested.name}» не скачана ({download_command(requested.name)}); "
            f"текст написала модель «{fallback.name}»."
        )
        serving = fallback
    elif requested.problem:
        route.notes.append(
            f"Модель «{requested.name}» повреждена ({requested.problem}); "
            f"текст написала модель «{fallback.name}»."
        )
        serving = fallback
    route.checkpoint = serving.name
    route.photos = _photos_for(serving, photo_count, best_photo, route.notes)
    return route


def _photos_for(
    checkpoint: CheckpointLike, photo_count: int, best_photo: Callable[[], int | None], notes: list[str]
) -> list[int]:
    """Indices of the photos the serving checkpoint sees."""
    if photo_count == 0 or checkpoint.images == "none":
        return []
    if checkpoint.images == "multi" or photo_count == 1:
        return list(range(photo_count))
    best = best_photo()
    if best is None:
        notes.append("Модель работает с одним фото: взято первое (ruCLIP недоступен для выбора лучшего).")
        return [0]
    notes.append(f"Модель работает с одним фото: выбрано фото {best + 1}, лучше всего совпадающее с текстом.")
    return [best]


Checkpoint = TypeVar("Checkpoint", bound=CheckpointLike)


def serving_routes(checkpoints: Sequence[Checkpoint], route: str) -> list[Checkpoint]:
    """Checkpoints that can serve a route (what a route's dropdown lists)."""
    return [c for c in checkpoints if route in c.routes]
