"""Model downloads against a fake Hugging Face Hub served on 127.0.0.1 (no test touches the internet).

The fake hub answers the same HTTP API the real one does for `snapshot_download` (revision info,
file tree, HEAD/GET of `resolve/` URLs), so the real huggingface_hub download path runs end to end.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import huggingface_hub.constants
import pytest

from pipeline.hub import KNOWN_MODELS, DownloadError, download, download_main, is_present, list_lines
from pipeline.settings import Settings

COMMIT = "0123456789abcdef0123456789abcdef01234567"

BERT_FILES = {
    "config.json": b'{"model_type": "bert"}',
    "vocab.txt": "[PAD]\n[UNK]\nплатье\n".encode(),
    "model.safetensors": bytes(range(256)) * 40,
    "tokenizer_config.json": b"{}",
    "tf_model.h5": b"tensorflow weights we never want",
    "README.md": b"hub readme",
}
CAPTION_FILES = {
    "config.json": b'{"model_type": "vision-encoder-decoder"}',
    "model.safetensors": b"w" * 3000,
    "README.md": b"hub readme that must not replace ours",
    "flax_model.msgpack": b"flax weights we never want",
}


@dataclass
class FakeHub:
    """Repositories served by the fake hub, and every request it received."""

    url: str
    repos: dict[str, dict[str, bytes]]
    requests: list[tuple[str, str]] = field(default_factory=list)
    fail_once: set[str] = field(default_factory=set)

    def gets(self, filename: str) -> int:
        """How many times a file's content was fetched."""
        return sum(1 for method, path in self.requests if method == "GET" and path.endswith("/" + filename))


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _reply(self, code: int, body: bytes, headers: dict[str, str], with_body: bool = True) -> None:
            self.send_response(code)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def _json(self, data: object) -> None:
            self._reply(200, json.dumps(data).encode(), {"Content-Type": "application/json"})

        def _serve(self, with_body: bool) -> None:
            path = unquote(urlparse(self.path).path)
            hub.requests.append((self.command, path))
            for repo, files in hub.repos.items():
                if path.startswith(f"/api/models/{repo}/revision/"):
                    siblings = [{"rfilename": f} for f in files]
                    return self._json({"id": repo, "sha": COMMIT, "siblings": siblings})
                if path.startswith(f"/api/models/{repo}/tree/{COMMIT}"):
                    return self._json(
                        [
                            {"type": "file", "path": f, "size": len(b), "oid": hashlib.sha1(b).hexdigest()}
                            for f, b in files.items()
                        ]
                    )
                prefix = f"/{repo}/resolve/{COMMIT}/"
                if path.startswith(prefix) and path[len(prefix) :] in files:
                    filename = path[len(prefix) :]
                    if filename in hub.fail_once:
                        hub.fail_once.discard(filename)
                        return self._reply(403, b"{}", {"X-Error-Message": "forbidden for now"}, with_body)
                    body = files[filename]
                    headers = {"ETag": f'"{hashlib.sha1(body).hexdigest()}"', "X-Repo-Commit": COMMIT}
                    return self._reply(200, body, headers, with_body)
            return self._reply(404, b"{}", {"X-Error-Code": "RepoNotFound"}, with_body)

        def do_GET(self) -> None:
            self._serve(True)

        def do_HEAD(self) -> None:
            self._serve(False)

    return Handler


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    """A hub on a free local port with the BERTScore model and one caption checkpoint repository."""
    repos = {KNOWN_MODELS["bert-base-multilingual-cased"].hub_id: BERT_FILES, "org/captioner": CAPTION_FILES}
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    hub = FakeHub(f"http://127.0.0.1:{server.server_address[1]}", repos)
    server.RequestHandlerClass = _handler(hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hub
    server.shutdown()
    server.server_close()


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        download(name, settings, endpoint=f"http://127.0.0.1:{_free_port()}")
    message = str(error.value)
    assert "нет сети" in message
    assert f"python -m pipeline download {name}" in message


def test_offline_mode_gives_the_same_message(
    fake_hub: FakeHub, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # what HF_HUB_OFFLINE=1 sets
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
    assert f"скачана, 3.0 КБ, версия {COMMIT[:10]}" in lines["captioner"]
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
    assert "скачана не полностью (2.0 КБ)" in line


def test_cli_without_arguments_shows_the_list_and_a_hint(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(settings, monkeypatch)
    assert download_main([]) == 2
    out = capsys.readouterr().out
    assert "captioner" in out
    assert "--all" in out
