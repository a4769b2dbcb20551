"""Timing and memory helpers shared by the benchmark scripts (medians, never single runs)."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of `runs` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_ms_per_item(fn: Callable[[Item], object], items: Sequence[Item], runs: int) -> float:
    """Milliseconds per item: the median over `runs` passes of each pass's median over the items."""
    per_run = []
    for _ in range(runs):
        times = []
        for item in items:
            start = time.perf_counter()
            fn(item)
            times.append((time.perf_counter() - start) * 1000)
        per_run.append(statistics.median(times))
    return statistics.median(per_run)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
