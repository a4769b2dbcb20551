"""Training data for the prefix captioner: a JSONL file of listings, masking, and the photo feature cache.

One listing per line: `{"images": [paths], "attributes": {...}, "text": "...", "description": "..."}`;
photo paths may be relative to the JSONL file. A bad line (not JSON, a missing or unreadable photo, an
empty description, …) is reported with its number and a Russian reason and skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError
from safetensors.torch import load_file, save_file

from core.listing import DiversityLabel
from core.settings import Limits
from diversity import classify
from masking import mask
from masking.tokens import rename_tokens, token_kind, token_name
from masking.types import MaskedListing
from photos import decode_upright
from ruclip_port import PhotoEmbeddings


@dataclass(frozen=True)
class Row:
    """One good listing from the JSONL file (photo paths resolved)."""

    line: int
    images: tuple[Path, ...]
    attributes: dict[str, str]
    text: str
    description: str

    def to_json(self) -> dict[str, Any]:
        """The row as a JSONL object with absolute photo paths."""
        return {
            "images": [str(p) for p in self.images],
            "attributes": self.attributes,
            "text": self.text,
            "description": self.description,
        }


@dataclass(frozen=True)
class BadRow:
    """A skipped line and why (Russian)."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"строка {self.line}: {self.reason}"


class RowError(ValueError):
    """Raised while checking one line; the message is the Russian reason."""


def _photo(value: object, base: Path) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise RowError("путь к фото должен быть непустой строкой")
    path = Path(value).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise RowError(f"нет фото {value}")
    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise RowError(f"фото {value} не читается ({error})") from error
    return path.resolve()


