"""All scores of one result in one dict: ruCLIP similarities, BERTScore, attribute coverage.

A score that cannot be computed is None — never 0 — and `unavailable[name]` says why in Russian
(with the download command when a model is missing).
"""

from __future__ import annotations

from core.catalogue import BERTSCORE_MODEL, RUCLIP_MODEL, missing_message
from core.listing import seller_input
from core.models import ModelStore
from ruclip_port import PhotoEmbeddings, photo_photo_similarity, text_photo_similarity
from scoring.bertscore import bertscore_f1
from scoring.coverage import coverage

NO_PHOTOS = "недоступно: нет фотографий"
ONE_PHOTO = "недоступно: одна фотография — сравнивать не с чем"
EMPTY_TEXT = "недоступно: описание пустое"
NO_SELLER_INPUT = "недоступно: продавец не указал ни текста, ни характеристик"
NO_ATTRIBUTES = "недоступно: продавец не указал характеристик"
CLIP_SCORES = (
    "clip_text_photo_mean",
    "clip_text_photo_max",
    "clip_photo_photo_mean",
    "clip_photo_photo_max",
    "clip_seller_text_photo_mean",
)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _clip_scores(
    generated: str, seller: str, embeddings: PhotoEmbeddings | None
) -> tuple[dict[str, float | None], dict[str, str]]:
    scores: dict[str, float | None] = dict.fromkeys(CLIP_SCORES)
    if embeddings is None or not embeddings.available:
        return scores, dict.fromkeys(CLIP_SCORES, missing_message(RUCLIP_MODEL))
    if embeddings.count == 0:
        return scores, dict.fromkeys(CLIP_SCORES, NO_PHOTOS)
    unavailable: dict[str, str] = {}
    text = text_photo_similarity(embeddings, generated)
    if text is None:
        unavailable.update(dict.fromkeys(CLIP_SCORES[:2], EMPTY_TEXT))
    else:
        scores["clip_text_photo_mean"], scores["clip_text_photo_max"] = text.mean, text.max
    photos = photo_photo_similarity(embeddings)
    if photos is None:
        unavailable.update(dict.fromkeys(CLIP_SCORES[2:4], ONE_PHOTO))
    else:
        scores["clip_photo_photo_mean"], scores["clip_photo_photo_max"] = photos.mean, photos.max
    reference = text_photo_similarity(embeddings, seller)
    if reference is None:
        unavailable["clip_seller_text_photo_mean"] = NO_SELLER_INPUT
    else:
        scores["clip_seller_text_photo_mean"] = reference.mean
    return {k: _round(v) for k, v in scores.items()}, unavailable


def compute_scores(
    generated: str,
    attributes: dict[str, str],
    seller_text: str,
    embeddings: PhotoEmbeddings | None,
    models: ModelStore,
) -> dict:
    """Scores of a generated description against the seller's photos, attributes and text.

    Keys: the ruCLIP cosines in CLIP_SCORES, `bertscore_f1`, `coverage` ({"covered", "missing",
    "fraction"}) and `unavailable` ({score name: Russian reason}). Photos are encoded through the
    request's shared `embeddings`, so they are never encoded twice.
    """
    seller = seller_input(attributes, seller_text)
    scores, unavailable = _clip_scores(generated, seller, embeddings)
    f1 = None
    if not seller.strip():
        unavailable["bertscore_f1"] = NO_SELLER_INPUT
    elif not generated.strip():
        unavailable["bertscore_f1"] = EMPTY_TEXT
    else:
        f1 = bertscore_f1(generated, seller, models)
        if f1 is None:
            unavailable["bertscore_f1"] = missing_message(BERTSCORE_MODEL)
    covered = coverage(generated, attributes)
    if covered["fraction"] is None:
        unavailable["coverage"] = NO_ATTRIBUTES
    return {**scores, "bertscore_f1": _round(f1), "coverage": covered, "unavailable": unavailable}
