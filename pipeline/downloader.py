"""`python -m pipeline download`: fetch known models and caption checkpoints.

Two kinds of downloadable things: the moderation/scoring models of the catalogue (`core.catalogue`,
one folder each under the models folder) and the caption checkpoints whose manifest
(`checkpoints/<name>/checkpoint.json`, read by the registry) names a hub source. Both are fetched with
`huggingface_hub.snapshot_download` into their own folder at a fixed revision. A catalogue model may
also need files published at a plain address (Detoxify's checkpoint, a GitHub release asset): each is
fetched over HTTP in this process, resuming a broken transfer with a Range request, and checked against
the SHA-256 prefix its publisher put in its name.

The fetching runs in a worker process (`pipeline.download_worker`), so that Ctrl-C (or the app) can
stop it at once, mid-file, instead of waiting for the files in flight to end. What a stopped, killed or
failed download leaves is a state the next run resumes from: files already complete are kept and not
fetched again; the file cut off midway (huggingface_hub writes it to a `*.incomplete` file of its own)
is deleted and fetched again from its start — huggingface_hub 2.x resumes a file only within one run
(after a dropped connection), never across runs. One download of a folder runs at a time (a lock file
in the folder's `.cache/`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from captioning.files import missing_files
from captioning.registry import STATUS_READY, ManifestError, Registry, parse_manifest
from core.catalogue import KNOWN_MODELS, PublishedFile, download_command, model_dir
from core.settings import PROJECT_ROOT, Settings
from core.text import shorten
from pipeline.arguments import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, RussianParser

ProgressCallback = Callable[[float, str], None]

log = logging.getLogger(__name__)

# Files never worth fetching for a PyTorch pipeline (other frameworks' copies of the weights).
_FOREIGN_WEIGHTS = ("*.h5", "*.msgpack", "*.ot", "*.onnx", "onnx/*", "coreml/*", "*.tflite", "openvino/*")
# A checkpoint folder's own files in git; the hub repository's copies must not overwrite them.
_CHECKPOINT_OWN_FILES = ("checkpoint.json", "README.md")
# Download bookkeeping inside each folder: the hub client's, which commit it came from, our lock.
_BOOKKEEPING = Path(".cache")
_HUB_BOOKKEEPING = _BOOKKEEPING / "huggingface"
_SOURCE_RECORD = _BOOKKEEPING / "listing-download.json"
_LOCK = _BOOKKEEPING / "listing-download.lock"
_PARTIAL = "*.incomplete"  # how huggingface_hub names a file it is still writing
# Where a published file grows until it is complete and checked (kept across runs: it resumes).
_PARTIAL_DIR = _BOOKKEEPING / "published"
_CHUNK_BYTES = 1024 * 1024

class DownloadError(Exception):
    """A download that could not be done; the message is Russian and says what to do."""


class DownloadInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a download; the worker is gone and the folder is ready for the next run."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Загрузка {name} прервана. Скачанные файлы сохранены: `{download_command(name)}` продолжит "
            "с них (недокачанный файл скачается заново)."
        )


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
    kind: str | None = None  # a caption checkpoint's kind; None for a known model
    files: tuple[PublishedFile, ...] = ()
    hub_subfolder: str = ""

    @property
    def known_model(self) -> bool:
        """A moderation/scoring/training model of the catalogue (not a caption checkpoint)."""
        return self.kind is None

    def missing(self) -> list[str]:
        """The files the folder still lacks (a known model's required files, a checkpoint kind's)."""
        if self.known_model:
            return [f for f in KNOWN_MODELS[self.name].required_files if not (self.folder / f).is_file()]
        return missing_files(self.folder, self.kind or "")

    def is_downloaded(self) -> bool:
        """Whether the folder holds a complete copy: a known model's required files; for a checkpoint,
        the registry's own «готов» (files present, weight headers readable), so both agree."""
        if self.known_model:
            return not self.missing()
        try:
            return parse_manifest(self.folder).state == STATUS_READY
        except ManifestError:
            return False


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
            kind=info.kind,
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


def progress_bar_class(callback: ProgressCallback, name: str) -> type:
    """A tqdm class that also reports the byte progress of a download to `callback(fraction, text)`."""
    from tqdm.auto import tqdm

    class _ReportingBar(tqdm):
        def update(self, n: float | None = 1) -> bool | None:
            shown = super().update(n)
            if self.unit == "B" and self.total:
                callback(min(self.n / self.total, 1.0), f"Загрузка {name}")
            return shown

    return _ReportingBar


