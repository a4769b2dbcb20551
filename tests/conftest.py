"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT, Settings

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
SHARED_PHOTOS = SHARED_DATA / "photos"


@pytest.fixture
def shared_photos() -> Path:
    """The team's real photo set (../shared/data/photos): clothing/<class>/*.jpg, products/<id>/*.jpg."""
    if not SHARED_PHOTOS.is_dir():
        pytest.fail(f"shared photos not found at {SHARED_PHOTOS}")
    return SHARED_PHOTOS


@pytest.fixture
def empty_models_settings(tmp_path: Path) -> Settings:
    """Settings whose models folder is empty: every optional model is missing."""
    models = tmp_path / "models"
    models.mkdir()
    return Settings(models_dir=models)
