"""Neural toxicity with Detoxify's multilingual model: a tiny checkpoint in Detoxify's own format
(tests/tiny_detoxify.py) through the real `detoxify` package, the model store, the pipeline, the CLI and
the app as a user starts them (LISTING_TOXICITY_MODEL)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import torch
from gradio_client import Client

import app
from core.catalogue import DETOXIFY_CHECKPOINT, DETOXIFY_MODEL, KNOWN_MODELS
from core.listing import Listing
from core.models import ModelLoadError, ModelStore
from core.settings import PROJECT_ROOT, Settings
from moderation.config import ModerationConfig
from moderation.text.toxicity import BACKENDS, ToxicityModelError, check_toxicity
from pipeline.runner import Pipeline
from tests.fake_hub import free_port
from tests.tiny_detoxify import CLASSES, make_tiny_detoxify

CONFIG = ModerationConfig()
DOWNLOAD = f"python -m pipeline download {DETOXIFY_MODEL}"
_ATTEMPTS: list[str] | None = None  # hosts a network call asked for, while `network_attempts` listens


def _audit(event: str, args: tuple) -> None:
    if _ATTEMPTS is not None and event in ("socket.getaddrinfo", "socket.connect"):
        _ATTEMPTS.append(str(args[0] if event == "socket.getaddrinfo" else args[1]))


sys.addaudithook(_audit)  # once per process (audit hooks stay); it records only inside network_attempts


@contextmanager
def network_attempts() -> Iterator[list[str]]:
    """Every host name resolved and address connected to inside the block (Python's audit events)."""
    global _ATTEMPTS
    _ATTEMPTS = []
    try:
        yield _ATTEMPTS
    finally:
        _ATTEMPTS = None


def detoxify_settings(models: Path) -> Settings:
    return Settings(models_dir=models, device="cpu", toxicity_model=DETOXIFY_MODEL)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_catalogue_fetches_the_checkpoint_the_pinned_package_loads() -> None:
    from detoxify.detoxify import MODEL_URLS

    assert DETOXIFY_CHECKPOINT.url == MODEL_URLS["multilingual"]
    assert DETOXIFY_CHECKPOINT.name.endswith(f"-{DETOXIFY_CHECKPOINT.sha256_prefix}.ckpt")


def test_every_toxicity_backend_is_a_known_model_and_the_default_is_one() -> None:
    assert set(BACKENDS) <= set(KNOWN_MODELS)
    assert Settings().toxicity_model in BACKENDS


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LISTING_TOXICITY_MODEL", raising=False)
    assert Settings.from_env().toxicity_model == "rubert-tiny-toxicity"
    monkeypatch.setenv("LISTING_TOXICITY_MODEL", f" {DETOXIFY_MODEL} ")
    assert Settings.from_env().toxicity_model == DETOXIFY_MODEL


def test_an_unknown_model_name_is_a_russian_error_with_the_choices(empty_models_settings: Settings) -> None:
    settings = replace(empty_models_settings, toxicity_model="detoxify-original")
    with pytest.raises(ToxicityModelError) as error:
        check_toxicity("Отличная куртка.", ModelStore(settings), CONFIG)
    assert str(error.value) == (
        "LISTING_TOXICITY_MODEL=detoxify-original: допустимо rubert-tiny-toxicity, detoxify-multilingual"
    )


def test_missing_model_is_unavailable_with_its_download_command(empty_models_settings: Settings) -> None:
    settings = replace(empty_models_settings, toxicity_model=DETOXIFY_MODEL)
    check = check_toxicity("Отличная куртка.", ModelStore(settings), CONFIG)
    assert (check.verdict, check.score) == ("unavailable", None)
    assert check.reason_ru.startswith("недоступно: модель detoxify-multilingual")
    assert f"`{DOWNLOAD}`" in check.reason_ru
    assert check.details == {"model": DETOXIFY_MODEL, "download": DOWNLOAD}


def test_toxic_output_rejects_with_the_same_russian_reason_and_no_network(tmp_path: Path) -> None:
    make_tiny_detoxify(tmp_path / "models", {"insult": 2.0, "toxicity": 1.0})
    text = "Куртка новая. Покупатели все дураки!"
    with network_attempts() as attempts:
        check = check_toxicity(text, ModelStore(detoxify_settings(tmp_path / "models")), CONFIG)
    assert attempts == []
    assert check.verdict == "reject"
    assert check.score == pytest.approx(_sigmoid(2.0), abs=1e-3)
    assert check.details["model"] == DETOXIFY_MODEL
    assert check.details["sentences"] == 2
    assert list(check.details["labels"]) == list(CLASSES)
    assert check.details["labels"]["toxicity"] == pytest.approx(_sigmoid(1.0), abs=1e-3)
    assert check.details["thresholds"] == {"reject": CONFIG.detoxify_reject, "warn": CONFIG.detoxify_warn}
    worst = check.details["worst_sentence"]
    assert worst in ("Куртка новая.", "Покупатели все дураки!")
    reason = f"Текст звучит грубо или оскорбительно (токсичность {check.score:.2f}): «{worst}»"
    assert check.reason_ru == reason


def test_one_borderline_sentence_warns_and_a_clean_one_passes(tmp_path: Path) -> None:
    """One sentence is a batch of one, whose scores Detoxify's predict() returns as plain floats."""
    borderline = ModelStore(detoxify_settings(make_tiny_detoxify(tmp_path / "a", {"threat": 0.5}).parent))
    check = check_toxicity("Ну такое себе пальто.", borderline, CONFIG)
    assert check.verdict == "warn"
    assert check.score == pytest.approx(_sigmoid(0.5), abs=1e-3)
    assert check.reason_ru.startswith("Фрагмент текста может показаться грубым (токсичность 0.62)")
    clean = ModelStore(detoxify_settings(make_tiny_detoxify(tmp_path / "b", {}).parent))
    check = check_toxicity("Отличное пальто, тёплое.", clean, CONFIG)
    assert (check.verdict, check.reason_ru) == ("pass", "")
    assert check.score == pytest.approx(_sigmoid(-6.0), abs=1e-3)


def test_thresholds_are_the_detoxify_ones_of_the_config(tmp_path: Path) -> None:
    models = ModelStore(detoxify_settings(make_tiny_detoxify(tmp_path / "models", {"threat": 0.5}).parent))
    strict = replace(CONFIG, detoxify_reject=0.6, toxicity_reject=0.99, toxicity_warn=0.98)
    assert check_toxicity("Ну такое себе пальто.", models, strict).verdict == "reject"


def test_many_sentences_are_batched_and_an_overlong_one_is_truncated(tmp_path: Path) -> None:
    """40 short sentences in batches of 8 and one of 300 words, far past the tiny model's 64 positions."""
    models = ModelStore(detoxify_settings(make_tiny_detoxify(tmp_path / "models", {}).parent))
    text = " ".join(f"Предложение номер {i} про пальто." for i in range(40)) + " Пальто" + " очень" * 300
    check = check_toxicity(text, models, replace(CONFIG, toxicity_batch_size=8))
    assert check.details["sentences"] == 41
    assert check.verdict == "pass"


def test_the_model_loads_once_and_the_working_directory_comes_back(tmp_path: Path) -> None:
    models = ModelStore(detoxify_settings(make_tiny_detoxify(tmp_path / "models", {}).parent))
    before = Path.cwd()
    check_toxicity("Первый раз.", models, CONFIG)
    loaded = models.loaded()
    check_toxicity("Второй раз.", models, CONFIG)
    assert Path.cwd() == before
    assert len(loaded) == 1 and models.loaded() == loaded


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not a torch checkpoint"),
        lambda path: torch.save({"state_dict": {}}, path),  # Detoxify's format needs its training config
    ],
    ids=["garbage", "no-config"],
)
def test_a_broken_checkpoint_is_an_error_naming_the_folder(tmp_path: Path, damage: object) -> None:
    folder = make_tiny_detoxify(tmp_path / "models", {})
    damage(folder / DETOXIFY_CHECKPOINT.name)  # type: ignore[operator]
    before = Path.cwd()
    with pytest.raises(ModelLoadError) as error:
        check_toxicity("Отличная куртка.", ModelStore(detoxify_settings(tmp_path / "models")), CONFIG)
    assert str(folder.resolve()) in str(error.value)
    assert "не загружается" in str(error.value)
    assert DOWNLOAD in str(error.value)
    assert Path.cwd() == before