def partial_files(folder: Path) -> list[Path]:
    """Files a stopped or killed download left half-written (huggingface_hub's `*.incomplete`)."""
    bookkeeping = folder / _HUB_BOOKKEEPING
    return sorted(bookkeeping.rglob(_PARTIAL)) if bookkeeping.is_dir() else []


def remove_partial_files(folder: Path) -> int:
    """Delete what a stopped or killed download left half-written; returns the bytes freed."""
    freed = 0
    for path in partial_files(folder):
        try:
            freed += path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
    return freed


def _os_reason(error: OSError) -> str:
    """What an operating-system error means for a folder, in Russian."""
    if isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EPERM):
        return "нет прав на запись"
    if error.errno == errno.EROFS:
        return "диск только для чтения"
    if error.errno == errno.ENOSPC:
        return "на диске не хватает места"
    if isinstance(error, (FileNotFoundError, NotADirectoryError, FileExistsError)):
        return "путь к ней не существует или ведёт не в папку"
    return f"ошибка записи: {error.strerror or type(error).__name__}"


def folder_error(item: Downloadable, error: OSError) -> DownloadError:
    """The Russian refusal for a folder the download can't write into, naming the folder."""
    setting = "LISTING_MODELS_DIR" if item.known_model else "LISTING_CHECKPOINTS_DIR"
    return DownloadError(
        f"Не удалось записать {item.name} в папку {item.folder}: {_os_reason(error)}. Освободите место "
        f"или дайте права на запись, либо укажите другую папку ({setting}), и повторите "
        f"`{download_command(item.name)}`."
    )


def _writable(item: Downloadable) -> None:
    """Make the folder and its bookkeeping folder, and prove a file can be written there."""
    try:
        (item.folder / _BOOKKEEPING).mkdir(parents=True, exist_ok=True)
        probe = item.folder / _BOOKKEEPING / f"probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise folder_error(item, error) from error


