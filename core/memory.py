"""How the process holds and hands back heap memory (glibc's allocator; elsewhere nothing changes).

A listing's models allocate and free the same few hundred megabytes of activations every time. By
default glibc returns freed memory at the top of its heaps to the operating system at once, so the next
listing takes every page back with a page fault (about 120,000 for a ten-photo listing with every
model, ≈ 5 µs each in this project's virtual machines). `keep_freed_memory` makes the heaps keep it for
reuse instead; bench/README.md, «Keeping the heap», has the figures.

What is kept is bounded by what listings need: `settle_after_listing` hands freed memory back after a
listing that left the process larger than the one before it did (more photos than the last) or that
decoded a bulk of huge photos, and `release_after_decoding` does at once after such a bulk is decoded,
before any model runs.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading

BULK_PIXELS = 16_000_000  # decoded photos this large (about 64 MiB, four bytes a pixel) are a bulk
HEAP_BLOCK_BYTES = 256 * 2**20  # blocks up to this size come from the heap: every activation of a listing
KEPT_TOP_BYTES = 64 * 2**20  # free memory at the top of a heap stays until there is more than this
SETTLE_GROWTH_BYTES = 64 * 2**20  # a listing that leaves the process this much larger hands memory back
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has `malloc_trim`); None on musl, macOS and Windows."""
    try:
        library = ctypes.CDLL(None)
        return library if hasattr(library, "malloc_trim") and hasattr(library, "mallopt") else None
    except (AttributeError, OSError, TypeError):
        return None


@functools.cache
def keep_freed_memory() -> bool:
    """Let the heaps serve blocks up to HEAP_BLOCK_BYTES and keep up to KEPT_TOP_BYTES free at their top,
    instead of returning freed memory at once; process-wide, set once. True when glibc took both."""
    library = _glibc()
    if library is None:
        return False
    settings = ((_M_MMAP_THRESHOLD, HEAP_BLOCK_BYTES), (_M_TRIM_THRESHOLD, KEPT_TOP_BYTES))
    return [library.mallopt(parameter, value) for parameter, value in settings] == [1, 1]


def release_freed_memory() -> bool:
    """Return the heap memory already freed to the OS; True when the C library could do it."""
    library = _glibc()
    return library is not None and library.malloc_trim(0) is not None


def release_after_decoding(pixels: int) -> bool:
    """Return the freed memory when photos of `pixels` decoded pixels were just dropped and they were a
    bulk (at least BULK_PIXELS); True when it was returned."""
    return pixels >= BULK_PIXELS and release_freed_memory()


def resident_bytes() -> int | None:
    """The process's resident memory (Linux), or None where /proc is not there."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class _ListingEnds:
    """The resident memory at the end of the last listing, process-wide."""

    lock = threading.Lock()
    resident: int | None = None


def settle_after_listing(decoded_pixels: int = 0) -> bool:
    """At the end of a listing: hand freed memory back when its photos were a bulk (`decoded_pixels` at
    least BULK_PIXELS: huge photos are rare, what they needed is not kept for the next listing) or when
    the process is more than SETTLE_GROWTH_BYTES larger than when the previous listing ended (a larger
    listing than the last). A listing like the one before reuses what that one kept and hands nothing
    back. True when memory was handed back."""
    resident = resident_bytes()
    with _ListingEnds.lock:
        previous, _ListingEnds.resident = _ListingEnds.resident, resident
    if resident is not None and previous is not None and resident - previous > SETTLE_GROWTH_BYTES:
        return release_freed_memory()
    return release_after_decoding(decoded_pixels)