def test_the_pipeline_rejects_a_toxic_listing_with_detoxify(tmp_path: Path) -> None:
    make_tiny_detoxify(tmp_path / "models", {"insult": 3.0})
    result = Pipeline(detoxify_settings(tmp_path / "models")).run(
        Listing([], {"Тип": "Куртка", "Цена": "100"}, "Покупатели все дураки!")
    )
    assert result.status == "rejected"
    reason = "Текст звучит грубо или оскорбительно (токсичность 0.95)"
    assert any(r.startswith(reason) for r in result.reasons), result.reasons
    (toxicity,) = [c for c in result.moderation if c["name"] == "toxicity"]
    assert toxicity["details"]["model"] == DETOXIFY_MODEL


def _environment(**values: str) -> dict[str, str]:
    return {**os.environ, "LISTING_DEVICE": "cpu", **values}


def test_the_cli_says_unavailable_with_the_command_when_detoxify_is_picked_but_absent(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--attr", "Цена=100", "--text", "Тёплая куртка.", "--json"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300,
        env=_environment(LISTING_MODELS_DIR=str(tmp_path / "models"), LISTING_TOXICITY_MODEL=DETOXIFY_MODEL),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    (toxicity,) = [c for c in result["moderation"] if c["name"] == "toxicity" and c["target"] == "input"]
    assert toxicity["verdict"] == "unavailable"
    assert f"`{DOWNLOAD}`" in toxicity["reason_ru"]
    assert any(DOWNLOAD in warning for warning in result["warnings"])


def test_the_app_started_with_the_setting_moderates_with_detoxify(tmp_path: Path) -> None:
    """`python app.py` as a user starts it, LISTING_TOXICITY_MODEL in its environment, called over HTTP."""
    make_tiny_detoxify(tmp_path / "models", {"insult": 3.0})
    port = free_port()
    env = _environment(LISTING_MODELS_DIR=str(tmp_path / "models"), LISTING_TOXICITY_MODEL=DETOXIFY_MODEL)
    server = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None, "the app exited"
            try:
                if httpx.get(url, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the app did not start in 4 minutes"
                time.sleep(1)
        table = {"headers": app.ATTRIBUTE_HEADERS, "data": [["Тип", "Куртка"], ["Цена", "100"]]}
        result = Client(url, verbose=False).predict(
            [], table, "Покупатели все дураки!", "template", "template", api_name="/generate"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result["status"] == "rejected"
    (toxicity,) = [c for c in result["moderation"] if c["name"] == "toxicity" and c["target"] == "input"]
    assert (toxicity["verdict"], toxicity["details"]["model"]) == ("reject", DETOXIFY_MODEL)
