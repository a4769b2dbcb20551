"""The checkpoint registry: every folder under the checkpoints folder, with its state.

A folder with a valid `checkpoint.json` is a checkpoint (`list_checkpoints`, the model dropdowns); every
folder the registry sees, valid or not, is reported with its state by `folders()`: «готов», «не скачан»
or «повреждён» with the reason (a manifest error, a folder name that breaks the naming rule, missing
files, a weights file whose header does not read). A new checkpoint folder needs no code change; a new
model kind is one line in `KINDS` (and its files in `captioning.files.REQUIRED_FILES`). Kind modules
are imported only when a checkpoint of that kind is loaded.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from captioning.base import MAX_IMAGE_SIDE, Captioner
from captioning.files import WEIGHT_PATTERNS, missing_files, weight_problem
from core.catalogue import download_command
from core.models import ModelLoadError, ModelStore
from core.placement import Placement
from core.settings import Settings
from core.text import shorten

MANIFEST = "checkpoint.json"
IMAGE_MODES = ("none", "single", "multi")
ROUTES = ("text", "single", "multi")
DEFAULT_ROUTES: dict[str, tuple[str, ...]] = {
    "none": ("text",),
    "single": ("single", "multi"),
    "multi": ("single", "multi"),
}
STATUS_READY = "готов"
STATUS_MISSING = "не скачан"
STATUS_BROKEN = "повреждён"
NAME_RULE_RU = (
    "имя папки — буквы (можно русские), цифры, «.», «-» и «_», первая — буква или цифра, без пробелов "
    "и других знаков, не длиннее 100 символов"
)
_NAME_RE = re.compile(r"^[^\W_][\w.-]{0,99}$")  # \w: letters and digits of any script, and "_"

Loader = Callable[[Path, dict, ModelStore], Captioner]


def _lazy(module: str, function: str = "load") -> Loader:
    """A loader that imports its kind module on first call, so importing the registry stays cheap."""

    def load(folder: Path, manifest: dict, models: ModelStore) -> Captioner:
        return getattr(importlib.import_module(module), function)(folder, manifest, models)

    load.__qualname__ = f"{module}.{function}"
    return load


KINDS: dict[str, Loader] = {
    "template": _lazy("captioning.template"),
    "encoder-decoder": _lazy("captioning.encoder_decoder"),
    "vlm": _lazy("captioning.vlm"),
    "prefix": _lazy("captioning.prefix"),
}


class UnknownCheckpointError(KeyError):
    """A checkpoint name that is not a valid checkpoint folder; the message lists the available ones."""

    def __init__(self, name: str, available: list[str], detail: str = "") -> None:
        self.name = name
        self.available = available
        listed = ", ".join(available) if available else "нет ни одной"
        self.message = f"Неизвестная модель «{shorten(name)}»{detail}. Доступные модели: {listed}."
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class CheckpointNotDownloadedError(RuntimeError):
    """A listed checkpoint whose weights are not in its folder yet."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.command = download_command(name)
        super().__init__(f"Модель «{name}» не скачана — выполните `{self.command}`.")


@dataclass(frozen=True)
class InvalidFolder:
    """A folder the registry refused: the manifest field at fault, or "" when the folder's name is."""

    folder: Path
    field: str
    message_ru: str

    @property
    def reason(self) -> str:
        """What is wrong, in Russian, without the folder's name."""
        return f"{MANIFEST}: поле «{self.field}» — {self.message_ru}" if self.field else self.message_ru

    def __str__(self) -> str:
        name = shorten(self.folder.name)
        return f"{name}/{self.reason}" if self.field else f"«{name}»: {self.reason}"


