"""`python -m pipeline download`: fetch known models and caption checkpoints.

Two kinds of downloadable things: the moderation/scoring models of the catalogue (`core.catalogue`,
one folder each under the models folder) and the caption checkpoints whose manifest
(`checkpoints/<name>/checkpoint.json`, read by the registry) names a hub source. Both are fetched with
`huggingface_hub.snapshot_download` into their own folder at a fixed revision; an interrupted download
resumes where it stopped, because files that are already complete are kept and partial ones continue.
A catalogue model may also need files published at a plain address (Detoxify's checkpoint, a GitHub
release asset): each is fetched over HTTP with the same resume (a Range request continues the partial
file) and checked against the SHA-256 prefix its publisher put in its name.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from captioning.registry import Registry
from core.catalogue import (
    KNOWN_MODELS,
    PublishedFile,
    download_command,
    has_required_files,
    has_weights,
    model_dir,
)
from core.settings import Settings

ProgressCallback = Callable[[float, str], None]

# Files never worth fetching for a PyTorch pipeline (other frameworks' copies of the weights).
_FOREIGN_WEIGHTS = ("*.h5", "*.msgpack", "*.ot", "*.onnx", "onnx/*", "coreml/*", "*.tflite", "openvino/*")
# A checkpoint folder's own files in git; the hub repository's copies must not overwrite them.
_CHECKPOINT_OWN_FILES = ("checkpoint.json", "README.md")
_COMMIT = re.compile(r"[0-9a-f]{40}")
# Which hub commit a folder was downloaded at (inside the folder's download bookkeeping).
_SOURCE_RECORD = Path(".cache") / "listing-download.json"
# Where a published file grows until it is complete and checked (inside the folder's bookkeeping).
_PARTIAL_DIR = Path(".cache") / "published"
_CHUNK_BYTES = 1024 * 1024


class DownloadError(Exception):
    """A download that could not be done; the message is Russian and says what to do."""


@dataclass(frozen=True)
class Downloadable:
    """One thing `python -m pipeline download` can fetch: a known model or a caption checkpoint."""

    name: str
    hub_id: str
    revision: str
    folder: Path
    title_ru: str
    allow_patterns: tuple[str, ...] = ()
    ignore_patterns: tuple[str, ...] = _FOREIGN_WEIGHTS
    size_hint_mb: int | None = None
    known_model: bool = True
    files: tuple[PublishedFile, ...] = ()
    hub_subfolder: str = ""

    def is_downloaded(self) -> bool:
        """Whether the folder holds a complete copy (known models: their required files)."""
        if self.known_model:
            return has_required_files(self.name, self.folder)
        return has_weights(self.folder)  # the registry's own rule, so both agree on "не скачан"


def _checkpoint_items(settings: Settings) -> list[Downloadable]:
    """Caption checkpoints whose manifest names a hub source, as the registry reads them."""
    return [
        Downloadable(
            name=info.name,
            hub_id=info.source["hub"],
            revision=info.source["revision"],
            folder=info.folder,
            title_ru=info.title,
            allow_patterns=tuple(info.source.get("files", ())),
            ignore_patterns=(*_FOREIGN_WEIGHTS, *_CHECKPOINT_OWN_FILES),
            known_model=False,
        )
        for info in Registry(settings).list_checkpoints()
        if info.source
    ]


def downloadables(settings: Settings | None = None) -> dict[str, Downloadable]:
    """Everything that can be downloaded, by name: known models first, then caption checkpoints."""
    settings = settings or Settings.from_env()
    items = {
        m.name: Downloadable(
            m.name,
            m.hub_id,
            m.revision,
            model_dir(m.name, settings),
            m.purpose_ru,
            m.allow_patterns,
            size_hint_mb=m.size_hint_mb,
            files=m.files,
            hub_subfolder=m.hub_subfolder,
        )
        for m in KNOWN_MODELS.values()
    }
    for item in _checkpoint_items(settings):
        items.setdefault(item.name, item)
    return items


def folder_size(folder: Path, skip: tuple[str, ...] = ()) -> int:
    """Bytes on disk in a folder, not counting the download bookkeeping in `.cache/` nor `skip` files."""
    if not folder.is_dir():
        return 0
    return sum(
        p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and ".cache" not in p.relative_to(folder).parts and p.name not in skip
    )


def _progress_bar_class(callback: ProgressCallback, name: str) -> type:
    """A tqdm class that also reports the byte progress of a download to `callback(fraction, text)`."""
    from tqdm.auto import tqdm

    class _ReportingBar(tqdm):
        def update(self, n: float | None = 1) -> bool | None:
            shown = super().update(n)
            if self.unit == "B" and self.total:
                callback(min(self.n / self.total, 1.0), f"Загрузка {name}")
            return shown

    return _ReportingBar


def _failure_message(item: Downloadable, error: BaseException) -> str:
    """Russian explanation of a failed snapshot download, from the most specific error in its chain."""
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

    retry = f"Повторите `{download_command(item.name)}`"
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for cause in chain:
        if isinstance(cause, RevisionNotFoundError):
            return f"В репозитории {item.hub_id} нет версии «{item.revision}»."
        if isinstance(cause, RepositoryNotFoundError):
            return (
                f"Репозиторий {item.hub_id} не найден на Hugging Face Hub или закрыт (нужен токен HF_TOKEN)."
            )
        if isinstance(cause, HfHubHTTPError):
            status = cause.response.status_code if cause.response is not None else "?"
            return (
                f"Hugging Face Hub ответил ошибкой {status} при загрузке {item.name}. "
                f"{retry} позже — уже скачанные файлы сохранятся, загрузка продолжится."
            )
    return (
        f"Не удалось связаться с Hugging Face Hub, чтобы скачать {item.name} ({item.hub_id}): нет сети "
        f"или включён режим HF_HUB_OFFLINE. Подключитесь к интернету и {retry[0].lower()}{retry[1:]} — "
        "уже скачанные файлы сохранятся, загрузка продолжится."
    )


def download(
    name: str,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
    endpoint: str | None = None,
    files_endpoint: str | None = None,
) -> Path:
    """Fetch one model or checkpoint into its folder and return the folder.

    `progress(fraction, text)` is called as bytes arrive (the app passes gr.Progress); the CLI shows
    tqdm bars instead. `endpoint` is the hub address (default: `$HF_ENDPOINT` read now, else
    huggingface.co); `files_endpoint` replaces the scheme and host of published files' addresses (a
    mirror). A branch revision is resolved to its commit first; the folder records that commit (shown by
    `--list`) and each published file's address, SHA-256 and size; all download bookkeeping stays inside
    the folder.
    Raises DownloadError with a Russian message when the name is unknown, the hub or a file's server
    cannot be reached, the repository or revision does not exist, a published file is not the one
    published, or the folder is still incomplete afterwards.
    """
    import httpx2
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled

    items = downloadables(settings)
    if name not in items:
        raise DownloadError(f"Неизвестная модель «{name}». Можно скачать: {', '.join(items)}")
    item = items[name]
    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or None
    try:
        # One quick lookup first: it fails fast when offline (the file listing retries for long) and
        # fixes the exact commit a branch or tag points to now.
        info = HfApi(endpoint=endpoint).model_info(item.hub_id, revision=item.revision)
        commit = item.revision if _COMMIT.fullmatch(item.revision) else info.sha or item.revision
        snapshot_download(
            item.hub_id,
            revision=commit,
            local_dir=item.folder / item.hub_subfolder,
            cache_dir=item.folder / ".cache" / "huggingface" / "hub",
            allow_patterns=list(item.allow_patterns) or None,
            ignore_patterns=list(item.ignore_patterns) or None,
            tqdm_class=_progress_bar_class(progress, name) if progress else None,
            endpoint=endpoint,
        )
    except (HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled, httpx2.TransportError) as error:
        raise DownloadError(_failure_message(item, error)) from error
    published = {f.name: fetch_published(f, item.folder, name, files_endpoint, progress) for f in item.files}
    if not item.is_downloaded():  # the hub was unreachable for the file list, or lacks needed files
        raise DownloadError(
            f"Не все файлы {item.name} получены (папка {item.folder}): нет сети, включён HF_HUB_OFFLINE "
            f"или в {item.hub_id} нет нужных файлов. Подключитесь к интернету и повторите "
            f"`{download_command(item.name)}` — скачанное сохранится."
        )
    record: dict[str, object] = {"hub": item.hub_id, "revision": item.revision, "commit": commit}
    if published:
        record["files"] = published
    (item.folder / _SOURCE_RECORD).parent.mkdir(parents=True, exist_ok=True)
    (item.folder / _SOURCE_RECORD).write_text(json.dumps(record), encoding="utf-8")
    return item.folder


def fetch_published(
    file: PublishedFile,
    folder: Path,
    name: str,
    endpoint: str | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, object]:
    """Fetch a file published at a plain address into `folder` for the model `name`; return its record
    (address, SHA-256, bytes).

    A file already in the folder with the published SHA-256 prefix is kept. Otherwise the file grows in
    the folder's `.cache/published/` and moves into place once its SHA-256 starts with the published
    prefix; a transfer that broke off continues from the bytes already there (an HTTP Range request).
    `endpoint` replaces the address's scheme and host. Raises DownloadError with a Russian message when
    the server can't be reached or answers an error, or the file is not the published one.
    """
    import httpx2
    from tqdm.auto import tqdm

    done = folder / file.name
    if done.is_file() and (sha256 := _sha256(done)).startswith(file.sha256_prefix):
        return {"url": file.url, "sha256": sha256, "bytes": done.stat().st_size}
    url = file.url if not endpoint else urlsplit(file.url)._replace(**_scheme_and_host(endpoint)).geturl()
    partial = folder / _PARTIAL_DIR / f"{file.name}.incomplete"
    partial.parent.mkdir(parents=True, exist_ok=True)
    have = partial.stat().st_size if partial.is_file() else 0
    command = f"`{download_command(name)}`"
    try:
        headers = {"Range": f"bytes={have}-"} if have else {}
        with httpx2.stream("GET", url, headers=headers, follow_redirects=True, timeout=30.0) as response:
            if response.status_code != 416 or not have:  # 416: the partial file already has every byte
                if response.status_code >= 400:
                    raise DownloadError(
                        f"Сервер {urlsplit(url).netloc} ответил ошибкой {response.status_code} при загрузке "
                        f"{file.name} для {name}. Повторите {command} позже — скачанная часть сохранится."
                    )
                bar = _progress_bar_class(progress, name) if progress else tqdm
                _append(response, partial, have if response.status_code == 206 else 0, bar)
    except httpx2.TransportError as error:
        raise DownloadError(
            f"Не удалось скачать {file.name} для {name} с {urlsplit(url).netloc}: нет сети или связь "
            f"прервалась. Подключитесь к интернету и повторите {command} — скачанная часть сохранится, "
            "загрузка продолжится с того же места."
        ) from error
    sha256 = _sha256(partial)
    if not sha256.startswith(file.sha256_prefix):
        partial.unlink()
        raise DownloadError(
            f"Скачанный файл {file.name} для {name} — не тот, что опубликован: его SHA-256 начинается "
            f"с {sha256[: len(file.sha256_prefix)]}, а не с {file.sha256_prefix}. Файл удалён; "
            f"повторите {command}."
        )
    os.replace(partial, done)
    return {"url": file.url, "sha256": sha256, "bytes": done.stat().st_size}


def _append(response: Any, partial: Path, have: int, bar_class: type) -> None:
    """Write a streamed response after the first `have` bytes of `partial` (0: from the start)."""
    total = have + int(response.headers.get("Content-Length", 0)) or None
    with (
        partial.open("ab" if have else "wb") as out,
        bar_class(total=total, initial=have, unit="B", unit_scale=True, desc=partial.stem) as bar,
    ):
        for chunk in response.iter_bytes():  # as it arrives: a broken transfer keeps every byte it got
            out.write(chunk)
            bar.update(len(chunk))


def _scheme_and_host(endpoint: str) -> dict[str, str]:
    parts = urlsplit(endpoint)
    return {"scheme": parts.scheme, "netloc": parts.netloc}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def downloaded_commit(item: Downloadable) -> str | None:
    """The commit the folder was last downloaded at, when it came from the item's hub repository."""
    try:
        record = json.loads((item.folder / _SOURCE_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record.get("commit") if isinstance(record, dict) and record.get("hub") == item.hub_id else None


def _format_size(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} ГБ"
    if size >= 1024**2:
        return f"{size / 1024**2:.1f} МБ"
    return f"{size / 1024:.1f} КБ"


def list_lines(settings: Settings | None = None) -> list[str]:
    """One Russian line per downloadable: name, present or missing, size, source and purpose."""
    lines = []
    for item in downloadables(settings).values():
        on_disk = folder_size(item.folder, skip=() if item.known_model else _CHECKPOINT_OWN_FILES)
        if item.is_downloaded():
            commit = downloaded_commit(item)
            state = f"скачана, {_format_size(on_disk)}" + (f", версия {commit[:10]}" if commit else "")
        elif on_disk:
            state = f"скачана не полностью ({_format_size(on_disk)})"
        elif item.size_hint_mb:
            state = f"не скачана, ≈ {item.size_hint_mb} МБ"
        else:
            state = "не скачана, размер неизвестен"
        source = f"{item.hub_id}@{item.revision}" + "".join(f" + {f.name}" for f in item.files)
        lines.append(f"{item.name:32} {state:38} {source} — {item.title_ru}")
    return lines


def download_main(argv: list[str]) -> int:
    """CLI: `python -m pipeline download [NAME ...] [--all] [--list]`; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline download",
        description="Скачивает модели проверки и оценки и модели описаний с Hugging Face Hub.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="что скачать (см. --list)")
    parser.add_argument("--all", action="store_true", help="скачать всё, чего ещё нет")
    parser.add_argument("--list", action="store_true", help="показать, что скачано и что нет")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.list or not (args.names or args.all):
        print("\n".join(list_lines(settings)))
        if not args.list:
            print("\nУкажите имя модели или --all, например: python -m pipeline download --all")
            return 2
        return 0
    items = downloadables(settings)
    names = list(args.names) or [n for n, item in items.items() if not item.is_downloaded()]
    if args.all and not names:
        print("Все модели уже скачаны.")
    failed = 0
    for name in names:
        try:
            folder = download(name, settings)
        except DownloadError as error:
            print(f"Ошибка: {error}")
            failed += 1
        else:
            print(f"{name}: готово — {folder} ({_format_size(folder_size(folder))})")
    return 1 if failed else 0
