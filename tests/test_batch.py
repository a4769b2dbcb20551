"""Batch generation: `python -m pipeline batch` over real photo files, on the local pool and on Ray Data.

Every listing runs through the real Pipeline (template checkpoint, no optional models), in real worker
processes or Ray actors; the kill-and-resume test kills a real `python -m pipeline batch` process group.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from core.listing import Result
from core.settings import PROJECT_ROOT, Settings
from tools.batch import InputError, finished_ids, read_listings, run_batch
from tools.engines import Engine

RESULT_KEYS = {"id", *Result().to_dict()}  # `id` plus the keys of `run --json`
COLOURS = [(200, 30, 30), (30, 30, 200), (30, 160, 30), (220, 200, 40), (20, 20, 20), (240, 240, 240)]
ITEMS = ["Куртка", "Платье", "Сумка", "Туфли", "Шапка"]


def _photo(path: Path, colour: tuple[int, int, int], shape: int) -> str:
    image = Image.new("RGB", (96, 128), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    (draw.ellipse if shape % 2 else draw.rectangle)((10 + shape, 12, 86 - shape, 116), fill=colour)
    image.save(path)
    return path.name


def _listings(folder: Path, count: int) -> list[dict]:
    """`count` listings with one to three photos each (paths relative to `folder`)."""
    listings = []
    for i in range(count):
        colours = [COLOURS[(i + k) % len(COLOURS)] for k in range(1 + i % 3)]
        photos = [_photo(folder / f"l{i}_{k}.png", colour, (i + k) % 5) for k, colour in enumerate(colours)]
        item = ITEMS[i % len(ITEMS)]
        attributes = {"Категория": item, "Размер": str(40 + i % 8), "Цена": f"{1000 + 250 * i} руб."}
        text = ["", f"Продаю {item.lower()}, носил(а) один сезон.", "Самовывоз у метро."][i % 3]
        listings.append({"id": f"L{i:03d}", "images": photos, "attributes": attributes, "text": text})
    return listings


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _read(path: Path) -> dict[str, dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len({r["id"] for r in records}) == len(records), "an id written twice"
    return {r["id"]: r for r in records}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The project's checkpoints; an empty models folder, so no optional model changes the results."""
    (tmp_path / "models").mkdir()
    return Settings(models_dir=tmp_path / "models")


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "LISTING_MODELS_DIR": str(settings.models_dir), "LISTING_DEVICE": "cpu"}


def test_local_pool_and_ray_write_the_same_listings(
    tmp_path: Path, settings: Settings, local_ray: None
) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _listings(tmp_path, 20))
    pool = run_batch(source, tmp_path / "pool.jsonl", settings, Engine("local", 2))
    ray = run_batch(source, tmp_path / "ray.jsonl", settings, Engine("ray", 2))
    local, remote = _read(tmp_path / "pool.jsonl"), _read(tmp_path / "ray.jsonl")
    assert pool.statuses == ray.statuses == Counter(ok=20)
    assert sorted(local) == sorted(remote) == [f"L{i:03d}" for i in range(20)]
    for key, record in local.items():
        assert set(record) == set(remote[key]) == RESULT_KEYS
        assert record["text"] == remote[key]["text"] and record["text"]
        assert record["route"] == remote[key]["route"] and record["photos"] == remote[key]["photos"]
    assert len({r["text"] for r in local.values()}) == 20  # every listing has its own text
    assert local["L001"]["route"]["name"] == "multi" and "1250" in local["L001"]["text"]


