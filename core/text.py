"""Echoing what a user typed back to them: never more than a line's worth."""

from __future__ import annotations

ECHO_CHARS = 100


def shorten(text: object, limit: int = ECHO_CHARS) -> str:
    """`text` as a string of at most `limit` characters; a longer one is cut and ends with "…"."""
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"
