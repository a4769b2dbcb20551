"""The model store: every model the pipeline uses loads here once, lazily, and is reused.

One store belongs to one `Pipeline`; every stage asks it for the models it needs, so a model loads
on its first use (never at import time) and later requests reuse it. One failure policy for all:
- a known model whose folder is not downloaded: `known()` returns None, and the caller reports
  «недоступно» with the download command (`core.catalogue.missing_message`);
- a folder that is there but does not load: `ModelLoadError`, a Russian message that names the
  folder and what is wrong, which the runner turns into an error Result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from core.catalogue import download_command, is_present, model_dir
from core.device import resolve_device
from core.placement import Placement, check_quantize, limit_torch_threads, thread_count
from core.settings import Settings
from core.text import is_russian

T = TypeVar("T")
FolderLoader = Callable[[Path, Placement], T]  # (folder or file, placement: str() is the device) -> model
_CAUSE_CHARS = 300


class ModelLoadError(RuntimeError):
    """A model that is present but can't be loaded or run; the message is Russian and names the folder."""

    @classmethod
    def for_folder(cls, folder: Path, error: BaseException, name: str | None = None) -> ModelLoadError:
        """The error for `folder` that failed to load with `error`; `name` adds the download command.

        The cause's first line is kept when it is Russian (our own checks); a library's English message
        stays in the log, where the traceback is.
        """
        cause = (str(error).strip().splitlines() or [""])[0][:_CAUSE_CHARS]
        said = f" ({cause})" if is_russian(cause) else ""
        again = f" Скачайте её заново: `{download_command(name)}`." if name else ""
        return cls(f"Модель в папке {folder} повреждена или неполна и не загружается{said}.{again}")


class ModelStore:
    """Loaded models by key; each loads once, even when several threads ask for it at the same time."""

    def __init__(self, settings: Settings, placement: Placement | None = None) -> None:
        """`placement`: where and how the models run; by default from the settings, on first use."""
        self.settings = settings
        self._models: dict[Hashable, Any] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self._placement = placement

    @property
    def device(self) -> str:
        """The torch device models load on (the LISTING_DEVICE setting, 'auto' resolved once)."""
        return self.placement.device

    @property
    def placement(self) -> Placement:
        """Where and how the models run (LISTING_DEVICE, LISTING_QUANTIZE, LISTING_THREADS), resolved
        once; torch's thread pool is lowered to the thread count then, before the first model loads."""
        if self._placement is None:
            settings = self.settings
            quantize = check_quantize(settings.quantize, "LISTING_QUANTIZE")
            threads = thread_count(settings.threads)
            device = resolve_device(settings.device)
            if device == "cpu":
                limit_torch_threads(threads)
            self._placement = Placement.resolved(device, quantize, threads)
        return self._placement

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The model stored under `key`, made by `load()` on first use."""
        with self._guard:
            if key in self._models:
                return self._models[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._models:  # another thread may have loaded it while this one waited
                model = load()
                with self._guard:
                    self._models[key] = model
            return self._models[key]

    def load(
        self, path: Path, loader: FolderLoader[T], name: str | None = None, key: Hashable = None
    ) -> T:
        """The model at `path` (a folder or a file) made by `loader(path, placement)`, once per `key`
        (by default: per path and loader).

        Any failure becomes ModelLoadError naming the path (`name`, a catalogue or checkpoint name, adds
        the download command); a ModelLoadError the loader raises itself passes as it is.
        """
        path = path.resolve()
        placement = self.placement  # a bad LISTING_DEVICE is its own error, not a broken folder

        def load() -> T:
            try:
                return loader(path, placement)
            except ModelLoadError:
                raise
            except Exception as error:
                raise ModelLoadError.for_folder(path, error, name) from error

        return self.get(key if key is not None else (path, loader), load)

    def known(self, name: str, loader: FolderLoader[T]) -> T | None:
        """A catalogue model from the models folder, or None when it is not downloaded."""
        if not is_present(name, self.settings):
            return None
        return self.load(model_dir(name, self.settings), loader, name)

    def loaded(self) -> list[Hashable]:
        """Keys of the models loaded so far."""
        with self._guard:
            return list(self._models)
