"""The caches of the text checks, per text and per word, registered in one place so that they can be
emptied at once: a benchmark measures a cold start that way, and a running app's state (word caches
kept, a new text) by emptying only the per-text ones."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

Cached = TypeVar("Cached", bound=Callable[..., Any])
_PER_TEXT: list[Any] = []
_PER_WORD: list[Any] = []


def cached(maxsize: int, *, per_text: bool = False) -> Callable[[Cached], Cached]:
    """`functools.lru_cache(maxsize)`, registered for `clear_caches` as a per-text or per-word cache."""

    def wrap(function: Cached) -> Cached:
        wrapped = functools.lru_cache(maxsize=maxsize)(function)
        (_PER_TEXT if per_text else _PER_WORD).append(wrapped)
        return wrapped  # type: ignore[return-value]

    return wrap


def clear_caches(*, keep_words: bool = False) -> None:
    """Empty every registered cache, or only the per-text ones (`keep_words`). The lexicons' built tables
    stay: they are built once per process."""
    for wrapped in _PER_TEXT if keep_words else _PER_TEXT + _PER_WORD:
        wrapped.cache_clear()
