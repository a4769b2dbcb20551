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

    # Photos: NudeNet 320n detector. A detection of an exposed class (explicit_labels; covered classes,
    # faces, feet, belly, armpits never reject) rejects its photo when its score reaches the class's
    # threshold AND the middle of its box (the centre half of each side) is at least explicit_min_skin
    # skin-coloured (photos.skin, one CbCr region for every skin tone), or when its score reaches
    # explicit_certain whatever the colours (black-and-white or tinted photos).
    # How the numbers were chosen, on the 3,068 real CC0 clothing photos of shared/data/photos/
    # clothing-train (none shows nudity): 49 exposed-class detections scored ≥ 0.25, the highest 0.72
    # (pink fur boots); in 24 of them the box middle is under 30 % skin (shoes, fur, knitwear), in both
    # over 0.6 it is 22 % (boots) and 100 % (a beige bed sheet under jeans, FEMALE_BREAST_EXPOSED 0.68,
    # hence that class's 0.72). explicit_certain sits above every score seen there. The 341 photos of
    # clothing/ and the products/ photos, not used for choosing, have no exposed-class score over 0.31.
    explicit_labels: tuple[str, ...] = tuple(EXPLICIT_LABELS_RU)
    explicit_threshold: float = 0.6  # every exposed class not listed in explicit_class_thresholds
    explicit_class_thresholds: tuple[tuple[str, float], ...] = (("FEMALE_BREAST_EXPOSED", 0.72),)
    explicit_min_skin: float = 0.35
    explicit_certain: float = 0.85
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

    def explicit_threshold_for(self, label: str) -> float:
        """The score at which a detection of this NudeNet class needs skin evidence to reject."""
        return dict(self.explicit_class_thresholds).get(label, self.explicit_threshold)
