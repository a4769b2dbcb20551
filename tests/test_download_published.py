"""Files published at plain addresses (Detoxify's checkpoint, a GitHub release asset), fetched from a
local server that redirects to storage and answers Range requests (tests/fake_hub.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core.catalogue import DETOXIFY_BASE, DETOXIFY_CHECKPOINT, DETOXIFY_MODEL, KNOWN_MODELS, PublishedFile
from core.settings import Settings
from pipeline.downloader import DownloadError, download, download_main, fetch_published, list_lines
from tests.fake_hub import COMMIT, FakeHub, free_port

CONTENT = bytes(range(256)) * 300  # 76.8 KB: more than one streamed chunk of the fake server
PATH = "/org/model/releases/download/v1/weights-{}.ckpt"
XLMR_FILES = {
    "config.json": b'{"model_type": "xlm-roberta"}',
    "tokenizer.json": b'{"model": {"type": "Unigram"}}',
    "sentencepiece.bpe.model": b"spm" * 100,
    "README.md": b"not wanted",
    "model.safetensors": b"base weights Detoxify does not need",
}


def published(hub: FakeHub, content: bytes = CONTENT, prefix: str | None = None) -> PublishedFile:
    """A file served by the fake server under a name carrying its SHA-256 prefix (or a given one)."""
    prefix = prefix or hashlib.sha256(content).hexdigest()[:8]
    path = PATH.format(prefix)
    hub.published[path] = content
    return PublishedFile(f"https://releases.example{path}", prefix)


def test_published_file_is_fetched_checked_and_recorded(fake_hub: FakeHub, tmp_path: Path) -> None:
    file = published(fake_hub)
    reports: list[float] = []
    record = fetch_published(file, tmp_path, "some-model", fake_hub.url, lambda f, _: reports.append(f))
    assert (tmp_path / file.name).read_bytes() == CONTENT
    assert record == {"url": file.url, "sha256": hashlib.sha256(CONTENT).hexdigest(), "bytes": len(CONTENT)}
    path = PATH.format(file.sha256_prefix)
    assert [p for _, p in fake_hub.requests] == [path, f"/storage{path}"]  # the redirect was followed
    assert reports and reports[-1] == pytest.approx(1.0)
    assert not list((tmp_path / ".cache" / "published").iterdir())  # nothing partial is left behind


def test_broken_transfer_resumes_from_the_byte_it_stopped_at(fake_hub: FakeHub, tmp_path: Path) -> None:
    file = published(fake_hub)
    fake_hub.cut_once.add(PATH.format(file.sha256_prefix))
    with pytest.raises(DownloadError) as error:
        fetch_published(file, tmp_path, "some-model", fake_hub.url)
    assert "связь прервалась" in str(error.value)
    assert "`python -m pipeline download some-model`" in str(error.value)
    assert not (tmp_path / file.name).exists()
    half = len(CONTENT) // 2
    assert (tmp_path / ".cache" / "published" / f"{file.name}.incomplete").stat().st_size == half
    fetch_published(file, tmp_path, "some-model", fake_hub.url)
    assert (tmp_path / file.name).read_bytes() == CONTENT
    assert fake_hub.ranges == [None, f"bytes={half}-"]


def test_a_file_that_is_not_the_published_one_is_removed(fake_hub: FakeHub, tmp_path: Path) -> None:
    file = published(fake_hub, prefix="00000000")
    actual = hashlib.sha256(CONTENT).hexdigest()[:8]
    with pytest.raises(DownloadError, match=f"начинается с {actual}, а не с 00000000. Файл удалён"):
        fetch_published(file, tmp_path, "some-model", fake_hub.url)
    assert not (tmp_path / file.name).exists()
    assert not (tmp_path / ".cache" / "published" / f"{file.name}.incomplete").exists()


def test_a_file_already_in_place_is_not_fetched_again(fake_hub: FakeHub, tmp_path: Path) -> None:
    file = published(fake_hub)
    first = fetch_published(file, tmp_path, "some-model", fake_hub.url)
    asked = len(fake_hub.requests)
    assert fetch_published(file, tmp_path, "some-model", fake_hub.url) == first
    assert len(fake_hub.requests) == asked


def test_server_errors_and_no_network_give_russian_messages(fake_hub: FakeHub, tmp_path: Path) -> None:
    file = published(fake_hub)
    fake_hub.fail_once.add(file.name)
    with pytest.raises(DownloadError, match=r"ответил ошибкой 503 при загрузке weights-.*Повторите `python"):
        fetch_published(file, tmp_path, "some-model", fake_hub.url)
    missing = PublishedFile("https://releases.example/nothing/here-12345678.ckpt", "12345678")
    with pytest.raises(DownloadError, match="ответил ошибкой 404"):
        fetch_published(missing, tmp_path, "some-model", fake_hub.url)
    with pytest.raises(DownloadError, match="нет сети или связь прервалась"):
        fetch_published(file, tmp_path, "some-model", f"http://127.0.0.1:{free_port()}")


def test_detoxify_download_fetches_the_base_files_and_checks_the_checkpoint(
    fake_hub: FakeHub, tmp_path: Path
) -> None:
    """The catalogue entry end to end: xlm-roberta-base's config and tokenizer from the hub into their
    subfolder, then the release checkpoint, refused here because the bytes served are not Detoxify's."""
    settings = Settings(models_dir=tmp_path / "models", checkpoints_dir=tmp_path / "checkpoints")
    fake_hub.repos[KNOWN_MODELS[DETOXIFY_MODEL].hub_id] = XLMR_FILES
    release_path = DETOXIFY_CHECKPOINT.url.removeprefix("https://github.com")
    fake_hub.published[release_path] = CONTENT
    with pytest.raises(DownloadError, match=r"не тот, что опубликован.*не с 0b549669"):
        download(DETOXIFY_MODEL, settings, endpoint=fake_hub.url, files_endpoint=fake_hub.url)
    base = settings.models_dir / DETOXIFY_MODEL / DETOXIFY_BASE
    assert sorted(p.name for p in base.iterdir() if p.is_file()) == [
        "config.json", "sentencepiece.bpe.model", "tokenizer.json"
    ]  # fmt: skip
    assert (base / "tokenizer.json").read_bytes() == XLMR_FILES["tokenizer.json"]
    assert ("GET", release_path) in fake_hub.requests
    line = next(x for x in list_lines(settings) if x.startswith(DETOXIFY_MODEL))
    assert "скачана не полностью" in line


