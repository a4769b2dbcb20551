"""The checkpoint registry: every folder under the checkpoints folder with a valid `checkpoint.json`.

A new checkpoint folder needs no code change; a new model kind is one line in `KINDS`.
Kind modules are imported only when a checkpoint of that kind is loaded.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from captioning.base import Captioner
from core.catalogue import download_command, has_weights
from core.models import ModelStore
from core.settings import Settings

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
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

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
        self.message = f"Неизвестная модель «{name}»{detail}. Доступные модели: {listed}."
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
class InvalidManifest:
    """A checkpoint folder the registry refused, with the manifest field at fault."""

    folder: Path
    field: str
    message_ru: str

    def __str__(self) -> str:
        return f"{self.folder.name}/{MANIFEST}: поле «{self.field}» — {self.message_ru}"


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

    @property
    def status_ru(self) -> str:
        """"готов" when the weights are there (or none are needed), otherwise "не скачан"."""
        return STATUS_READY if self.present else STATUS_MISSING

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
    present = source is None or has_weights(folder)
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
    )


def is_plain_name(name: object) -> bool:
    """Whether a requested name can only mean a folder directly inside the checkpoints folder."""
    return isinstance(name, str) and bool(_NAME_RE.match(name)) and ".." not in name


class Registry:
    """Lists checkpoint folders and loads each checkpoint once, through the model store."""

    def __init__(self, settings: Settings, models: ModelStore | None = None) -> None:
        self.settings = settings
        self.models = models or ModelStore(settings)

    def _scan(self) -> tuple[list[CheckpointInfo], list[InvalidManifest]]:
        root = self.settings.checkpoints_dir
        valid: list[CheckpointInfo] = []
        invalid: list[InvalidManifest] = []
        folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        for folder in folders:
            if not is_plain_name(folder.name) or folder.name.startswith((".", "_")):
                continue
            try:
                valid.append(parse_manifest(folder))
            except ManifestError as exc:
                invalid.append(InvalidManifest(folder, exc.field, exc.message_ru))
        default = self.settings.default_checkpoint
        valid.sort(key=lambda info: (info.name != default, info.name))
        return valid, invalid

    def list_checkpoints(self) -> list[CheckpointInfo]:
        """Every valid checkpoint, the default one first; rescans the folder on each call."""
        return self._scan()[0]

    def invalid(self) -> list[InvalidManifest]:
        """Checkpoint folders whose manifest is broken, each with the field at fault."""
        return self._scan()[1]

    def names(self) -> list[str]:
        """The names a user may choose."""
        return [info.name for info in self.list_checkpoints()]

    def info(self, name: str) -> CheckpointInfo:
        """The listing entry for `name`; UnknownCheckpointError if there is no valid one."""
        if not is_plain_name(name):
            raise UnknownCheckpointError(str(name), self.names(), " (недопустимое имя)")
        valid, invalid = self._scan()
        for entry in valid:
            if entry.name == name:
                return entry
        available = [entry.name for entry in valid]
        for bad in invalid:
            if bad.folder.name == name:
                raise UnknownCheckpointError(name, available, f" (ошибка в {bad})")
        raise UnknownCheckpointError(name, available)

    def load(self, name: str) -> Captioner:
        """The loaded captioner for `name`, loading it on first use and reusing it afterwards.

        A checkpoint that is not downloaded raises CheckpointNotDownloadedError; one that does not
        load raises ModelLoadError naming its folder.
        """
        info = self.info(name)
        if not info.present:
            raise CheckpointNotDownloadedError(name)

        def load(folder: Path, device: str) -> Captioner:
            return KINDS[info.kind](folder, info.manifest, self.models)

        command_name = name if info.source else None  # only a downloadable checkpoint can be fetched again
        return self.models.load(info.folder, load, command_name, key=("checkpoint", info.folder.resolve()))
