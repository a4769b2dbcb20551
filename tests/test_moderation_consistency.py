"""Photo ↔ text match: the ranking decision on fixed embeddings, and the wiring with a tiny ruCLIP."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from core.listing import Photo
from core.models import ModelStore
from core.settings import Settings
from moderation.config import ModerationConfig
from moderation.consistency import (
    photo_check,
    photo_matches,
    photos_show_item,
    rank_text,
    text_check,
    text_matches,
)
from ruclip_port import PhotoEmbeddings, load_ruclip
from tests.tiny_models import make_tiny_ruclip

PROMPTS = ("обувь", "сумка", "мебель", "кошка")
DIM = 8


def _unit(*weights: float) -> torch.Tensor:
    vector = torch.zeros(DIM)
    vector[: len(weights)] = torch.tensor(weights)
    return vector / vector.norm()


def _photos(count: int) -> list[Photo]:
    return [Photo(i, f"p{i}.jpg", Image.new("RGB", (32, 24), (40 * i, 80, 120))) for i in range(1, count + 1)]


# Axis 0 is what the listing text says; axes 1..4 are the category prompts.
TEXT = _unit(1)
PROMPT_EMB = torch.stack([_unit(*([0] * (i + 1) + [1])) for i in range(len(PROMPTS))])
ON_TOPIC = _unit(1, 0.2, 0.1)  # the text is its nearest candidate
SHOE_LIKE = _unit(0.5, 1.0)  # "обувь" beats the text, the text is second
FURNITURE = _unit(0, 0, 0.3, 1.0, 0.6)  # text last: мебель, кошка, сумка all beat it


def match_checks(photos: list[Photo], matches: list, config: ModerationConfig) -> list:
    """Both registered checks' verdicts from given matches: one per photo, then the text's."""
    per_photo = [photo_check(p, m, config) for p, m in zip(photos, matches, strict=True)]
    return [*per_photo, text_check(photos, matches, config)]


def check_consistency(photos: list[Photo], text: str, embeddings, config: ModerationConfig) -> list:
    """What the moderate stage runs for photo ↔ text: the photo checks, then the text check."""
    return photo_matches(photos, text, embeddings, config) + text_matches(photos, text, embeddings, config)


def test_rank_is_one_plus_the_prompts_strictly_more_similar_than_the_text() -> None:
    images = torch.stack([ON_TOPIC, SHOE_LIKE, FURNITURE])
    matches = rank_text(images, TEXT, PROMPT_EMB, PROMPTS, top_k=2)
    assert [m.rank for m in matches] == [1, 2, 4]
    assert matches[2].nearest == ("мебель", "кошка", "сумка")
    assert [m.margin >= 0 for m in matches] == [True, True, False]


def test_top_k_is_relative_and_configurable() -> None:
    images = torch.stack([SHOE_LIKE])
    strict = rank_text(images, TEXT, PROMPT_EMB, PROMPTS, top_k=1)[0]
    assert not strict.matches(1)
    assert strict.margin < 0
    lenient = rank_text(images, TEXT, PROMPT_EMB, PROMPTS, top_k=2)[0]
    assert lenient.matches(2)
    assert lenient.margin > 0


def test_unrelated_photo_is_rejected_by_name_while_the_text_passes() -> None:
    config = ModerationConfig(category_prompts=PROMPTS, match_top_k=2)
    photos = _photos(3)
    matches = rank_text(torch.stack([ON_TOPIC, FURNITURE, SHOE_LIKE]), TEXT, PROMPT_EMB, PROMPTS, 2)
    checks = match_checks(photos, matches, config)
    per_photo = [c for c in checks if c.name == "photo_text_match"]
    assert [(c.photo, c.verdict) for c in per_photo] == [(1, "pass"), (2, "reject"), (3, "pass")]
    assert per_photo[1].reason_ru.startswith("Фото 2 (p2.jpg)")
    assert "«мебель»" in per_photo[1].reason_ru
    (text_check,) = [c for c in checks if c.name == "text_photos_match"]
    assert text_check.verdict == "pass"
    assert text_check.details["matching_photos"] == [1, 3]


def test_text_unrelated_to_every_photo_is_rejected() -> None:
    config = ModerationConfig(category_prompts=PROMPTS, match_top_k=1)
    matches = rank_text(torch.stack([FURNITURE, SHOE_LIKE]), TEXT, PROMPT_EMB, PROMPTS, 1)
    checks = match_checks(_photos(2), matches, config)
    (text_check,) = [c for c in checks if c.name == "text_photos_match"]
    assert text_check.verdict == "reject"
    assert "ни к одной из фотографий" in text_check.reason_ru
    assert text_check.details["matching_photos"] == []


def test_mismatch_can_be_a_warning() -> None:
    config = ModerationConfig(category_prompts=PROMPTS, match_top_k=1, mismatch_verdict="warn")
    matches = rank_text(torch.stack([FURNITURE]), TEXT, PROMPT_EMB, PROMPTS, 1)
    assert [c.verdict for c in match_checks(_photos(1), matches, config)] == ["warn", "warn"]


def test_without_ruclip_every_photo_check_is_unavailable_with_download_command() -> None:
    photos = _photos(2)
    for embeddings in (None, PhotoEmbeddings(None, [p.image for p in photos])):
        checks = check_consistency(photos, "Кроссовки белые", embeddings, ModerationConfig())
        assert [(c.photo, c.verdict, c.score) for c in checks] == [
            (1, "unavailable", None),
            (2, "unavailable", None),
        ]
        assert "python -m pipeline download ruclip-vit-base-patch32-384" in checks[0].reason_ru


def test_photos_show_the_item_only_when_every_photo_matched() -> None:
    photos = _photos(3)
    lenient = ModerationConfig(category_prompts=PROMPTS, match_top_k=2, mismatch_verdict="warn")
    all_match = rank_text(torch.stack([ON_TOPIC, SHOE_LIKE, ON_TOPIC]), TEXT, PROMPT_EMB, PROMPTS, 2)
    assert photos_show_item(match_checks(photos, all_match, lenient))
    one_off = rank_text(torch.stack([ON_TOPIC, FURNITURE, ON_TOPIC]), TEXT, PROMPT_EMB, PROMPTS, 2)
    assert not photos_show_item(match_checks(photos, one_off, lenient))  # warned, not passed
    assert not photos_show_item(check_consistency(photos, "Кроссовки", None, ModerationConfig()))  # no ruCLIP
    assert not photos_show_item([])  # photos only: nothing compared


def test_nothing_to_compare_without_text_or_photos() -> None:
    assert check_consistency(_photos(1), "  ", None, ModerationConfig()) == []
    assert check_consistency([], "Кроссовки", None, ModerationConfig()) == []


@pytest.fixture
def tiny_ruclip_settings(tmp_path: Path) -> Settings:
    # float32: the ranks below are recomputed in other batches, and int8 quantises activations per batch
    settings = Settings(models_dir=tmp_path / "models", device="cpu", quantize="none")
    make_tiny_ruclip(settings.models_dir / "ruclip-vit-base-patch32-384")
    return settings


def test_wiring_with_a_tiny_ruclip_ranks_the_real_embeddings(tiny_ruclip_settings: Settings) -> None:
    model = load_ruclip(ModelStore(tiny_ruclip_settings))
    assert model is not None
    photos = _photos(3)
    text = "Продаю красное платье из хлопка, размер 44"
    config = ModerationConfig()
    embeddings = PhotoEmbeddings(model, [p.image for p in photos])
    checks = check_consistency(photos, text, embeddings, config)
    check_consistency(photos, text, embeddings, config)
    assert embeddings.image_encode_calls == 1  # photos encoded once per request

    # Expected ranks straight from the model, independently of the moderation code.
    images = model.encode_images([p.image for p in photos])
    candidates = model.encode_texts([text, *config.category_prompts])
    sims = images @ candidates.T
    expected = [1 + int((row[1:] > row[0]).sum()) for row in sims]
    per_photo = [c for c in checks if c.name == "photo_text_match"]
    assert [c.details["rank"] for c in per_photo] == expected
    assert [c.verdict for c in per_photo] == [
        "pass" if r <= config.match_top_k else "reject" for r in expected
    ]
    (text_check,) = [c for c in checks if c.name == "text_photos_match"]
    assert text_check.verdict == ("reject" if min(expected) > config.match_top_k else "pass")


def test_category_prompts_are_encoded_once_per_model(
    tiny_ruclip_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = load_ruclip(ModelStore(tiny_ruclip_settings))
    encoded: list[list[str]] = []
    real_encode = model.encode_texts

    def recording_encode(texts, *args, **kwargs):
        encoded.append(list(texts))
        return real_encode(texts, *args, **kwargs)

    monkeypatch.setattr(model, "encode_texts", recording_encode)
    photos = _photos(1)
    for text in ("Платье красное", "Кроссовки белые"):
        check_consistency(photos, text, PhotoEmbeddings(model, [photos[0].image]), ModerationConfig())
    prompt_batches = [batch for batch in encoded if "обувь" in batch]
    assert len(prompt_batches) == 1
    assert ["Платье красное"] in encoded and ["Кроссовки белые"] in encoded