@dataclass(frozen=True)
class CheckpointInfo:
    """One checkpoint as listed in the model dropdown."""

    name: str
    title: str
    kind: str
    images: str
    routes: tuple[str, ...]
    present: bool
    source: dict[str, Any] | None
    generation: dict[str, Any] = field(default_factory=dict)
    folder: Path = Path()
    licence: str | None = None
    problem: str | None = None  # why a downloaded folder can't load (missing files, unreadable weights)

    @property
    def state(self) -> str:
        """«не скачан» before the weights are there, «повреждён» when they can't load, else «готов»."""
        if not self.present:
            return STATUS_MISSING
        return STATUS_BROKEN if self.problem else STATUS_READY

    @property
    def status_ru(self) -> str:
        """The state, with the reason when the folder is broken ("повреждён: не хватает файлов: …")."""
        return f"{STATUS_BROKEN}: {self.problem}" if self.state == STATUS_BROKEN else self.state

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary for Result.checkpoint and the CLI listing."""
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "images": self.images,
            "routes": list(self.routes),
            "status": self.status_ru,
            "source": self.source,
            "licence": self.licence,
        }

    @property
    def photo_side(self) -> int:
        """The longer side this checkpoint's model reads the validated photos at: a multi-image model's
        `max_image_side`; 0 for the kinds that read only the shared copy at model scale."""
        if self.kind != "vlm":
            return 0
        side = self.generation.get("max_image_side", MAX_IMAGE_SIDE)
        return side if isinstance(side, int) and not isinstance(side, bool) else MAX_IMAGE_SIDE

    @property
    def manifest(self) -> dict[str, Any]:
        """The manifest as a kind loader receives it."""
        return {
            "kind": self.kind,
            "title": self.title,
            "images": self.images,
            "routes": list(self.routes),
            "source": self.source,
            "generation": dict(self.generation),
            "licence": self.licence,
        }


class ManifestError(ValueError):
    """Raised while parsing one manifest; carries the field at fault."""

    def __init__(self, field_name: str, message_ru: str) -> None:
        super().__init__(message_ru)
        self.field = field_name
        self.message_ru = message_ru


def _text(manifest: dict, key: str, required: bool) -> str | None:
    value = manifest.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(key, "нужна непустая строка")
    return value.strip()


def _routes(manifest: dict, images: str) -> tuple[str, ...]:
    routes = manifest.get("routes")
    if routes is None:
        return DEFAULT_ROUTES[images]
    if not isinstance(routes, list) or not routes or any(r not in ROUTES for r in routes):
        raise ManifestError("routes", f"нужен непустой список из {', '.join(ROUTES)}")
    return tuple(dict.fromkeys(routes))


def _source(manifest: dict) -> dict[str, Any] | None:
    source = manifest.get("source")
    if source is None:
        return None
    if not isinstance(source, dict):
        raise ManifestError("source", "нужен объект {\"hub\": ..., \"revision\": ...}")
    hub = source.get("hub")
    if not isinstance(hub, str) or hub.count("/") != 1 or not all(hub.split("/")):
        raise ManifestError("source.hub", "нужен идентификатор вида «организация/модель»")
    revision = source.get("revision", "main")
    if not isinstance(revision, str) or not revision.strip():
        raise ManifestError("source.revision", "нужна непустая строка")
    result: dict[str, Any] = {"hub": hub, "revision": revision.strip()}
    files = source.get("files")
    if files is not None:
        if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
            raise ManifestError("source.files", "нужен непустой список шаблонов имён файлов")
        result["files"] = list(files)
    return result


def parse_manifest(folder: Path) -> CheckpointInfo:
    """Read and check `folder/checkpoint.json`; raise ManifestError naming the bad field."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ManifestError(MANIFEST, "файл не найден")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(MANIFEST, f"не читается как JSON ({exc})") from exc
    if not isinstance(manifest, dict):
        raise ManifestError(MANIFEST, "нужен JSON-объект")
    kind = manifest.get("kind")
    if kind not in KINDS:
        raise ManifestError("kind", f"неизвестный тип {kind!r}; известные: {', '.join(KINDS)}")
    title = _text(manifest, "title", required=True)
    images = manifest.get("images")
    if images not in IMAGE_MODES:
        raise ManifestError("images", f"нужно одно из: {', '.join(IMAGE_MODES)}")
    routes = _routes(manifest, images)
    source = _source(manifest)
    generation = manifest.get("generation", {})
    if not isinstance(generation, dict):
        raise ManifestError("generation", "нужен объект с параметрами генерации")
    licence = _text(manifest, "licence", required=False)
    present = source is None or any(any(folder.glob(pattern)) for pattern in WEIGHT_PATTERNS)
    return CheckpointInfo(
        name=folder.name,
        title=title or folder.name,
        kind=kind,
        images=images,
        routes=routes,
        present=present,
        source=source,
        generation=generation,
        folder=folder,
        licence=licence,
        problem=_problem(folder, kind) if present else None,
    )


def _problem(folder: Path, kind: str) -> str | None:
    """Why a folder whose weights are there can't load: missing files first, then unreadable weights."""
    missing = missing_files(folder, kind)
    if missing:
        return f"не хватает файлов: {'; '.join(missing)}"
    return weight_problem(folder)


