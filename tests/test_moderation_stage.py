"""The moderate stage as the runner calls it: every check, verdicts, Russian reasons, JSON report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from core.listing import Photo
from core.models import ModelStore
from core.settings import Settings
from moderation import Check, ModerationConfig, ModerationReport, moderate
from ruclip_port import PhotoEmbeddings, load_ruclip
from tests.tiny_models import make_tiny_ruclip

CLEAN_TEXT = "Категория: Одежда\nРазмер: 44\nПлатье льняное, летнее, почти новое. Цена 2 500 ₽."


@pytest.fixture
def photos(shared_photos: Path) -> list[Photo]:
    paths = sorted((shared_photos / "clothing" / "dress").glob("*.jpg"))[:2]
    return [
        Photo(i, p.name, ImageOps.exif_transpose(Image.open(p)).convert("RGB"))
        for i, p in enumerate(paths, 1)
    ]


@pytest.fixture
def no_models(empty_models_settings: Settings) -> ModelStore:
    return ModelStore(empty_models_settings)


def test_clean_listing_passes_with_every_check_listed(
    photos: list[Photo], no_models: ModelStore
) -> None:
    report = moderate(photos, CLEAN_TEXT, None, no_models)
    assert not report.rejected
    assert report.reasons == []
    names = [(c.name, c.photo) for c in report.checks]
    assert names == [
        ("nudity", 1), ("nudity", 2), ("obscenity", None), ("insults", None), ("contacts", None),
        ("toxicity", None), ("photo_text_match", 1), ("photo_text_match", 2),
    ]  # fmt: skip
    verdicts = {c.name: c.verdict for c in report.checks}
    assert verdicts["toxicity"] == verdicts["photo_text_match"] == "unavailable"
    # Missing models are warnings with their download commands, each said once.
    assert len(report.warnings) == 2
    assert any("download rubert-tiny-toxicity" in w for w in report.warnings)
    assert any("download ruclip-vit-base-patch32-384" in w for w in report.warnings)
    assert all(c.seconds >= 0 for c in report.checks)
    assert all(c.seconds > 0 for c in report.checks if c.name == "nudity")


def test_report_is_json_ready(photos: list[Photo], no_models: ModelStore) -> None:
    report = moderate(photos, CLEAN_TEXT + " Звоните 8 (999) 123-45-67", None, no_models)
    dicts = json.loads(json.dumps(report.to_dicts(), ensure_ascii=False))
    assert len(dicts) == len(report.checks)
    contacts = next(d for d in dicts if d["name"] == "contacts")
    assert contacts["verdict"] == "reject"
    assert contacts["details"]["contacts"][0]["text"] == "8 (999) 123-45-67"
    assert set(dicts[0]) == {"name", "verdict", "score", "reason_ru", "details", "seconds", "photo", "target"}


def test_obscene_text_rejects_naming_the_word(photos: list[Photo], no_models: ModelStore) -> None:
    report = moderate(photos, CLEAN_TEXT + " Х*йня, а не платье", None, no_models)
    assert report.rejected
    assert report.reasons == ["Текст содержит нецензурную лексику: «Х*йня»"]


def test_contacts_can_be_a_warning(photos: list[Photo], no_models: ModelStore) -> None:
    config = ModerationConfig(contacts_verdict="warn")
    report = moderate(photos, CLEAN_TEXT + " Пишите в телегу", None, no_models, config)
    assert not report.rejected
    assert any("«Пишите в телегу»" in w for w in report.warnings)


def test_report_verdict_logic() -> None:
    report = ModerationReport(
        [
            Check("a", "pass"),
            Check("b", "warn", reason_ru="осторожно"),
            Check("c", "reject", reason_ru="нельзя"),
            Check("d", "unavailable", reason_ru="недоступно"),
            Check("e", "unavailable", reason_ru="недоступно"),
        ]
    )
    assert report.rejected
    assert report.reasons == ["нельзя"]
    assert report.warnings == ["осторожно", "недоступно"]
    assert not ModerationReport([Check("a", "pass"), Check("b", "warn", reason_ru="x")]).rejected


def test_with_ruclip_the_photo_text_checks_run(photos: list[Photo], tmp_path: Path) -> None:
    settings = Settings(models_dir=tmp_path / "models", device="cpu")
    make_tiny_ruclip(settings.models_dir / "ruclip-vit-base-patch32-384")
    models = ModelStore(settings)
    embeddings = PhotoEmbeddings(load_ruclip(models), [p.image for p in photos])
    report = moderate(photos, CLEAN_TEXT, embeddings, models)
    matching = [c for c in report.checks if c.name in ("photo_text_match", "text_photos_match")]
    assert [(c.name, c.photo) for c in matching] == [
        ("photo_text_match", 1),
        ("photo_text_match", 2),
        ("text_photos_match", None),
    ]
    assert all(c.verdict in ("pass", "reject") and isinstance(c.score, float) for c in matching)
    assert embeddings.image_encode_calls == 1
