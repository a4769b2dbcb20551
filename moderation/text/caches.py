"""The caches of the text checks (per text and per word), registered in one place so that all of them
can be emptied at once: a benchmark measures a cold start that way."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

Cached = TypeVar("Cached", bound=Callable[..., Any])
_REGISTERED: list[Any] = []


def cached(maxsize: int) -> Callable[[Cached], Cached]:
    """`functools.lru_cache(maxsize)`, registered for `clear_caches`."""

    def wrap(function: Cached) -> Cached:
        wrapped = functools.lru_cache(maxsize=maxsize)(function)
        _REGISTERED.append(wrapped)
        return wrapped  # type: ignore[return-value]

    return wrap


def clear_caches() -> None:
    """Empty every registered cache (the lexicons' built tables stay: they are built once per process)."""
    for wrapped in _REGISTERED:
        wrapped.cache_clear()
