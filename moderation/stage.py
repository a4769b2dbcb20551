"""The moderate stage: every photo, text and photo ↔ text check of one listing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from moderation.config import ModerationConfig
from moderation.consistency import check_consistency
from moderation.images import check_photos
from moderation.report import Check, ModerationReport, stopwatch
from moderation.text import check_contacts, check_obscenity, check_toxicity
from pipeline.listing import Photo
from pipeline.settings import Settings
from scoring.embeddings import PhotoEmbeddings


def _timed(run: Callable[[], list[Check]]) -> list[Check]:
    """Run checks, spreading their wall time over them."""
    with stopwatch() as sw:
        checks = run()
    for check in checks:
        check.seconds = sw.seconds / len(checks)
    return checks


def moderate(
    photos: Sequence[Photo],
    text: str,
    embeddings: PhotoEmbeddings | None,
    settings: Settings,
    config: ModerationConfig | None = None,
) -> ModerationReport:
    """Run every moderation check on a listing's photos and its whole raw text."""
    config = config or ModerationConfig()
    checks = check_photos(photos, config)
    checks += _timed(lambda: [check_obscenity(text)])
    checks += _timed(lambda: [check_contacts(text, config)])
    checks += _timed(lambda: [check_toxicity(text, settings, config)])
    checks += _timed(lambda: check_consistency(photos, text, embeddings, config))
    return ModerationReport(checks)
