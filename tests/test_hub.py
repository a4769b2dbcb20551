"""Model downloads against a fake Hugging Face Hub served on 127.0.0.1 (tests/fake_hub.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from core.catalogue import KNOWN_MODELS, is_present
from core.settings import PROJECT_ROOT, Settings
from pipeline.downloader import DownloadError, download, download_main, list_lines, partial_files
from tests.fake_hub import BERT_FILES, CAPTION_FILES, COMMIT, FakeHub, free_port


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Empty models folder and one caption checkpoint manifest pinned to a commit."""
    checkpoints = tmp_path / "checkpoints"
    (checkpoints / "captioner").mkdir(parents=True)
    manifest = {
        "kind": "encoder-decoder",
        "title": "Тестовая подпись",
        "images": "single",
        "source": {"hub": "org/captioner", "revision": COMMIT},
    }
    (checkpoints / "captioner" / "checkpoint.json").write_text(json.dumps(manifest), encoding="utf-8")
    (checkpoints / "captioner" / "README.md").write_text("наш README", encoding="utf-8")
    (checkpoints / "template").mkdir()
    (checkpoints / "template" / "checkpoint.json").write_text('{"kind": "template"}', encoding="utf-8")
    return Settings(models_dir=tmp_path / "models", checkpoints_dir=checkpoints)


def test_known_model_downloads_only_the_pytorch_files(fake_hub: FakeHub, settings: Settings) -> None:
    name = "bert-base-multilingual-cased"
    assert not is_present(name, settings)
    folder = download(name, settings, endpoint=fake_hub.url)
    assert folder == settings.models_dir / name
    assert is_present(name, settings)
    assert (folder / "model.safetensors").read_bytes() == BERT_FILES["model.safetensors"]
    assert not (folder / "tf_model.h5").exists()
    assert not (folder / "README.md").exists()
    assert ("GET", f"/api/models/{KNOWN_MODELS[name].hub_id}/revision/{KNOWN_MODELS[name].revision}") in (
        fake_hub.requests
    )


def test_checkpoint_download_keeps_our_manifest_and_readme(fake_hub: FakeHub, settings: Settings) -> None:
    folder = settings.checkpoints_dir / "captioner"
    manifest_before = (folder / "checkpoint.json").read_text(encoding="utf-8")
    download("captioner", settings, endpoint=fake_hub.url)
    assert (folder / "model.safetensors").read_bytes() == CAPTION_FILES["model.safetensors"]
    assert (folder / "checkpoint.json").read_text(encoding="utf-8") == manifest_before
    assert (folder / "README.md").read_text(encoding="utf-8") == "наш README"
    assert not (folder / "flax_model.msgpack").exists()
    assert ("GET", f"/api/models/org/captioner/revision/{COMMIT}") in fake_hub.requests
    assert ("GET", f"/api/models/org/captioner/tree/{COMMIT}") in fake_hub.requests


def test_interrupted_download_resumes_without_refetching(fake_hub: FakeHub, settings: Settings) -> None:
    name = "bert-base-multilingual-cased"
    fake_hub.fail_once.add("model.safetensors")
    with pytest.raises(DownloadError, match="ответил ошибкой 403") as error:
        download(name, settings, endpoint=fake_hub.url)
    assert name in str(error.value)
    assert not is_present(name, settings)
    assert (settings.models_dir / name / "config.json").is_file()
    download(name, settings, endpoint=fake_hub.url)
    assert is_present(name, settings)
    assert fake_hub.gets("config.json") == 1
    assert fake_hub.gets("model.safetensors") == 1


@pytest.mark.parametrize("name", ["bert-base-multilingual-cased", "captioner"])  # branch and commit revisions
def test_offline_gives_a_russian_message_with_the_command(name: str, settings: Settings) -> None:
    with pytest.raises(DownloadError) as error:
        download(name, settings, endpoint=f"http://127.0.0.1:{free_port()}")
    message = str(error.value)
    assert "нет сети" in message
    assert f"python -m pipeline download {name}" in message


