"""The app's API through gradio_client, against the app served on a free local port."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

import app
from core.settings import PROJECT_ROOT
from pipeline import Settings
from pipeline.runner import STAGES_RU
from tests.fake_hub import CAPTION_FILES, COMMIT, FakeHub, free_port


@pytest.fixture(scope="module")
def client(app_url: str) -> Client:
    return Client(app_url, verbose=False)


def photo(folder: Path, name: str, color: tuple[int, int, int]) -> str:
    """A small real JPEG."""
    path = folder / name
    Image.new("RGB", (96, 128), color).save(path, "JPEG")
    return str(path)


def table(attributes: dict[str, str]) -> dict:
    """The attribute table as the API takes it."""
    return {"headers": app.ATTRIBUTE_HEADERS, "data": [[k, v] for k, v in attributes.items()]}


def generate(
    client: Client,
    files: list[str],
    attributes: dict[str, str],
    text: str = "",
    single: str | None = "template",
    multi: str | None = "template",
) -> dict:
    return client.predict(
        [handle_file(f) for f in files], table(attributes), text, single, multi, api_name="/generate"
    )


def test_valid_listing_returns_ok_with_the_sellers_numbers_restored(client: Client, tmp_path: Path) -> None:
    files = [photo(tmp_path, "front.jpg", (30, 60, 160)), photo(tmp_path, "back.jpg", (40, 70, 150))]
    result = generate(
        client, files, {"Тип": "Куртка", "Размер": "48", "Цена": "2 990 ₽"}, "Тёплая, с капюшоном."
    )
    assert result["status"] == "ok", result["reasons"]
    assert "2 990 ₽" in result["text"]
    assert "48" in result["text"]
    assert result["route"]["name"] == "multi"
    assert [p["name"] for p in result["photos"]] == ["front.jpg", "back.jpg"]
    values = result["masking"]["values"]
    restored = {values[token] for token in result["masking"]["restored"]}
    assert {"2 990 ₽", "48"} <= restored
    assert result["timings"]["total"] > 0


def test_explicit_rejection_returns_its_reason(client: Client) -> None:
    result = generate(
        client, [], {"Тип": "Чашка", "Цена": "200"}, "Звоните 8 (999) 123-45-67 или пишите в телегу."
    )
    assert result["status"] == "rejected"
    assert any("123-45-67" in reason for reason in result["reasons"]), result["reasons"]
    assert result["text"] == ""


def test_eleven_images_are_refused(client: Client, tmp_path: Path) -> None:
    files = [photo(tmp_path, f"p{i}.jpg", (10 * i, 80, 120)) for i in range(11)]
    result = generate(client, files, {"Цена": "100"})
    assert result["status"] == "rejected"
    assert any("11" in reason and "10" in reason for reason in result["reasons"]), result["reasons"]


def test_a_photo_over_the_size_limit_is_refused_by_the_server(
    app_url: str, app_settings: Settings, tmp_path: Path
) -> None:
    big = tmp_path / "big.png"
    Image.frombytes("RGB", (700, 600), os.urandom(700 * 600 * 3)).save(big)
    assert big.stat().st_size > app_settings.limits.max_image_bytes
    with big.open("rb") as handle:
        refused = httpx.post(f"{app_url}gradio_api/upload", files={"files": handle})
    assert refused.status_code == 413
    small = photo(tmp_path, "small.jpg", (1, 2, 3))
    with open(small, "rb") as handle:
        accepted = httpx.post(f"{app_url}gradio_api/upload", files={"files": handle})
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (PROJECT_ROOT / "app.py", 403),
        (PROJECT_ROOT / "checkpoints" / "template" / "checkpoint.json", 403),
        (PROJECT_ROOT / "pyproject.toml", 403),
        (next(PROJECT_ROOT.glob("test_cases/*/*.jpg")), 200),
    ],
)
def test_only_the_test_cases_are_served(app_url: str, path: Path, status: int) -> None:
    assert httpx.get(f"{app_url}gradio_api/file={path}").status_code == status


@pytest.mark.parametrize("name", ["../../etc", "/etc/passwd", "template/../../models"])
def test_forged_checkpoint_name_is_refused(client: Client, name: str) -> None:
    result = generate(client, [], {"Цена": "100"}, single=name, multi=name)
    assert result["status"] != "ok"
    assert result["text"] == ""
    assert any(name in reason and "template" in reason for reason in result["reasons"]), result["reasons"]


def test_forged_attribute_table_is_refused(client: Client) -> None:
    forged = {"headers": ["Поле", "Значение", "x"], "data": [["Цена", "100", "лишнее"]]}
    with pytest.raises(AppError, match="ровно две ячейки"):
        client.predict([], forged, "", "template", "template", api_name="/generate")


def test_empty_listing_points_to_the_test_cases(client: Client) -> None:
    result = generate(client, [], {})
    assert result["status"] == "rejected"
    assert any(app.CASES_SECTION in reason for reason in result["reasons"]), result["reasons"]


def test_compare_runs_every_chosen_checkpoint(client: Client) -> None:
    entries = client.predict(
        [], table({"Тип": "Чашка", "Цена": "350"}), "Фарфор.", ["template", "vit-rugpt2"], api_name="/compare"
    )
    assert [e["name"] for e in entries] == ["template", "vit-rugpt2"]
    assert all("350" in e["result"]["text"] for e in entries)


def test_compare_needs_two_checkpoints(client: Client) -> None:
    with pytest.raises(AppError, match="хотя бы две"):
        client.predict([], table({"Цена": "1"}), "", ["template"], api_name="/compare")


def test_download_without_network_says_so(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    message, *_ = client.predict("vit-rugpt2", api_name="/download")
    assert message.startswith("Не удалось скачать «vit-rugpt2»")


def test_only_the_three_actions_are_public_endpoints(client: Client) -> None:
    info = client.view_api(print_info=False, return_format="dict")
    assert set(info["named_endpoints"]) == {"/generate", "/compare", "/download"}


def test_generation_reports_its_stages_as_progress(app_url: str, shared_photos: Path) -> None:
    """What the browser's progress bar shows: the pipeline's Russian stage names, in order (raw SSE)."""
    config = httpx.get(f"{app_url}config").json()
    generate_id = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "generate")
    session = uuid.uuid4().hex
    photos = []  # real photos keep the run long enough for the throttled progress updates
    for path in sorted((shared_photos / "clothing").rglob("*.jpg"))[:3]:
        with path.open("rb") as handle:
            uploaded = httpx.post(f"{app_url}gradio_api/upload", files={"files": handle}).json()[0]
        photos.append({"path": uploaded, "meta": {"_type": "gradio.FileData"}})
    inputs = [photos, table({"Тип": "Платье", "Цена": "100"}), "Летнее.", "template", "template"]
    joined = httpx.post(
        f"{app_url}gradio_api/queue/join",
        json={"data": inputs, "fn_index": generate_id, "session_hash": session},
    )
    assert joined.status_code == 200
    progress: list[tuple[float, str]] = []
    with httpx.stream(
        "GET", f"{app_url}gradio_api/queue/data", params={"session_hash": session}, timeout=60
    ) as sse:
        for line in sse.iter_lines():
            message = json.loads(line.removeprefix("data:")) if line.startswith("data:") else {}
            if message.get("msg") == "progress":
                progress += [(unit["progress"], unit["desc"]) for unit in message["progress_data"]]
            if message.get("msg") == "process_completed":
                assert message["output"]["data"][0]["status"] == "ok"
                break
    fractions = [fraction for fraction, _ in progress]
    assert fractions == sorted(fractions)
    stages = {stage for _, stage in progress}  # updates are throttled: some stages may be skipped
    assert stages
    assert stages <= {*STAGES_RU.values(), "Готово"}


def test_download_fetches_the_weights_and_marks_the_model_ready(
    client: Client,
    app_settings: Settings,
    fake_hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = app_settings.checkpoints_dir / "captioner"
    folder.mkdir()
    manifest = {
        "kind": "encoder-decoder",
        "title": "Подпись",
        "images": "single",
        "source": {"hub": "org/captioner", "revision": COMMIT},
    }
    (folder / "checkpoint.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    try:
        message, single, multi, every = client.predict("captioner", api_name="/download")
        assert message == "Модель «captioner» скачана и готова к работе."
        assert (folder / "model.safetensors").read_bytes() == CAPTION_FILES["model.safetensors"]
        for dropdown in (single, multi, every):  # every model list now shows it as ready
            assert ["Подпись (captioner)", "captioner"] in dropdown["choices"]
    finally:
        shutil.rmtree(folder)
