"""Orchestration: the listing pipeline (validate → moderate → mask → diversity → route → generate →
restore → score), routing, the preloaded test cases, the downloader and the command line.

    from pipeline import Pipeline, Listing
    result = Pipeline().run(Listing(images=[...], attributes={...}, text="..."))

`Pipeline` and `Prepared` are imported on first access (PEP 562), so that `import pipeline.cases` or
`import app` stays cheap: the stages, and torch with them, load only when a pipeline is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.listing import Listing, Photo, Result
from core.settings import Settings

if TYPE_CHECKING:
    from pipeline.runner import Pipeline, Prepared

__all__ = ["Listing", "Photo", "Pipeline", "Prepared", "Result", "Settings"]


def __getattr__(name: str) -> Any:
    if name in ("Pipeline", "Prepared"):
        from pipeline import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
