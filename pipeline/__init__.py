"""The listing pipeline: validate → moderate → mask → diversity → route → generate → restore → score.

`Pipeline` is exported lazily so that stage packages can import `pipeline.listing` and
`pipeline.settings` without pulling in every stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.listing import Listing, Photo, Result
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.runner import Pipeline

__all__ = ["Listing", "Photo", "Pipeline", "Result", "Settings"]


def __getattr__(name: str) -> Any:
    if name == "Pipeline":
        from pipeline.runner import Pipeline

        return Pipeline
    raise AttributeError(name)
