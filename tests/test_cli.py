"""The CLI as a user runs it: a subprocess, its stdout and its exit code."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from core.settings import PROJECT_ROOT
from tests.checkpoint_folders import VIT, write_manifest, write_model_files

RESULT_KEYS = {"status", "text", "route", "diversity", "moderation", "masking", "scores", "timings"}
RESULT_KEYS |= {"reasons", "checkpoint", "warnings", "suggestions"}


def _cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300, env=env,
    )


def _photo(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = tmp_path / name
    Image.new("RGB", (120, 90), colour).save(path)
    return path


def test_run_json_ok_restores_numbers(tmp_path: Path) -> None:
    done = _cli(
        "run", "--image", _photo(tmp_path, "boots.jpg", (200, 60, 90)),
        "--attr", "Предмет одежды=Обувь", "--attr", "Цена=5000", "--attr", "Размер=30 (19 см)",
        "--text", "Зимние сапоги на девочку", "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result.keys() >= RESULT_KEYS
    assert result["status"] == "ok"
    assert "5000" in result["text"] and "30 (19 см)" in result["text"]
    assert result["text"].startswith(("Зимние сапоги", "Продаю зимние сапоги", "Продаются зимние сапоги"))
    # offline nothing knows the photo shows the boots: its colour is a suggestion, not a fact
    [suggestion] = result["suggestions"]
    colour = re.fullmatch(r"По фото похоже на (\w+) — добавьте цвет в характеристики, если это так",
                          suggestion)
    assert colour is not None and colour.group(1)[:4] not in result["text"]
    assert result["route"]["name"] == "single"
    assert result["timings"]["total"] >= max(v for k, v in result["timings"].items() if k != "total")


def test_attributes_file_and_two_photos(tmp_path: Path) -> None:
    attrs = tmp_path / "attrs.json"
    attrs.write_text(json.dumps({"Тип": "Стулья", "Цена": "6000"}, ensure_ascii=False), encoding="utf-8")
    done = _cli(
        "run",
        "--image", _photo(tmp_path, "a.jpg", (120, 80, 40)),
        "--image", _photo(tmp_path, "b.png", (90, 60, 30)),
        "--attributes", attrs, "--json",
    )
    result = json.loads(done.stdout)
    assert (done.returncode, result["route"]["name"]) == (0, "multi")
    assert "6000" in result["text"]


def test_rejected_exit_code_and_reason_names_file(tmp_path: Path) -> None:
    fake = tmp_path / "holiday.jpg"
    fake.write_text("not a photo")
    done = _cli("run", "--image", fake, "--attr", "Цена=100", "--json")
    assert done.returncode == 2
    result = json.loads(done.stdout)
    assert result["status"] == "rejected"
    assert any("holiday.jpg" in reason for reason in result["reasons"])


def test_unknown_checkpoint_is_an_error_listing_names() -> None:
    done = _cli("run", "--attr", "Цена=100", "--checkpoint", "../../etc", "--json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["status"] == "error"
    assert "template" in " ".join(result["reasons"])


def test_readable_summary_without_json(tmp_path: Path) -> None:
    done = _cli("run", "--attr", "Тип=Чашка", "--attr", "Цена=350")
    assert done.returncode == 0, done.stderr
    assert "Статус: готово" in done.stdout and "350" in done.stdout
    photos_only = _cli("run", "--image", _photo(tmp_path, "cup.jpg", (30, 40, 190)))
    assert photos_only.returncode == 0, photos_only.stderr
    assert "Внимание: Не указано, что продаётся" in photos_only.stdout
    assert "python -m pipeline download vit-rugpt2" in photos_only.stdout
    assert "Совет: По фото похоже на синий" in photos_only.stdout


def test_bad_arguments_give_usage_not_traceback() -> None:
    done = _cli("run", "--attr", "без знака равенства")
    assert done.returncode == 1
    assert "usage:" in done.stderr and "Поле=значение" in done.stderr
    assert "Traceback" not in done.stderr


def test_unreadable_attributes_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    done = _cli("run", "--attributes", broken)
    assert done.returncode == 1 and "broken.json" in done.stderr and "Traceback" not in done.stderr
    assert "строка 1, столбец 2" in done.stderr and "Expecting" not in done.stderr


def _env(tmp_path: Path, **settings: str | Path) -> dict[str, str]:
    """The environment with LISTING_* settings and a log file of the test's own."""
    own = {"LISTING_LOG_FILE": str(tmp_path / "cli.log"), **{k: str(v) for k, v in settings.items()}}
    return {**os.environ, **own}


def _one_russian_line(stderr: str) -> None:
    """What a failing command may print on stderr: one Russian line, no traceback."""
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert re.search("[а-яё]{4,}", stderr), stderr


