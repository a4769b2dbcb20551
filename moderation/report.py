"""Plain data a moderation check returns, and the report of one listing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["pass", "reject", "warn", "unavailable"]
Target = Literal["input", "description"]


@dataclass
class Check:
    """One check's outcome; `photo` is the 1-based photo number for per-photo checks; `target` says
    whether the seller's input or the generated description was checked."""

    name: str
    verdict: Verdict
    score: float | None = None
    reason_ru: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    photo: int | None = None
    target: Target = "input"


@dataclass
class ModerationReport:
    """Every check run on a listing; rejected when any check rejects."""

    checks: list[Check] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        """Whether any check rejected the listing."""
        return any(c.verdict == "reject" for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        """Russian reasons of the rejecting checks, in check order."""
        return [c.reason_ru for c in self.checks if c.verdict == "reject"]

    @property
    def warnings(self) -> list[str]:
        """Russian messages of warnings and of checks that could not run, each once."""
        messages = (c.reason_ru for c in self.checks if c.verdict in ("warn", "unavailable") and c.reason_ru)
        return list(dict.fromkeys(messages))

    def to_dicts(self) -> list[dict[str, Any]]:
        """JSON-ready copies of the checks."""
        return [asdict(c) for c in self.checks]


def sentence_start(text: str) -> str:
    """The text with its first letter capitalised and the rest untouched (file names keep their case)."""
    return text[:1].upper() + text[1:]


class Stopwatch:
    """Wall time of a block, read as `.seconds` after it ends."""

    seconds: float = 0.0


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    """Time a block: `with stopwatch() as sw: ...; sw.seconds`."""
    sw = Stopwatch()
    start = time.perf_counter()
    try:
        yield sw
    finally:
        sw.seconds = time.perf_counter() - start
