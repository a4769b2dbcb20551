"""Text shown to users: what they typed echoed back never more than a line's worth; a library's
English message told apart from our Russian ones."""

from __future__ import annotations

import re

ECHO_CHARS = 100
_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def shorten(text: object, limit: int = ECHO_CHARS) -> str:
    """`text` as a string of at most `limit` characters; a longer one is cut and ends with "…"."""
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def is_russian(text: str) -> bool:
    """Whether a message is ours (Russian), not a library's English one."""
    return bool(_CYRILLIC.search(text))