def test_offline_mode_gives_the_same_message(
    fake_hub: FakeHub, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # read by the download worker process
    for name in ("bert-base-multilingual-cased", "captioner"):
        with pytest.raises(DownloadError, match="нет сети"):
            download(name, settings, endpoint=fake_hub.url)
    assert fake_hub.requests == []


def test_unknown_repository_and_unknown_name_are_refused(fake_hub: FakeHub, settings: Settings) -> None:
    with pytest.raises(DownloadError, match=r"ruclip-vit-base-patch32-384 не найден"):
        download("ruclip-vit-base-patch32-384", settings, endpoint=fake_hub.url)
    with pytest.raises(DownloadError, match=r"Неизвестная модель «nope».*captioner"):
        download("nope", settings, endpoint=fake_hub.url)
    with pytest.raises(DownloadError, match="Неизвестная модель «template»"):
        download("template", settings, endpoint=fake_hub.url)


def test_progress_callback_reaches_the_end(fake_hub: FakeHub, settings: Settings) -> None:
    reports: list[tuple[float, str]] = []
    download("captioner", settings, progress=lambda f, text: reports.append((f, text)), endpoint=fake_hub.url)
    fractions = [f for f, _ in reports]
    assert fractions, "no progress was reported"
    assert fractions[-1] == pytest.approx(1.0)
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(text == "Загрузка captioner" for _, text in reports)


def _use(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTING_MODELS_DIR", str(settings.models_dir))
    monkeypatch.setenv("LISTING_CHECKPOINTS_DIR", str(settings.checkpoints_dir))


def test_cli_all_then_list(
    fake_hub: FakeHub, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(settings, monkeypatch)
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    assert download_main(["--all"]) == 1  # ruCLIP and the toxicity model are not on the fake hub
    out = capsys.readouterr().out
    assert "bert-base-multilingual-cased: готово" in out
    assert "captioner: готово" in out
    assert "Ошибка: Репозиторий ai-forever/ruclip-vit-base-patch32-384 не найден" in out
    assert download_main(["--list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert set(lines) == {*KNOWN_MODELS, "captioner"}
    assert f"скачана, 10.0 КБ, версия {COMMIT[:10]}" in lines["bert-base-multilingual-cased"]
    assert f"скачана, 2.4 КБ, версия {COMMIT[:10]}" in lines["captioner"]
    assert "не скачана, ≈ 600 МБ" in lines["ruclip-vit-base-patch32-384"]
    # A second --all only fetches what is still missing.
    fetched = len(fake_hub.requests)
    download_main(["--all"])
    again = [path for _, path in fake_hub.requests[fetched:] if "multilingual" in path or "captioner" in path]
    assert not again


def test_list_reports_a_partial_folder(settings: Settings) -> None:
    folder = settings.models_dir / "bert-base-multilingual-cased"
    folder.mkdir(parents=True)
    (folder / "config.json").write_bytes(b"x" * 2048)
    line = next(x for x in list_lines(settings) if x.startswith("bert-base-multilingual-cased"))
    assert "скачана не полностью: есть 2.0 КБ; нет: vocab.txt, model.safetensors" in line


def test_cli_without_arguments_shows_the_list_and_a_hint(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(settings, monkeypatch)
    assert download_main([]) == 2
    out = capsys.readouterr().out
    assert "captioner" in out
    assert "--all" in out


def test_unwritable_folder_is_refused_naming_it(tmp_path: Path, settings: Settings) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the models folder should be")
    unwritable = Settings(models_dir=blocker / "models", checkpoints_dir=settings.checkpoints_dir)
    name = "bert-base-multilingual-cased"
    with pytest.raises(DownloadError) as error:
        download(name, unwritable, endpoint=f"http://127.0.0.1:{free_port()}")
    message = str(error.value)
    assert str(blocker / "models" / name) in message and "LISTING_MODELS_DIR" in message
    env = {**os.environ, "LISTING_MODELS_DIR": str(blocker / "models"), "LISTING_LOG_FILE": str(tmp_path)}
    done = _download_cli([name], env)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 1
    assert "Ошибка: Не удалось записать" in out and str(blocker / "models" / name) in out
    assert "Traceback" not in out + err


def _download_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pipeline", "download", *args]
    pipe = subprocess.PIPE
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, text=True, stdout=pipe, stderr=pipe)


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def _workers(folder: Path) -> list[psutil.Process]:
    """Download worker processes fetching into `folder`."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if "pipeline.download_worker" in command and str(folder) in command:
            found.append(process)
    return found


def _cut_off_midway(fake_hub: FakeHub, settings: Settings, tmp_path: Path) -> subprocess.Popen[str]:
    """`python -m pipeline download captioner`, caught with its weights half-fetched (the hub holds them)
    and its small files complete."""
    fake_hub.stall.add("model.safetensors")
    folder = settings.checkpoints_dir / "captioner"
    env = {
        **os.environ, "LISTING_MODELS_DIR": str(settings.models_dir), "HF_ENDPOINT": fake_hub.url,
        "LISTING_CHECKPOINTS_DIR": str(settings.checkpoints_dir), "LISTING_LOG_FILE": str(tmp_path / "log"),
    }  # fmt: skip
    running = _download_cli(["captioner"], env)
    small = ("config.json", "tokenizer.json", "preprocessor_config.json")
    _wait_for(lambda: bool(partial_files(folder)) and all((folder / f).is_file() for f in small), "mid-file")
    return running


def _resumes(fake_hub: FakeHub, settings: Settings) -> None:
    """The next run completes, fetching only the file that was cut off, and leaves nothing half-written."""
    folder = settings.checkpoints_dir / "captioner"
    fake_hub.stall.clear()
    download("captioner", settings, endpoint=fake_hub.url)
    assert (folder / "model.safetensors").read_bytes() == CAPTION_FILES["model.safetensors"]
    assert partial_files(folder) == []
    assert fake_hub.gets("config.json") == 1 and fake_hub.gets("tokenizer.json") == 1
    assert fake_hub.gets("model.safetensors") == 2  # huggingface_hub starts a cut-off file again


def test_killed_download_is_reported_truthfully_and_resumed(
    fake_hub: FakeHub, settings: Settings, tmp_path: Path
) -> None:
    folder = settings.checkpoints_dir / "captioner"
    running = _cut_off_midway(fake_hub, settings, tmp_path)
    running.kill()  # SIGKILL: no cleanup in the downloader
    running.communicate(timeout=60)
    psutil.wait_procs(_workers(folder), timeout=60)
    assert _workers(folder) == []  # the worker ended with its downloader
    assert partial_files(folder)  # what the kill left
    line = next(x for x in list_lines(settings) if x.startswith("captioner"))
    assert "скачана не полностью: есть" in line and "нет: веса модели" in line
    assert "прерванная загрузка оставила недокачанное (0 Б): при повторе удалится" in line
    _resumes(fake_hub, settings)


def test_ctrl_c_stops_at_once_in_one_russian_line(
    fake_hub: FakeHub, settings: Settings, tmp_path: Path
) -> None:
    folder = settings.checkpoints_dir / "captioner"
    running = _cut_off_midway(fake_hub, settings, tmp_path)
    running.send_signal(signal.SIGINT)  # the held file never ends: only a prompt stop returns
    _, err = running.communicate(timeout=60)
    assert running.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("Загрузка captioner прервана") and "python -m pipeline download captioner" in last
    assert _workers(folder) == [] and partial_files(folder) == []
    _resumes(fake_hub, settings)


def test_the_workers_progress_lines_stay_whole_when_threads_report_at_once() -> None:
    """The hub client reports progress from one thread per file; the downloader reads one JSON object a
    line, so two threads' messages must never share a line (before: «Extra data» in the app's download)."""
    code = (
        "import threading\n"
        "from pipeline.download_worker import _say\n"
        "def report(i):\n"
        "    for k in range(2000):\n"
        "        _say(fraction=k / 2000, text=f'файл {i}')\n"
        "threads = [threading.Thread(target=report, args=(i,)) for i in range(8)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert len(lines) == 16_000
    assert all(json.loads(line)["text"].startswith("файл ") for line in lines)
