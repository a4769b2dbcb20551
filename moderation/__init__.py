"""Stage: moderation of photos, text and photo↔text consistency.

`moderate(photos, text, embeddings, models, config)` runs every check of the registry
(`moderation.checks.CHECKS`) and returns a ModerationReport of Checks; `moderate_text(text, models,
config)` runs its text checks on a generated description.
"""

from moderation.checks import CHECKS, LABELS_RU, ModerationCheck
from moderation.config import ModerationConfig
from moderation.consistency import photos_show_item
from moderation.report import Check, ModerationReport
from moderation.stage import moderate, moderate_text

__all__ = [
    "CHECKS", "LABELS_RU", "Check", "ModerationCheck", "ModerationConfig", "ModerationReport", "moderate",
    "moderate_text", "photos_show_item",
]  # fmt: skip
