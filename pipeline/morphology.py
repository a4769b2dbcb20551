"""The one pymorphy3 analyser every stage shares (its dictionaries load once, on first use)."""

from __future__ import annotations

from functools import lru_cache

import pymorphy3


@lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    """The shared Russian morphological analyser, created lazily."""
    return pymorphy3.MorphAnalyzer()
