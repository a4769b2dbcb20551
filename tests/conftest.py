"""Fixtures shared by every test module."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, Limits, Settings
from tests.fake_hub import FakeHub, free_port, serve_fake_hub

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
SHARED_PHOTOS = SHARED_DATA / "photos"


@pytest.fixture
def shared_photos() -> Path:
    """The team's real photo set (../shared/data/photos): clothing/<class>/*.jpg, products/<id>/*.jpg."""
    if not SHARED_PHOTOS.is_dir():
        pytest.fail(f"shared photos not found at {SHARED_PHOTOS}")
    return SHARED_PHOTOS


@pytest.fixture(autouse=True)
def _log_outside_the_project(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Command lines the tests run write their log (LISTING_LOG_FILE) under pytest's temporary folder."""
    monkeypatch.setenv("LISTING_LOG_FILE", str(tmp_path_factory.getbasetemp() / "pipeline.log"))


@pytest.fixture
def empty_models_settings(tmp_path: Path) -> Settings:
    """Settings whose models folder is empty: every optional model is missing."""
    models = tmp_path / "models"
    models.mkdir()
    return Settings(models_dir=models)


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    """A fake Hugging Face Hub on a free local port (tests/fake_hub.py)."""
    with serve_fake_hub() as hub:
        yield hub


@pytest.fixture(scope="session")
def local_ray() -> Iterator[None]:
    """A local Ray cluster of 2 CPUs with a small object store (the one `--engine ray` starts), shared by
    the tests that run Ray Data and shut down after them."""
    import ray

    from tools.engines import connect_ray

    connect_ray(None, 2)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Copies of the project's checkpoint manifests (no weights), its test cases, no optional model."""
    checkpoints = tmp_path_factory.mktemp("checkpoints")
    for manifest in (PROJECT_ROOT / "checkpoints").glob("*/checkpoint.json"):
        (checkpoints / manifest.parent.name).mkdir()
        shutil.copy(manifest, checkpoints / manifest.parent.name)
    limits = Limits(max_image_bytes=1_000_000)  # small, so that a test can exceed it cheaply
    return Settings(models_dir=tmp_path_factory.mktemp("models"), checkpoints_dir=checkpoints, limits=limits)


@pytest.fixture(scope="module")
def app_url(app_settings: Settings) -> Iterator[str]:
    """The app, launched in a background thread on a free local port and warmed up as `python app.py` is
    (in the background: the first requests wait for it)."""
    import app
    from pipeline.runner import Pipeline

    pipeline, turns = Pipeline(app_settings), app.Turns()
    demo = app.build_demo(pipeline, turns)
    threading.Thread(target=app.warm_up, args=(pipeline, turns), daemon=True).start()
    _, url, _ = demo.launch(
        server_name="127.0.0.1",
        server_port=free_port(),
        prevent_thread_lock=True,
        quiet=True,
        **app.launch_options(app_settings),
    )
    yield url
    demo.close()


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
