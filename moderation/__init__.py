"""Moderation of photos, text and photo↔text consistency.

`moderate(photos, text, embeddings, settings, config)` returns a ModerationReport of Checks.
"""

from moderation.config import ModerationConfig
from moderation.report import Check, ModerationReport
from moderation.stage import moderate

__all__ = ["Check", "ModerationConfig", "ModerationReport", "moderate"]
