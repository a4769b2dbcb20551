"""Photo ↔ text match with ruCLIP: a relative test against marketplace category prompts.

For each photo the listing text competes with ~40 category prompts; the photo matches when the
text is among the `match_top_k` candidates most similar to it. ruCLIP's absolute similarities are
uncalibrated, so only this ranking is used. When no photo matches, the text itself is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.catalogue import RUCLIP_MODEL, download_command, missing_message
from core.listing import Photo
from moderation.config import ModerationConfig
from moderation.report import Check, sentence_start

if TYPE_CHECKING:  # the moderation package imports without torch; only a run with ruCLIP needs it
    import torch

    from ruclip_port import PhotoEmbeddings

PHOTO_CHECK = "photo_text_match"
TEXT_CHECK = "text_photos_match"
SHOWN_PROMPTS = 3


@dataclass(frozen=True)
class PhotoMatch:
    """How the listing text ranks for one photo among the category prompts plus itself."""

    rank: int
    margin: float
    text_similarity: float
    nearest: tuple[str, ...]

    def matches(self, top_k: int) -> bool:
        """Whether the text is within the photo's top k candidates."""
        return self.rank <= top_k


def rank_text(
    image_embeddings: torch.Tensor,
    text_embedding: torch.Tensor,
    prompt_embeddings: torch.Tensor,
    prompts: Sequence[str],
    top_k: int,
) -> list[PhotoMatch]:
    """Per photo: the text's 1-based rank among prompts + text, and its margin over the k-th best prompt.

    All embeddings are unit-normalised; a prompt only outranks the text when strictly more similar.
    """
    text_sims = image_embeddings @ text_embedding  # (n,)
    prompt_sims = image_embeddings @ prompt_embeddings.T  # (n, k)
    kth = min(top_k, len(prompts))
    result = []
    for text_sim, sims in zip(text_sims.tolist(), prompt_sims, strict=True):
        order = sims.argsort(descending=True).tolist()
        rank = 1 + int((sims > text_sim).sum())
        margin = text_sim - float(sims[order[kth - 1]]) if kth else 0.0
        nearest = tuple(prompts[i] for i in order[:SHOWN_PROMPTS])
        result.append(PhotoMatch(rank, round(margin, 4), round(text_sim, 4), nearest))
    return result


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f"«{w}»" for w in words)


def photo_check(photo: Photo, match: PhotoMatch, config: ModerationConfig) -> Check:
    """Whether one photo shows what the text describes."""
    details = {
        "rank": match.rank, "top_k": config.match_top_k, "candidates": len(config.category_prompts) + 1,
        "text_similarity": match.text_similarity, "nearest_prompts": list(match.nearest),
    }  # fmt: skip
    if match.matches(config.match_top_k):
        return Check(PHOTO_CHECK, "pass", match.margin, "", details, photo=photo.number)
    reason = (
        f"{sentence_start(photo.label)} не похоже на то, что описано в тексте "
        f"(на снимке скорее {_quoted(match.nearest)})"
    )
    return Check(PHOTO_CHECK, config.mismatch_verdict, match.margin, reason, details, photo=photo.number)


def text_check(photos: Sequence[Photo], matches: Sequence[PhotoMatch], config: ModerationConfig) -> Check:
    """Whether the text describes at least one of the photos."""
    best = max(matches, key=lambda m: m.margin)
    matching = [p.number for p, m in zip(photos, matches, strict=True) if m.matches(config.match_top_k)]
    details = {"matching_photos": matching}
    if matching:
        return Check(TEXT_CHECK, "pass", best.margin, "", details)
    reason = (
        "Текст объявления не подходит ни к одной из фотографий — "
        "проверьте, что фото и описание относятся к одному товару"
    )
    return Check(TEXT_CHECK, config.mismatch_verdict, best.margin, reason, details)


def _matches(
    photos: Sequence[Photo], text: str, embeddings: PhotoEmbeddings, config: ModerationConfig
) -> list[PhotoMatch]:
    """How the text ranks for each photo, from the request's ruCLIP embeddings."""
    images = embeddings.images()
    texts = embeddings.texts([text.strip()])
    if images is None or texts is None or len(images) != len(photos):
        raise ValueError("the embeddings do not belong to these photos")
    prompts = embeddings.prompts(config.category_prompts)
    return rank_text(images.float(), texts[0].float(), prompts, config.category_prompts, config.match_top_k)


def _checkable(photos: Sequence[Photo], text: str) -> bool:
    return bool(photos) and bool(text.strip())


def photo_matches(
    photos: Sequence[Photo], text: str, embeddings: PhotoEmbeddings | None, config: ModerationConfig
) -> list[Check]:
    """One check per photo: does it show what the text describes? "unavailable" without ruCLIP."""
    if not _checkable(photos, text):
        return []
    if embeddings is None or not embeddings.available:
        details = {"download": download_command(RUCLIP_MODEL)}
        reason = missing_message(RUCLIP_MODEL)
        return [Check(PHOTO_CHECK, "unavailable", None, reason, details, photo=p.number) for p in photos]
    matches = _matches(photos, text, embeddings, config)
    return [photo_check(photo, match, config) for photo, match in zip(photos, matches, strict=True)]


def photos_show_item(checks: Sequence[Check]) -> bool:
    """Whether ruCLIP compared every photo with the text and each one matched: only then are the facts
    read off the photos (their colour) facts about the item. No check, or one that could not run or
    warned, means it is not known."""
    matches = [c for c in checks if c.name == PHOTO_CHECK]
    return bool(matches) and all(c.verdict == "pass" for c in matches)


def text_matches(
    photos: Sequence[Photo], text: str, embeddings: PhotoEmbeddings | None, config: ModerationConfig
) -> list[Check]:
    """One check of the text: does it describe at least one photo? Nothing without ruCLIP (the photo
    checks already say it is unavailable)."""
    if not _checkable(photos, text) or embeddings is None or not embeddings.available:
        return []
    return [text_check(photos, _matches(photos, text, embeddings, config), config)]
