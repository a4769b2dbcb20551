"""The moderate stage: every registered check (moderation.checks) on one listing, each timed; the text
checks alone on a generated description."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.listing import Photo
from core.models import ModelStore
from moderation.checks import CHECKS, ModerationCheck, ModerationInput
from moderation.config import ModerationConfig
from moderation.report import ModerationReport, Target, stopwatch

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
    return _run(CHECKS, given, "input")


def moderate_text(text: str, models: ModelStore, config: ModerationConfig | None = None) -> ModerationReport:
    """Run the text checks alone on a generated description: it is held to the seller's rules."""
    given = ModerationInput((), text, None, models, config or ModerationConfig())
    return _run([c for c in CHECKS if c.reads == "text"], given, "description")


def _run(checks: Sequence[ModerationCheck], given: ModerationInput, target: Target) -> ModerationReport:
    report = ModerationReport()
    for check in checks:
        with stopwatch() as sw:
            found = check.run(given)
        for outcome in found:
            outcome.target = target
            if not outcome.seconds:
                outcome.seconds = sw.seconds / len(found)
        report.checks += found
    return report
