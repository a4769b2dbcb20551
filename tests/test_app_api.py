"""The app's API through gradio_client, against the app served on a free local port."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

import app
from app_inputs import ATTRIBUTE_HEADERS
from core.settings import PROJECT_ROOT
from pipeline import Settings
from pipeline.runner import STAGES_RU, Pipeline
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
    return {"headers": ATTRIBUTE_HEADERS, "data": [[k, v] for k, v in attributes.items()]}


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


def test_eleven_images_are_refused_before_any_is_read(client: Client, tmp_path: Path) -> None:
    files = [photo(tmp_path, f"p{i}.jpg", (10 * i, 80, 120)) for i in range(11)]
    with pytest.raises(AppError, match="Загружено 11 фото — допустимо не больше 10"):
        generate(client, files, {"Цена": "100"})


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


@pytest.mark.parametrize(
    ("forged", "message"),
    [
        ("Цена=100", "Таблица характеристик пришла в неверном виде"),
        ([["Цена", "100"]], "Таблица характеристик пришла в неверном виде"),
        ({"data": [["Цена", "100"]]}, "нет списка заголовков"),
        ({"headers": ATTRIBUTE_HEADERS, "data": [[f"Поле {i}", "1"] for i in range(51)]}, "не больше 50"),
    ],
)
def test_a_malformed_table_gets_a_specific_russian_answer(
    client: Client, forged: object, message: str
) -> None:
    """Before: Gradio's own parser failed first, and the client read «The upstream Gradio app has raised
    an exception…»."""
    with pytest.raises(AppError, match=message):
        client.predict([], forged, "", "template", "template", api_name="/generate")


def call_error(app_url: str, endpoint: str, data: list) -> str:
    """The error message of one call through Gradio's REST API (POST, then read the event stream)."""
    event = httpx.post(f"{app_url}gradio_api/call/{endpoint}", json={"data": data}).json()["event_id"]
    answer = httpx.get(f"{app_url}gradio_api/call/{endpoint}/{event}", timeout=60).text
    assert "event: error" in answer, answer
    return json.loads(answer.split("data:", 1)[1])["error"]


@pytest.mark.parametrize(
    "files",
    [["/etc/hostname"], [{"path": "/etc/hostname", "meta": {"_type": "gradio.FileData"}}], [{"url": "x"}]],
)
def test_a_hand_built_file_path_gets_a_specific_russian_answer(app_url: str, files: list) -> None:
    """Before: an empty (null) error; the file is never opened."""
    message = call_error(app_url, "generate", [files, table({"Цена": "1"}), "", "template", "template"])
    assert message.startswith("Фото 1:") and "handle_file" in message


def test_a_huge_model_name_is_echoed_short(client: Client) -> None:
    with pytest.raises(AppError) as refused:
        generate(client, [], {"Цена": "1"}, single="я" * 1_000_000)
    assert "я" * 99 + "…" in str(refused.value) and len(str(refused.value)) < 300


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
            assert ["Подпись", "captioner"] in dropdown["choices"]
    finally:
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def strict_app(app_settings: Settings) -> Iterator[tuple[str, app.Turns]]:
    """The app with no room in its line (a job running means the next is refused) and uploads kept
    for one second."""
    turns = app.Turns(waiting=0)
    demo = app.build_demo(Pipeline(app_settings), turns, delete_after_s=1)
    _, url, _ = demo.launch(
        server_name="127.0.0.1",
        server_port=free_port(),
        prevent_thread_lock=True,
        quiet=True,
        **app.launch_options(app_settings),
    )
    yield url, turns
    demo.close()


def test_a_full_queue_is_refused_in_russian(strict_app: tuple[str, app.Turns]) -> None:
    """Before: gradio_client raised «Queue is full! Please try again.»."""
    url, turns = strict_app
    client = Client(url, verbose=False)
    with turns.turn(), pytest.raises(AppError, match="Очередь заполнена"):  # a job is running
        generate(client, [], {"Цена": "1"})
    assert generate(client, [], {"Цена": "1"})["status"] == "ok"  # its turn is over: the next one runs


def upload(url: str, path: str) -> Path:
    """Upload a file as the page does; where the app keeps it."""
    with open(path, "rb") as handle:
        return Path(httpx.post(f"{url}gradio_api/upload", files={"files": handle}).json()[0])


def test_uploads_are_deleted_after_their_time(strict_app: tuple[str, app.Turns], tmp_path: Path) -> None:
    kept = upload(strict_app[0], photo(tmp_path, "old.jpg", (1, 2, 3)))
    assert kept.is_file()
    deadline = time.monotonic() + 30
    while kept.exists() and time.monotonic() < deadline:  # Gradio's cleaner runs every second
        time.sleep(0.2)
    assert not kept.exists()


def test_uploads_are_deleted_when_the_app_stops(app_settings: Settings, tmp_path: Path) -> None:
    demo = app.build_demo(Pipeline(app_settings))
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    kept = upload(url, photo(tmp_path, "kept.jpg", (4, 5, 6)))
    assert kept.is_file()
    demo.close()
    assert not kept.exists()
