"""Data returned by mask() and restore()."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MaskedListing:
    """A listing with every number replaced by a typed token.

    `values` maps each token (`<PRICE>`, `<SIZE_2>`, …) to the exact original substring;
    `sources` maps each token to where it came from (an attribute name, or "text").
    `photos_show_item` is set by the pipeline when ruCLIP compared every photo with the seller's text
    and each one matched: only then may a caption model state what it reads off the photos (their
    colour) as a fact about the item.
    """

    attributes: dict[str, str]
    text: str
    values: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    photos_show_item: bool = False


@dataclass
class Restored:
    """restore()'s output: the final text and what happened to tokens and stray numbers."""

    text: str
    restored: list[str] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)
    removed_numbers: list[str] = field(default_factory=list)