@contextmanager
def _only_download_of(item: Downloadable) -> Iterator[None]:
    """Hold the folder's download lock: a second download of the same folder is refused."""
    from filelock import FileLock, Timeout

    lock = FileLock(item.folder / _LOCK)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise DownloadError(
            f"{item.name} уже скачивается другим процессом (папка {item.folder}); дождитесь его конца."
        ) from None
    try:
        yield
    finally:
        lock.release()


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
    Raises DownloadError with a Russian message when the name is unknown, the folder can't be written,
    the hub or a file's server cannot be reached, the repository or revision does not exist, a published
    file is not the one published, or the folder is still incomplete afterwards; DownloadInterrupted (a
    KeyboardInterrupt) on Ctrl-C, once the worker is stopped and its half-written file removed.
    """
    items = downloadables(settings)
    if name not in items:
        raise DownloadError(f"Неизвестная модель «{shorten(name)}». Можно скачать: {', '.join(items)}")
    item = items[name]
    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or None
    _writable(item)
    with _only_download_of(item):
        remove_partial_files(item.folder)  # what a killed run left: those files start again
        commit = _fetch(item, endpoint, progress)
        try:
            published = {
                f.name: fetch_published(f, item.folder, name, files_endpoint, progress) for f in item.files
            }
        except KeyboardInterrupt:
            raise DownloadInterrupted(item.name) from None
        except OSError as error:
            raise folder_error(item, error) from error
    missing = item.missing()
    if not item.is_downloaded():  # the hub lacks needed files, or they do not read
        lacking = f"нет файлов: {'; '.join(missing)}" if missing else "файлы весов не читаются"
        raise DownloadError(
            f"{item.name} скачана не полностью ({lacking}; папка {item.folder}): в {item.hub_id} нет нужных "
            f"файлов или они повреждены. Повторите `{download_command(item.name)}` — скачанное сохранится."
        )
    record: dict[str, object] = {"hub": item.hub_id, "revision": item.revision, "commit": commit}
    if published:
        record["files"] = published
    try:
        (item.folder / _SOURCE_RECORD).write_text(json.dumps(record), encoding="utf-8")
    except OSError as error:
        raise folder_error(item, error) from error
    return item.folder


def _fetch(item: Downloadable, endpoint: str | None, progress: ProgressCallback | None) -> str:
    """Run the worker process for one item; return the commit it downloaded.

    The worker reports on its stdout, one JSON object a line (`pipeline.download_worker`). It runs in its
    own session, so Ctrl-C reaches only this process, which stops it; it ends by itself when this
    process dies (its stdin closes).
    """
    job = {
        "name": item.name, "hub_id": item.hub_id, "revision": item.revision, "folder": str(item.folder),
        "subfolder": item.hub_subfolder, "allow": list(item.allow_patterns),
        "ignore": list(item.ignore_patterns), "kind": item.kind, "endpoint": endpoint,
        "progress": progress is not None,
    }  # fmt: skip
    command = [sys.executable, "-m", "pipeline.download_worker", json.dumps(job)]
    worker = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=PROJECT_ROOT, start_new_session=True,
        text=True, encoding="utf-8",
    )  # fmt: skip
    outcome: dict = {}
    try:
        assert worker.stdout is not None
        for line in worker.stdout:
            message = json.loads(line)
            if "fraction" in message:
                if progress is not None:
                    progress(message["fraction"], message["text"])
            else:
                outcome = message
        worker.wait()
    except KeyboardInterrupt:
        raise DownloadInterrupted(item.name) from None
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for stream in (worker.stdin, worker.stdout):
            if stream is not None:
                stream.close()
        remove_partial_files(item.folder)
    return _outcome(item, outcome, worker.returncode)


def _outcome(item: Downloadable, outcome: dict, returncode: int) -> str:
    """The commit the worker downloaded, or the DownloadError it reported (or its silent death means)."""
    if "commit" in outcome:
        return str(outcome["commit"])
    if "error" in outcome:
        raise DownloadError(outcome["error"])
    retry = f"Повторите `{download_command(item.name)}` — скачанные файлы сохранятся"
    if "crash" in outcome:
        log.error("the download worker of %s failed:\n%s", item.name, outcome["crash"])
        raise DownloadError(
            f"Загрузка {item.name} не удалась: непредвиденный сбой ({outcome.get('type', '?')}, подробности "
            f"записаны в журнал). {retry}."
        )
    ended = f"процесс загрузки завершился (код {returncode})"
    raise DownloadError(f"Загрузка {item.name} оборвалась: {ended}. {retry}.")


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
                bar = progress_bar_class(progress, name) if progress else tqdm
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
    if size >= 1024:
        return f"{size / 1024:.1f} КБ"
    return f"{size} Б"


def list_lines(settings: Settings | None = None) -> list[str]:
    """One Russian line per downloadable: name, state, size, source and purpose.

    A partial folder says what it has, what it lacks, and how much a stopped download left half-written
    (removed, and that file fetched again, by the next download).
    """
    lines = []
    for item in downloadables(settings).values():
        on_disk = folder_size(item.folder, skip=() if item.known_model else _CHECKPOINT_OWN_FILES)
        partial = partial_files(item.folder)
        if item.is_downloaded():
            commit = downloaded_commit(item)
            state = f"скачана, {_format_size(on_disk)}" + (f", версия {commit[:10]}" if commit else "")
        elif on_disk or partial:
            state = f"скачана не полностью: есть {_format_size(on_disk)}; {_lacking(item)}"
            if partial:
                cut_off = _format_size(sum(_size(path) for path in partial))
                state += f"; прерванная загрузка оставила недокачанное ({cut_off}): при повторе удалится"
        elif item.size_hint_mb:
            state = f"не скачана, ≈ {item.size_hint_mb} МБ"
        else:
            state = "не скачана, размер неизвестен"
        source = f"{item.hub_id}@{item.revision}" + "".join(f" + {f.name}" for f in item.files)
        lines.append(f"{item.name:32} {state:38} {source} — {item.title_ru}")
    return lines


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # a running download just finished or dropped it
        return 0


def _lacking(item: Downloadable) -> str:
    """What a partial folder still needs, in Russian."""
    missing = item.missing()
    if missing:
        more = " и др." if len(missing) > 3 else ""
        return f"нет: {', '.join(missing[:3])}{more}"
    try:
        problem = None if item.known_model else parse_manifest(item.folder).problem
    except ManifestError as error:
        problem = error.message_ru
    return problem or "файлы не все"


def download_main(argv: list[str]) -> int:
    """CLI: `python -m pipeline download [NAME ...] [--all] [--list]`; returns the exit status."""
    parser = RussianParser(
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
        except DownloadInterrupted as stopped:
            print(f"\n{stopped}", file=sys.stderr)
            return EXIT_INTERRUPTED
        else:
            print(f"{name}: готово — {folder} ({_format_size(folder_size(folder))})")
    return EXIT_ERROR if failed else EXIT_OK
