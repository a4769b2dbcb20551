"""Checkpoint folders written by tests: manifests, and the files a neural checkpoint needs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

TEMPLATE = {"kind": "template", "title": "Шаблон", "images": "multi", "routes": ["text", "single", "multi"]}
VIT = {"kind": "encoder-decoder", "title": "ViT", "images": "single", "source": {"hub": "org/vit"}}


def write_manifest(root: Path, name: str, manifest: dict | str) -> Path:
    """A checkpoint folder `name` under `root` with this manifest (a dict, or raw text)."""
    folder = root / name
    folder.mkdir(parents=True)
    text = manifest if isinstance(manifest, str) else json.dumps(manifest, ensure_ascii=False)
    (folder / "checkpoint.json").write_text(text, encoding="utf-8")
    return folder


def write_model_files(folder: Path, weights: bytes | None = None) -> Path:
    """The files an encoder-decoder checkpoint needs, with sound (or the given) weights."""
    for name in ("config.json", "tokenizer.json", "preprocessor_config.json"):
        (folder / name).write_text("{}", encoding="utf-8")
    if weights is None:
        save_file({"weight": np.zeros((2, 2), dtype=np.float32)}, str(folder / "model.safetensors"))
    else:
        (folder / "model.safetensors").write_bytes(weights)
    return folder
