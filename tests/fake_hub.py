"""A fake Hugging Face Hub on 127.0.0.1 for download tests (no test touches the internet).

It answers the same HTTP API the real hub does for `snapshot_download` (revision info, file tree,
HEAD/GET of `resolve/` URLs), so the real huggingface_hub download path runs end to end. It also serves
files published at plain addresses the way GitHub serves release assets: a redirect to storage that
answers Range requests, and a transfer that can be made to break off halfway.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

import numpy as np
from safetensors.numpy import save

from core.catalogue import KNOWN_MODELS

COMMIT = "0123456789abcdef0123456789abcdef01234567"

BERT_FILES = {
    "config.json": b'{"model_type": "bert"}',
    "vocab.txt": "[PAD]\n[UNK]\nплатье\n".encode(),
    "model.safetensors": bytes(range(256)) * 40,
    "tokenizer_config.json": b"{}",
    "tf_model.h5": b"tensorflow weights we never want",
    "README.md": b"hub readme",
}
CAPTION_FILES = {  # what an encoder-decoder checkpoint needs, with weights whose header reads
    "config.json": b'{"model_type": "vision-encoder-decoder"}',
    "model.safetensors": save({"weight": np.zeros((24, 24), dtype=np.float32)}),
    "tokenizer.json": b"{}",
    "preprocessor_config.json": b"{}",
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
    published: dict[str, bytes] = field(default_factory=dict)  # release assets by address path
    cut_once: set[str] = field(default_factory=set)  # published paths whose next transfer breaks off
    ranges: list[str | None] = field(default_factory=list)  # the Range header of each asset GET
    stall: set[str] = field(default_factory=set)  # files sent half, then held until `release` is set
    release: threading.Event = field(default_factory=threading.Event)

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

        def _asset(self, path: str, with_body: bool) -> None:
            """A published file from storage: whole, or from the byte a `Range: bytes=N-` asks for."""
            body = hub.published[path]
            wanted = self.headers.get("Range")
            hub.ranges.append(wanted)
            start = int(wanted.removeprefix("bytes=").removesuffix("-")) if wanted else 0
            if start >= len(body):
                return self._reply(416, b"", {"Content-Range": f"bytes */{len(body)}"}, with_body)
            headers = {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"} if wanted else {}
            if path not in hub.cut_once:
                return self._reply(206 if wanted else 200, body[start:], headers, with_body)
            hub.cut_once.discard(path)  # promise the whole file, send half of it, hang up
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True

        def _serve(self, with_body: bool) -> None:
            path = unquote(urlparse(self.path).path)
            hub.requests.append((self.command, path))
            if path in hub.published:  # the release address redirects to storage, as GitHub's does
                if path.rsplit("/", 1)[-1] in hub.fail_once:
                    hub.fail_once.discard(path.rsplit("/", 1)[-1])
                    return self._reply(503, b"busy", {}, with_body)
                return self._reply(302, b"", {"Location": f"/storage{path}"}, with_body)
            stored = path.removeprefix("/storage")
            if path.startswith("/storage/") and stored in hub.published:
                return self._asset(stored, with_body)
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
                    if with_body and filename in hub.stall:
                        return self._stall(body, headers)
                    return self._reply(200, body, headers, with_body)
            return self._reply(404, b"{}", {"X-Error-Code": "RepoNotFound"}, with_body)

        def _stall(self, body: bytes, headers: dict[str, str]) -> None:
            """Half the file, then nothing until the hub releases it: a download cut off midway."""
            self.send_response(200)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            hub.release.wait()

        def do_GET(self) -> None:
            self._serve(True)

        def do_HEAD(self) -> None:
            self._serve(False)

    return Handler


@contextmanager
def serve_fake_hub() -> Iterator[FakeHub]:
    """A hub on a free local port with the BERTScore model and one caption checkpoint repository."""
    repos = {KNOWN_MODELS["bert-base-multilingual-cased"].hub_id: BERT_FILES, "org/captioner": CAPTION_FILES}
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    hub = FakeHub(f"http://127.0.0.1:{server.server_address[1]}", repos)
    server.RequestHandlerClass = _handler(hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        hub.release.set()
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
