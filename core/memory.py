"""Handing freed memory back to the operating system.

Decoding a large photo allocates hundreds of megabytes for a moment; glibc keeps what is freed in its
heaps (one per thread that allocated), so a long-running process would stay that large between
requests. `release_freed_memory` asks glibc to return it (`malloc_trim`); elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc only; musl and macOS have no such function
    except (AttributeError, OSError):
        return None


def release_freed_memory() -> bool:
    """Return the heap memory already freed to the OS; True when the C library could do it."""
    trim = _malloc_trim()
    return bool(trim is not None and trim(0) is not None)
