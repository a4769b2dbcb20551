"""Photo ↔ text match with ruCLIP: a relative test against marketplace category prompts.

For each photo the listing text competes with ~40 category prompts; the photo matches when the
text is among the `match_top_k` candidates most similar to it. ruCLIP's absolute similarities are
uncalibrated, so only this ranking is used. When no photo matches, the text itself is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from moderation.config import ModerationConfig
from moderation.report import Check, sentence_start
from pipeline import hub
from pipeline.listing import Photo
from scoring.embeddings import PhotoEmbeddings

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
        order = torch.argsort(sims, descending=True).tolist()
        rank = 1 + int((sims > text_sim).sum())
        margin = text_sim - float(sims[order[kth - 1]]) if kth else 0.0
        nearest = tuple(prompts[i] for i in order[:SHOWN_PROMPTS])
        result.append(PhotoMatch(rank, round(margin, 4), round(text_sim, 4), nearest))
    return result


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f"«{w}»" for w in words)


def match_checks(
    photos: Sequence[Photo], matches: Sequence[PhotoMatch], config: ModerationConfig
) -> list[Check]:
    """One check per photo (a photo unrelated to the text) and one for the text (unrelated to every photo)."""
    checks = []
    verdict = config.mismatch_verdict
    for photo, match in zip(photos, matches, strict=True):
        details = {
            "rank": match.rank, "top_k": config.match_top_k, "candidates": len(config.category_prompts) + 1,
            "text_similarity": match.text_similarity, "nearest_prompts": list(match.nearest),
        }  # fmt: skip
        if match.matches(config.match_top_k):
            checks.append(Check(PHOTO_CHECK, "pass", match.margin, "", details, photo=photo.number))
            continue
        reason = (
            f"{sentence_start(photo.label)} не похоже на то, что описано в тексте "
            f"(на снимке скорее {_quoted(match.nearest)})"
        )
        checks.append(Check(PHOTO_CHECK, verdict, match.margin, reason, details, photo=photo.number))
    best = max(matches, key=lambda m: m.margin)
    details = {
        "matching_photos": [
            p.number for p, m in zip(photos, matches, strict=True) if m.matches(config.match_top_k)
        ]
    }
    if details["matching_photos"]:
        checks.append(Check(TEXT_CHECK, "pass", best.margin, "", details))
    else:
        reason = (
            "Текст объявления не подходит ни к одной из фотографий — "
            "проверьте, что фото и описание относятся к одному товару"
        )
        checks.append(Check(TEXT_CHECK, verdict, best.margin, reason, details))
    return checks


def check_consistency(
    photos: Sequence[Photo], text: str, embeddings: PhotoEmbeddings | None, config: ModerationConfig
) -> list[Check]:
    """Photo ↔ text checks from the request's ruCLIP embeddings; "unavailable" without ruCLIP."""
    if not photos or not text.strip():
        return []
    if embeddings is None or not embeddings.available:
        details = {"download": hub.download_command(hub.RUCLIP_MODEL)}
        reason = hub.missing_message(hub.RUCLIP_MODEL)
        return [Check(PHOTO_CHECK, "unavailable", None, reason, details, photo=p.number) for p in photos]
    images = embeddings.images()
    texts = embeddings.texts([text.strip()])
    if images is None or texts is None or len(images) != len(photos):
        raise ValueError("the embeddings do not belong to these photos")
    prompts = embeddings.prompts(config.category_prompts)
    matches = rank_text(
        images.float(), texts[0].float(), prompts, config.category_prompts, config.match_top_k
    )
    return match_checks(photos, matches, config)