@pytest.fixture
def checkpoints(tmp_path: Path) -> Path:
    """A checkpoints folder with the shipped manifests and folders in every state."""
    root = tmp_path / "checkpoints"
    shutil.copytree(PROJECT_ROOT / "checkpoints", root)
    write_model_files(write_manifest(root, "vit-garbage", VIT), struct.pack("<Q", 2**40) + b"{}")
    write_model_files(write_manifest(root, "vit-bert", VIT))  # sound files, but not an encoder-decoder
    (root / "vit-bert" / "config.json").write_text('{"model_type": "bert"}', encoding="utf-8")
    write_manifest(root, "my model", {"kind": "template", "title": "С пробелом", "images": "none"})
    write_manifest(root, "x" * 120, "{not json")
    return root


def test_checkpoints_command_shows_every_folder_with_its_state(tmp_path: Path, checkpoints: Path) -> None:
    env = _env(tmp_path, LISTING_CHECKPOINTS_DIR=checkpoints)
    done = _cli("checkpoints", env=env)
    assert done.returncode == 0, done.stderr
    lines = {line.split("  ")[0]: line for line in done.stdout.splitlines()}
    assert "готов" in lines["template"] and "не скачан" in lines["vit-rugpt2"]
    assert "повреждён: файл весов model.safetensors" in lines["vit-garbage"]
    assert "download vit-garbage" in lines["vit-garbage"] and "header" not in done.stdout
    assert "повреждён: имя папки не подходит" in lines["my model"]
    assert "x" * 99 + "…" in done.stdout and "x" * 100 not in done.stdout
    listed = json.loads(_cli("checkpoints", "--json", env=env).stdout)
    assert {entry["name"]: entry["state"] for entry in listed} == {
        "template": "готов", "qwen2-vl-2b": "не скачан", "vit-rugpt2": "не скачан",
        "vit-garbage": "повреждён", "vit-bert": "готов", "my model": "повреждён", "x" * 99 + "…": "повреждён",
    }  # fmt: skip


def test_missing_checkpoints_folder_is_one_russian_line(tmp_path: Path) -> None:
    env = _env(tmp_path, LISTING_CHECKPOINTS_DIR=tmp_path / "absent")
    done = _cli("run", "--attr", "Цена=100", "--json", env=env)
    assert done.returncode == 1
    _one_russian_line(done.stderr)
    [reason] = json.loads(done.stdout)["reasons"]
    assert str(tmp_path / "absent") in reason and "LISTING_CHECKPOINTS_DIR" in reason
    listing = _cli("checkpoints", env=env)
    assert listing.returncode == 1 and str(tmp_path / "absent") in listing.stderr
    _one_russian_line(listing.stderr)


def test_misnamed_default_checkpoint_is_one_russian_line(tmp_path: Path) -> None:
    done = _cli("run", "--attr", "Цена=100", env=_env(tmp_path, LISTING_DEFAULT_CHECKPOINT="templte"))
    assert done.returncode == 1
    _one_russian_line(done.stderr)
    assert "LISTING_DEFAULT_CHECKPOINT" in done.stdout and "«templte»" in done.stdout
    assert "Доступные модели: qwen2-vl-2b, template" in done.stdout


def test_broken_weights_fall_back_or_fail_in_one_russian_line(tmp_path: Path, checkpoints: Path) -> None:
    env = _env(tmp_path, LISTING_CHECKPOINTS_DIR=checkpoints)
    photo = _photo(tmp_path, "a.jpg", (120, 80, 40))
    garbage = _cli("run", "--image", photo, "--checkpoint", "vit-garbage", "--json", env=env)
    assert garbage.returncode == 0, garbage.stderr
    result = json.loads(garbage.stdout)
    assert result["checkpoint"]["used"] == "template"  # the cheap check caught it: the template wrote
    assert any("vit-garbage" in w and "повреждена" in w for w in result["warnings"])
    failing = _cli("run", "--image", photo, "--checkpoint", "vit-bert", "--json", env=env)
    assert failing.returncode == 1
    _one_russian_line(failing.stderr)
    [reason] = json.loads(failing.stdout)["reasons"]
    assert "vit-bert" in reason and "bert" in reason and "Генерация" in reason
    log = (tmp_path / "cli.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "stage generate failed" in log  # the details went to the log
    verbose = _cli("run", "--image", photo, "--checkpoint", "vit-bert", "--verbose", env=env)
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["pipeline", "--help"],
        ["pipeline", "run", "--help"],
        ["pipeline", "cases", "--help"],
        ["pipeline", "download", "--help"],
        ["diversity", "--help"],
        ["tools.train", "--help"],
        ["tools.evaluate", "--help"],
    ],
    ids=" ".join,
)
def test_every_command_explains_itself_in_russian(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", *command], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout and re.search("[а-яё]{4,}", done.stdout), done.stdout


def test_a_phone_hidden_with_zero_width_spaces_is_refused() -> None:
    """The report's own command: the invisible characters must not let the phone through."""
    done = _cli(
        "run", "--attr", "Тип=Чашка", "--attr", "Цена=200",
        "--text", "Звоните 8\u200b(999)\u200b123-45-67", "--json",
    )
    result = json.loads(done.stdout)
    assert (done.returncode, result["status"]) == (2, "rejected")
    assert any("телефон «8(999)123-45-67»" in reason for reason in result["reasons"])
