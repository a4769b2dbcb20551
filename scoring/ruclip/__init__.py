"""Our own port of ruCLIP (ai-forever/ru-clip): model, YouTokenToMe tokeniser, image preprocessing.

`load_ruclip(settings)` is the one entry point the pipeline uses: the model from the models folder,
loaded once per folder, or None when it is not downloaded.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import torch

from pipeline.hub import is_present, model_dir
from pipeline.settings import Settings
from scoring.ruclip.ruclip import RuCLIP

RUCLIP_MODEL = "ruclip-vit-base-patch32-384"

__all__ = ["RUCLIP_MODEL", "RuCLIP", "load_ruclip"]

_LOAD_LOCK = threading.Lock()  # concurrent first requests load the model once


def resolve_device(setting: str) -> str:
    """'auto' → 'cuda' when available, else 'cpu'; other values pass through."""
    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return setting


@lru_cache(maxsize=4)
def _load(folder: Path, device: str) -> RuCLIP:
    return RuCLIP.from_pretrained(folder, device=device)


def load_ruclip(settings: Settings | None = None) -> RuCLIP | None:
    """The ruCLIP model from `<models>/ruclip-vit-base-patch32-384`, loaded lazily and cached per
    folder; None when the folder lacks `config.json`, `pytorch_model.bin` or `bpe.model`."""
    settings = settings or Settings.from_env()
    if not is_present(RUCLIP_MODEL, settings):
        return None
    with _LOAD_LOCK:
        return _load(model_dir(RUCLIP_MODEL, settings).resolve(), resolve_device(settings.device))
