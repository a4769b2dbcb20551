"""Our own port of ruCLIP (ai-forever/ru-clip): model, YouTokenToMe tokeniser, image preprocessing.

`load_ruclip(settings)` is the one entry point the pipeline uses: the model from the models folder,
loaded once per folder, or None when it is not downloaded.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from pipeline.device import resolve_device
from pipeline.hub import RUCLIP_MODEL, is_present, model_dir
from pipeline.settings import Settings
from scoring.ruclip.ruclip import RuCLIP

__all__ = ["RUCLIP_MODEL", "RuCLIP", "load_ruclip", "load_ruclip_from"]

_LOAD_LOCK = threading.Lock()  # concurrent first requests load the model once


@lru_cache(maxsize=4)
def _load(folder: Path, device: str) -> RuCLIP:
    return RuCLIP.from_pretrained(folder, device=device)


def load_ruclip_from(folder: Path, device: str) -> RuCLIP:
    """A ruCLIP folder's model, loaded once per (resolved folder, device) and shared by every user."""
    with _LOAD_LOCK:
        return _load(folder.resolve(), device)


def load_ruclip(settings: Settings | None = None) -> RuCLIP | None:
    """The ruCLIP model from `<models>/ruclip-vit-base-patch32-384`, loaded lazily and cached per
    folder; None when the folder lacks `config.json`, `pytorch_model.bin` or `bpe.model`."""
    settings = settings or Settings.from_env()
    if not is_present(RUCLIP_MODEL, settings):
        return None
    return load_ruclip_from(model_dir(RUCLIP_MODEL, settings), resolve_device(settings.device))
