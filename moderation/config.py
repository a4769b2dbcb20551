"""Every moderation threshold and label set, in one dataclass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# NudeNet classes that make a photo unacceptable, with how a Russian message names them.
EXPLICIT_LABELS_RU: dict[str, str] = {
    "FEMALE_GENITALIA_EXPOSED": "обнажённые женские половые органы",
    "MALE_GENITALIA_EXPOSED": "обнажённые мужские половые органы",
    "FEMALE_BREAST_EXPOSED": "обнажённая женская грудь",
    "BUTTOCKS_EXPOSED": "обнажённые ягодицы",
    "ANUS_EXPOSED": "обнажённый анус",
}

# Marketplace categories the listing text competes with for each photo (ruCLIP, relative test).
CATEGORY_PROMPTS: tuple[str, ...] = (
    "обувь",
    "женская одежда",
    "мужская одежда",
    "детская одежда",
    "верхняя одежда",
    "головной убор",
    "сумка",
    "часы",
    "украшения",
    "косметика",
    "мебель",
    "посуда",
    "бытовая техника",
    "смартфон",
    "ноутбук",
    "телевизор",
    "наушники",
    "фотоаппарат",
    "игровая приставка",
    "детские игрушки",
    "детская коляска",
    "велосипед",
    "автомобиль",
    "автозапчасти",
    "шины и диски",
    "инструменты",
    "стройматериалы",
    "растения",
    "книги",
    "музыкальный инструмент",
    "спортивный инвентарь",
    "лекарства и витамины",
    "продукты питания",
    "лампочка",
    "кошка",
    "собака",
    "человек",
    "пейзаж",
    "квартира",
    "дом",
    "документ с текстом",
)


@dataclass(frozen=True)
class ModerationConfig:
    """Thresholds and label sets of every moderation check."""

    # Photos: NudeNet 320n detector.
    explicit_labels: tuple[str, ...] = tuple(EXPLICIT_LABELS_RU)
    explicit_threshold: float = 0.6
    nudenet_min_score: float = 0.25
    nudenet_nms_iou: float = 0.45
    nudenet_batch_size: int = 10
    nudenet_resolution: int = 320

    # Text: contacts are forbidden in descriptions; "warn" lets the listing through with a warning.
    contacts_verdict: Literal["reject", "warn"] = "reject"

    # Text: neural toxicity (rubert-tiny-toxicity), toxicity = 1 - p(non-toxic) * (1 - p(dangerous)).
    toxicity_reject: float = 0.9
    toxicity_warn: float = 0.6
    toxicity_max_tokens: int = 256
    toxicity_batch_size: int = 16

    # Text: neural toxicity with Detoxify's multilingual XLM-R (LISTING_TOXICITY_MODEL=detoxify-multilingual);
    # the score is its highest label probability. Set a priori, not fitted on our data (its weights could
    # not be fetched where this backend was built): its training targets are mostly the share of Jigsaw
    # raters who marked a comment, so half of them (0.5) warns and a clear majority (0.8) rejects.
    # Re-fit both on the tuning part of the toxic set with `python -m bench.bench_toxicity` once it is there.
    detoxify_reject: float = 0.8
    detoxify_warn: float = 0.5

    # Photo ↔ text: the listing text must rank in the top k among the category prompts plus itself.
    category_prompts: tuple[str, ...] = CATEGORY_PROMPTS
    match_top_k: int = 5
    mismatch_verdict: Literal["reject", "warn"] = "reject"
