"""What a caption checkpoint folder must hold, by kind, and a cheap check of its weight files.

No torch here: the registry uses it to tell «готов» from «не скачан» and «повреждён» every time it
lists the folders, and the kind loaders use it to refuse a folder before anything heavy loads. The
weight check reads headers only (safetensors header and offsets, a sharded index's file list, the
directory of a pickled .bin archive), never the tensors, and remembers files it has already seen.
"""

from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path

WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.safetensors.index.json", "*.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "tokenizer.model", "spiece.model")
ADAPTER_CONFIG = "adapter_config.json"
PROCESSOR_FILES = ("preprocessor_config.json",)  # the image processor both photo kinds need
PREFIX_CONFIG = "prefix_config.json"
MAPPER_FILE = "mapper.safetensors"
ADAPTER_FILES = (ADAPTER_CONFIG, "adapter_model.safetensors")
MODEL_WEIGHTS = "веса модели (*.safetensors или pytorch_model.bin)"

# kind → groups of file names; a folder needs at least one file of every group
REQUIRED_FILES: dict[str, tuple[tuple[str, ...], ...]] = {
    "template": (),
    "encoder-decoder": (("config.json",), TOKENIZER_FILES, PROCESSOR_FILES),
    "vlm": (("config.json",), TOKENIZER_FILES, PROCESSOR_FILES),
    "prefix": ((PREFIX_CONFIG,), (MAPPER_FILE,), *((name,) for name in ADAPTER_FILES), TOKENIZER_FILES),
}
NEEDS_MODEL_WEIGHTS = ("encoder-decoder", "vlm")  # a full model's weights, besides any adapter


def has_model_weights(folder: Path) -> bool:
    """Whether the folder holds a model's own weights (not only a LoRA adapter's)."""
    weights = (p for pattern in WEIGHT_PATTERNS for p in folder.glob(pattern))
    return any(not p.name.startswith("adapter_") for p in weights)


def missing_files(folder: Path, kind: str) -> list[str]:
    """The files a checkpoint of `kind` needs that the folder lacks, in Russian ("a или b" per group)."""
    missing = []
    for group in REQUIRED_FILES.get(kind, ()):
        if not any((folder / name).is_file() for name in group):
            missing.append(" или ".join(group))
    if kind in NEEDS_MODEL_WEIGHTS and not has_model_weights(folder):
        missing.insert(1, MODEL_WEIGHTS)
    return missing


def weight_problem(folder: Path) -> str | None:
    """Why the folder's weight files can't be read, in Russian, or None when every header is sound."""
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".index.json") or path.name in ("config.json", ADAPTER_CONFIG, PREFIX_CONFIG):
            problem = _json_problem(path)
            if problem:
                return problem
    for path in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        problem = _file_problem(str(path), *_stamp(path))
        if problem:
            return problem
    return None


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _json_problem(path: Path) -> str | None:
    """A config or a sharded index that is not JSON, or an index naming weight files that are absent."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return f"файл {path.name} не читается как JSON"
    if not isinstance(data, dict):
        return f"в файле {path.name} нужен JSON-объект"
    if path.name.endswith(".index.json"):
        shards = data.get("weight_map")
        if not isinstance(shards, dict):
            return f"в файле {path.name} нет списка частей весов (weight_map)"
        absent = sorted({str(s) for s in shards.values()} - {p.name for p in path.parent.iterdir()})
        if absent:
            return f"не хватает частей весов: {', '.join(absent[:3])}{' и др.' if len(absent) > 3 else ''}"
    return None


@functools.lru_cache(maxsize=256)
def _file_problem(path: str, size: int, mtime_ns: int) -> str | None:
    """The check of one weight file, remembered by its size and modification time."""
    name = Path(path).name
    if size == 0:
        return f"файл весов {name} пустой"
    if name.endswith(".safetensors"):
        from safetensors import SafetensorError, safe_open

        try:
            with safe_open(path, framework="numpy") as weights:  # reads and checks the header only
                weights.keys()
        except (SafetensorError, OSError):
            return f"файл весов {name} повреждён или скачан не полностью (заголовок safetensors не читается)"
        return None
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04":  # torch.save's zip archive: its directory sits at the very end
        try:
            with zipfile.ZipFile(path) as archive:
                archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return f"файл весов {name} повреждён или скачан не полностью"
    elif not magic.startswith(b"\x80"):  # nor the older pickle format
        return f"файл весов {name} не похож на веса PyTorch"
    return None