def test_download_list_shows_the_detoxify_model_and_its_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LISTING_MODELS_DIR", str(tmp_path / "models"))
    assert download_main(["--list"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(DETOXIFY_MODEL))
    assert "не скачана, ≈ 1130 МБ" in line
    assert "FacebookAI/xlm-roberta-base@main + multilingual_debiased-0b549669.ckpt" in line
    assert "Detoxify" in line


def test_a_complete_detoxify_folder_lists_as_downloaded_with_its_version(tmp_path: Path) -> None:
    folder = tmp_path / "models" / DETOXIFY_MODEL
    for name in KNOWN_MODELS[DETOXIFY_MODEL].required_files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x" * 1024)
    (folder / ".cache").mkdir()
    record = {"hub": KNOWN_MODELS[DETOXIFY_MODEL].hub_id, "revision": "main", "commit": COMMIT}
    (folder / ".cache" / "listing-download.json").write_text(json.dumps(record), encoding="utf-8")
    lines = list_lines(Settings(models_dir=tmp_path / "models"))
    line = next(x for x in lines if x.startswith(DETOXIFY_MODEL))
    assert f"скачана, 3.0 КБ, версия {COMMIT[:10]}" in line


def test_a_partial_file_that_is_already_whole_is_checked_and_kept(fake_hub: FakeHub, tmp_path: Path) -> None:
    """Stopped after the last byte but before the check: the server answers 416, nothing is re-sent."""
    file = published(fake_hub)
    partial = tmp_path / ".cache" / "published" / f"{file.name}.incomplete"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(CONTENT)
    fetch_published(file, tmp_path, "some-model", fake_hub.url)
    assert (tmp_path / file.name).read_bytes() == CONTENT
    assert fake_hub.ranges == [f"bytes={len(CONTENT)}-"]