def parse_row(line: int, raw: str, base: Path, max_images: int) -> Row:
    """Check one JSONL line; RowError with the Russian reason when it can't be used."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise RowError(f"не JSON ({error.msg})") from error
    if not isinstance(data, dict):
        raise RowError("нужен JSON-объект")
    images = data.get("images", [])
    if not isinstance(images, list):
        raise RowError("поле images должно быть списком путей")
    if len(images) > max_images:
        raise RowError(f"{len(images)} фото, модель принимает не больше {max_images}")
    attributes = data.get("attributes", {})
    if not isinstance(attributes, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int | float) for k, v in attributes.items()
    ):
        raise RowError("поле attributes должно быть объектом «название: значение»")
    text = data.get("text", "")
    if not isinstance(text, str):
        raise RowError("поле text должно быть строкой")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise RowError("пустое описание (description)")
    photos = tuple(_photo(value, base) for value in images)
    return Row(line, photos, {k: str(v) for k, v in attributes.items()}, text, description.strip())


def read_rows(path: Path, max_images: int = 10) -> tuple[list[Row], list[BadRow]]:
    """Good rows and the bad lines of a JSONL file (blank lines are ignored)."""
    rows: list[Row] = []
    bad: list[BadRow] = []
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                rows.append(parse_row(number, raw, path.parent, max_images))
            except RowError as error:
                bad.append(BadRow(number, str(error)))
    return rows, bad


def mask_target(masked: MaskedListing, attributes: dict[str, str], description: str) -> str:
    """The description with numbers as the input's tokens: a value the input has gets the input's token;
    a number the input lacks gets a fresh token of its type that has no value (restore erases it)."""
    own = mask(attributes, description)
    by_value: dict[str, list[str]] = {}
    for token, value in masked.values.items():
        by_value.setdefault(value.strip(), []).append(token)
    used = set(masked.values)
    renamed: dict[str, str] = {}
    for token, value in own.values.items():
        kind = token_kind(token)
        same_kind = [t for t in by_value.get(value.strip(), []) if token_kind(t) == kind]
        candidates = same_kind or by_value.get(value.strip(), [])
        if candidates:
            renamed[token] = candidates[0]
            continue
        n = 1
        while (fresh := token_name(kind, n)) in used:
            n += 1
        used.add(fresh)
        renamed[token] = fresh
    return rename_tokens(own.text, renamed)


@dataclass(frozen=True)
class Example:
    """A row ready for training: masked input, masked target and diversity label."""

    row: Row
    masked: MaskedListing
    target: str
    diversity: DiversityLabel


def prepare(row: Row, tower: CachedTower | None = None) -> Example:
    """Mask input and target with the same tokens and label the listing with the diversity classifier,
    from its photos too when `tower` is given (as the pipeline does when ruCLIP is downloaded)."""
    masked = mask(row.attributes, row.text)
    target = mask_target(masked, row.attributes, row.description)
    embeddings = PhotoEmbeddings(tower, row.images) if tower is not None else None  # type: ignore[arg-type]
    return Example(row, masked, target, classify(row.attributes, row.text, embeddings).label)


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tower_key(folder: Path, extra: str = "") -> str:
    """A short key for a vision tower: its config and the size, start and end of every weights file
    (reading 600 MB to hash them all would cost more than it protects)."""
    digest = hashlib.sha256(extra.encode())
    for path in sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix in (".json", ".bin", ".safetensors")
    ):
        digest.update(path.name.encode())
        digest.update(str(path.stat().st_size).encode())
        with path.open("rb") as handle:
            digest.update(handle.read(1 << 20))
            handle.seek(max(0, path.stat().st_size - (1 << 20)))
            digest.update(handle.read())
    return digest.hexdigest()[:16]


def open_images(paths: Sequence[Path]) -> list[Image.Image]:
    """Photos loaded into memory (files closed), upright, RGB and shrunk as the pipeline gives them to
    models."""
    images = []
    for path in paths:
        with Image.open(path) as image:
            images.append(decode_upright(image, Limits().working_side)[0])
    return images


class FeatureCache:
    """Unnormalised ruCLIP features of photos, one safetensors file per photo content hash.

    `hits` and `misses` count lookups since creation (a miss runs the vision tower). Caches that count
    separately over the same photos can share one `hashes` memo, so no photo file is hashed twice.
    """

    def __init__(
        self, folder: Path, tower: Any, key: str, hashes: dict[tuple[Path, int, int], str] | None = None
    ) -> None:
        self.folder = folder / key
        self.tower = tower
        self.hits = 0
        self.misses = 0
        self._hashes = {} if hashes is None else hashes

    def _hash(self, path: Path) -> str:
        stat = path.stat()
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in self._hashes:
            self._hashes[key] = file_hash(path)
        return self._hashes[key]

    def _file(self, digest: str) -> Path:
        return self.folder / digest[:2] / f"{digest}.safetensors"

    def features(self, paths: Sequence[Path]) -> torch.Tensor:
        """Features of these photos in order, shape (len(paths), dim); photos not cached are encoded
        in one batch and written to the cache."""
        files = [self._file(self._hash(p)) for p in paths]
        found: dict[int, torch.Tensor] = {}
        for i, file in enumerate(files):
            if file.is_file():
                found[i] = load_file(str(file))["features"]
        todo = [i for i in range(len(paths)) if i not in found]
        self.hits += len(found)
        self.misses += len(todo)
        if todo:
            images = open_images([paths[i] for i in todo])
            for i, vector in zip(todo, self.tower.encode_images(images, normalize=False), strict=True):
                found[i] = vector.contiguous()
                files[i].parent.mkdir(parents=True, exist_ok=True)
                temporary = files[i].with_suffix(f".{os.getpid()}.tmp")
                save_file({"features": found[i]}, str(temporary))
                os.replace(temporary, files[i])
        if not paths:
            return torch.empty(0, self.tower.embed_dim)
        return torch.stack([found[i] for i in range(len(paths))])


class CachedTower:
    """The ruCLIP interface PhotoEmbeddings needs, with photos given as paths and their features read
    from the cache, so labelling the training listings by their photos encodes each photo once."""

    def __init__(self, cache: FeatureCache) -> None:
        self.cache = cache
        self._texts: dict[str, torch.Tensor] = {}

    @property
    def logit_scale(self) -> float:
        """The tower's learned temperature."""
        return self.cache.tower.logit_scale

    def encode_images(self, paths: Sequence[Path]) -> torch.Tensor:
        """Unit-normalised features of the photos at `paths`."""
        return F.normalize(self.cache.features(paths), dim=-1)

    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """Unit-normalised text embeddings, each text encoded once per run."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._texts]
        if missing:
            self._texts.update(zip(missing, self.cache.tower.encode_texts(missing), strict=True))
        return torch.stack([self._texts[t] for t in texts])

    def encode_prompts(self, prompts: Sequence[str]) -> torch.Tensor:
        """Embeddings of fixed prompts (each encoded once per run, like every text)."""
        return self.encode_texts(prompts).float()
