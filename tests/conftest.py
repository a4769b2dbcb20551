"""Fixtures shared by every test module."""

from __future__ import annotations

import os
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


def _fail_skips_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    """In CI (CI=true) a skip is a failure: CI installs every dev dependency, so nothing may skip."""
    if report.skipped and os.environ.get("CI", "").lower() == "true" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every dev dependency is installed: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    _fail_skips_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    outcome = yield
    _fail_skips_in_ci(outcome.get_result())