def test_bad_listings_get_their_own_status_and_the_rest_finish(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    rows = _listings(tmp_path, 6)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    rows[1]["images"] = ["broken.jpg"]
    rows[2]["text"] = "Звоните +7 912 345-67-89, отвечу быстро."
    rows[3]["checkpoint"] = "нет-такой-модели"
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "cut", "images": [\n')  # not JSON: its own error, by line number
    command = ["batch", "--input", source, "--output", tmp_path / "out.jsonl", "--workers", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, command)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=cli_env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = _read(tmp_path / "out.jsonl")
    assert {k: r["status"] for k, r in out.items()} == {
        "L000": "ok", "L001": "rejected", "L002": "rejected", "L003": "error", "L004": "ok", "L005": "ok",
        "строка 7": "error",
    }  # fmt: skip
    assert "broken.jpg" in out["L001"]["reasons"][0]
    assert "телефон" in out["L002"]["reasons"][0] and not out["L002"]["text"]
    assert "нет-такой-модели" in out["L003"]["reasons"][0] and "template" in out["L003"]["reasons"][0]
    assert "не JSON" in out["строка 7"]["reasons"][0]
    assert all(set(r) == RESULT_KEYS for r in out.values())
    assert "готово 3 · отклонено 2 · ошибка 2" in done.stdout
    assert re.search(r"медиана \d+\.\d{3}, p95 \d+\.\d{3}", done.stdout) and "объявл./с" in done.stdout


def test_killed_batch_resumes_with_every_id_exactly_once(tmp_path: Path, cli_env: dict[str, str]) -> None:
    rows = _listings(tmp_path, 30)
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "pipeline", "batch", "--input", str(source), "--output", str(output),
               "--workers", "2"]  # fmt: skip
    first = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=cli_env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while first.poll() is None and time.monotonic() < deadline:
        if output.exists() and output.read_bytes().count(b"\n") >= 3:
            break
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)  # the whole job: the command and its worker processes
    assert first.wait(timeout=60) == -signal.SIGKILL
    written = output.read_bytes().count(b"\n")
    assert 3 <= written < len(rows), "the first run must be killed mid-batch"
    with output.open("a", encoding="utf-8") as handle:  # a crash in the middle of writing a line
        handle.write('{"id": "L029", "status": "ok", "te')

    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, env=cli_env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "оборвана" in done.stderr
    out = _read(output)  # every line is JSON and no id is there twice
    assert sorted(out) == [r["id"] for r in rows]
    assert all(r["status"] == "ok" and r["text"] for r in out.values())
    assert f"уже были готовы: {written}" in done.stdout


def test_csv_input_gives_the_jsonl_results(tmp_path: Path, settings: Settings) -> None:
    rows = _listings(tmp_path, 4)
    (tmp_path / "sub").mkdir()
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    table = tmp_path / "sub" / "in.csv"  # photo paths are relative to the CSV's own folder
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "images", "attributes", "text"])
        for row in rows:
            images = ";".join(f"../{name}" for name in row["images"])
            attributes = json.dumps(row["attributes"], ensure_ascii=False)
            writer.writerow([row["id"], images, attributes, row["text"]])
    assert [i["images"] for i in read_listings(table)] == [i["images"] for i in read_listings(source)]
    run_batch(source, tmp_path / "a.jsonl", settings, Engine("local", 1))
    run_batch(table, tmp_path / "b.jsonl", settings, Engine("local", 1))
    a, b = _read(tmp_path / "a.jsonl"), _read(tmp_path / "b.jsonl")
    assert {k: r["text"] for k, r in a.items()} == {k: r["text"] for k, r in b.items()}
    assert a["L002"]["route"]["name"] == "multi" and len(a["L002"]["photos"]) == 3


def test_limit_takes_the_first_listings_and_a_rerun_adds_the_rest(tmp_path: Path, settings: Settings) -> None:
    rows = _listings(tmp_path, 5)
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"
    first = run_batch(source, output, settings, Engine("local", 1), limit=2)
    assert (first.done, first.skipped) == (2, 0) and sorted(_read(output)) == ["L000", "L001"]
    second = run_batch(source, output, settings, Engine("local", 1))
    assert (second.done, second.skipped) == (3, 2)
    assert sorted(_read(output)) == [r["id"] for r in rows]


def test_finished_ids_drops_a_cut_last_line_and_refuses_a_broken_middle(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    output.write_text('{"id": "a"}\n{"id": 7}\n{"id": "c", "sta', encoding="utf-8")
    assert finished_ids(output) == {"a", "7"}
    assert output.read_text(encoding="utf-8") == '{"id": "a"}\n{"id": 7}\n'
    output.write_text('{"id": "a"}\n{"id": "b"\n{"id": "c"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="строка 2"):
        finished_ids(output)
    assert finished_ids(tmp_path / "none.jsonl") == set()


def test_repeated_ids_and_bad_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        {"id": "a", "images": ["x.png"], "attributes": {"Цена": 100}},
        {"id": "a", "images": []},
        {"images": []},
        {"id": "b", "images": "x.png"},
        {"id": "c", "attributes": ["Цена"]},
    ]
    _write_jsonl(source, lines)
    items = read_listings(source)
    assert [i["id"] for i in items] == ["a", "строка 3", "b", "c"]  # a readable id is kept
    assert items[0]["images"] == [str(tmp_path / "x.png")] and items[0]["attributes"] == {"Цена": "100"}
    assert "id" in items[1]["error"] and "images" in items[2]["error"] and "attributes" in items[3]["error"]
    assert "«a» повторяется (строки 1 и 2)" in capsys.readouterr().err