@dataclass(frozen=True)
class FolderState:
    """One folder under the checkpoints folder as the registry saw it (what `folders()` lists).

    `state` is «готов», «не скачан» or «повреждён»; `reason` says what is wrong with a broken one;
    `info` is the checkpoint when its manifest is valid; `command` downloads it when it can be.
    """

    name: str
    folder: Path
    state: str
    reason: str = ""
    info: CheckpointInfo | None = None

    @property
    def shown_name(self) -> str:
        """The folder's name as messages show it (at most 100 characters)."""
        return shorten(self.name)

    @property
    def status_ru(self) -> str:
        """"готов", "не скачан" or "повреждён: <причина>"."""
        return f"{self.state}: {self.reason}" if self.reason else self.state

    @property
    def command(self) -> str | None:
        """The command that downloads (or downloads again) this checkpoint, when it has a hub source."""
        return download_command(self.name) if self.info is not None and self.info.source else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: name, folder, state, reason, status line, download command, and the checkpoint's
        kind, title and routes when its manifest is valid."""
        entry: dict[str, Any] = {
            "name": self.shown_name,
            "folder": str(self.folder),
            "state": self.state,
            "reason": self.reason,
            "status": self.status_ru,
            "command": self.command,
        }
        if self.info is not None:
            entry.update(kind=self.info.kind, title=self.info.title, routes=list(self.info.routes))
        return entry


def is_plain_name(name: object) -> bool:
    """Whether a requested name can only mean a folder directly inside the checkpoints folder."""
    return isinstance(name, str) and bool(_NAME_RE.match(name)) and ".." not in name


@dataclass(frozen=True)
class Scan:
    """The checkpoints folder as one look saw it. A request reads one scan, so its name checks, routing
    and loading all see the same folders, and the folder is read once rather than once per question."""

    checkpoints: tuple[CheckpointInfo, ...]  # valid manifests, the default checkpoint first
    invalid: tuple[InvalidFolder, ...]  # folders that are not checkpoints
    missing_folder: str | None  # why there are no checkpoints at all, when the folder itself is missing

    def names(self) -> list[str]:
        """The names a user may choose."""
        return [info.name for info in self.checkpoints]

    def info(self, name: str) -> CheckpointInfo:
        """The listing entry for `name`; UnknownCheckpointError if there is no valid one."""
        if not is_plain_name(name):
            raise UnknownCheckpointError(str(name), self.names(), f" (недопустимое имя: {NAME_RULE_RU})")
        for entry in self.checkpoints:
            if entry.name == name:
                return entry
        for bad in self.invalid:
            if bad.folder.name == name:
                raise UnknownCheckpointError(name, self.names(), f" (ошибка в {bad})")
        detail = f": {self.missing_folder}" if self.missing_folder else ""
        raise UnknownCheckpointError(name, self.names(), detail)


class Registry:
    """Lists checkpoint folders and loads each checkpoint once, through the model store."""

    def __init__(self, settings: Settings, models: ModelStore | None = None) -> None:
        self.settings = settings
        self.models = models or ModelStore(settings)

    def scan(self) -> Scan:
        """Read the checkpoints folder now (each call reads it again, so new downloads show up)."""
        root = self.settings.checkpoints_dir
        valid: list[CheckpointInfo] = []
        invalid: list[InvalidFolder] = []
        try:
            folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:  # no folder, or not readable: no checkpoints (missing_folder says so)
            folders = []
        for folder in folders:
            if not is_plain_name(folder.name):
                invalid.append(InvalidFolder(folder, "", f"имя папки не подходит: {NAME_RULE_RU}"))
                continue
            try:
                valid.append(parse_manifest(folder))
            except ManifestError as exc:
                invalid.append(InvalidFolder(folder, exc.field, exc.message_ru))
        default = self.settings.default_checkpoint
        valid.sort(key=lambda info: (info.name != default, info.name))
        return Scan(tuple(valid), tuple(invalid), None if folders else self.missing_folder_message())

    def list_checkpoints(self) -> list[CheckpointInfo]:
        """Every checkpoint with a valid manifest (ready, not downloaded or broken), the default one
        first; rescans the folder on each call."""
        return list(self.scan().checkpoints)

    def invalid(self) -> list[InvalidFolder]:
        """Folders that are not checkpoints: a broken manifest (with the field at fault) or a bad name."""
        return list(self.scan().invalid)

    def folders(self) -> list[FolderState]:
        """Every folder under the checkpoints folder with its state, the default checkpoint first, then
        by name: what `python -m pipeline checkpoints` and the app show."""
        scan = self.scan()
        states = [FolderState(i.name, i.folder, i.state, i.problem or "", i) for i in scan.checkpoints]
        states += [FolderState(f.folder.name, f.folder, STATUS_BROKEN, f.reason) for f in scan.invalid]
        default = self.settings.default_checkpoint
        return sorted(states, key=lambda entry: (entry.name != default, entry.name))

    def missing_folder_message(self) -> str | None:
        """Why there are no checkpoints at all, when the checkpoints folder itself is missing."""
        root = self.settings.checkpoints_dir
        if root.is_dir():
            return None
        return f"папки моделей описаний {root} нет (её задаёт LISTING_CHECKPOINTS_DIR)"

    def names(self) -> list[str]:
        """The names a user may choose."""
        return self.scan().names()

    def info(self, name: str) -> CheckpointInfo:
        """The listing entry for `name`; UnknownCheckpointError if there is no valid one."""
        return self.scan().info(name)

    def load(self, name: str, scan: Scan | None = None) -> Captioner:
        """The loaded captioner for `name` (as `scan` saw it, else as the folder is now), loading it on
        first use and reusing it afterwards.

        A checkpoint that is not downloaded raises CheckpointNotDownloadedError; a broken one, or one
        that does not load, raises ModelLoadError naming its folder.
        """
        info = (scan or self.scan()).info(name)
        if not info.present:
            raise CheckpointNotDownloadedError(name)
        if info.problem:
            again = f" Скачайте её заново: `{download_command(name)}`." if info.source else ""
            raise ModelLoadError(f"Модель «{name}» в папке {info.folder} повреждена: {info.problem}.{again}")

        def load(folder: Path, placement: Placement) -> Captioner:
            return KINDS[info.kind](folder, info.manifest, self.models)

        command_name = name if info.source else None  # only a downloadable checkpoint can be fetched again
        return self.models.load(info.folder, load, command_name, key=("checkpoint", info.folder.resolve()))
