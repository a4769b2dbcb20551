"""The moderate stage: every registered check (moderation.checks) on one listing, each timed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.listing import Photo
from core.models import ModelStore
from moderation.checks import CHECKS, ModerationInput
from moderation.config import ModerationConfig
from moderation.report import ModerationReport, stopwatch

if TYPE_CHECKING:
    from ruclip_port import PhotoEmbeddings


def moderate(
    photos: Sequence[Photo],
    text: str,
    embeddings: PhotoEmbeddings | None,
    models: ModelStore,
    config: ModerationConfig | None = None,
) -> ModerationReport:
    """Run every moderation check on a listing's photos and its whole raw text.

    A check that times its photos itself keeps its figures; otherwise its wall time is spread over
    the Checks it returned.
    """
    given = ModerationInput(photos, text, embeddings, models, config or ModerationConfig())
    report = ModerationReport()
    for check in CHECKS:
        with stopwatch() as sw:
            found = check.run(given)
        for outcome in found:
            if not outcome.seconds:
                outcome.seconds = sw.seconds / len(found)
        report.checks += found
    return report
