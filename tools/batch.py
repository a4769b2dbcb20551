"""`python -m pipeline batch`: describe a whole catalogue of listings, resumably, on one machine or Ray.

Input: JSONL (`{"id", "images": [paths], "attributes": {...}, "text", "checkpoint"?}`) or CSV with the
same columns (`images` separated by `;`, `attributes` a JSON object). Photo paths are absolute or
relative to the input file; `checkpoint` (optional) overrides `--checkpoint` for one listing.
Output: JSONL, one line per listing, `id` plus the keys of `run --json`, appended and flushed as each
result arrives. A rerun skips the ids already written; a last line cut short by a crash is dropped and
its listing done again. A listing that fails (a broken photo, a rejected text, an unknown checkpoint,
an unreadable input line) gets `status` "rejected" or "error" with its reasons; the batch goes on.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from core.listing import STATUS_RU, Listing, Result
from core.settings import Settings
from tools.engines import Engine, Handler, Item, is_neural

log = logging.getLogger(__name__)


class InputError(ValueError):
    """The input or output file can't be used at all; the message is Russian."""


class LineError(ValueError):
    """One input line can't be used; the message is the Russian reason, `listing_id` its id if readable."""

    def __init__(self, reason: str, listing_id: str | None = None) -> None:
        super().__init__(reason)
        self.listing_id = listing_id


# -- input -----------------------------------------------------------------------------------------
def _listing_item(fields: dict[str, Any], base: Path, images: Any) -> Item:
    """One input record as an engine item: id, absolute photo paths, attributes, text, checkpoint."""
    raw_id = fields.get("id")
    if not isinstance(raw_id, str | int) or isinstance(raw_id, bool) or not str(raw_id).strip():
        raise LineError("нет поля id (строка или число)")
    listing_id = str(raw_id).strip()
    if not isinstance(images, list) or not all(isinstance(p, str) and p.strip() for p in images):
        raise LineError("поле images должно быть списком путей к фото", listing_id)
    attributes = fields.get("attributes") or {}
    if not isinstance(attributes, dict) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in attributes.values()
    ):
        raise LineError("поле attributes должно быть объектом «название: значение»", listing_id)
    text = fields.get("text") or ""
    checkpoint = fields.get("checkpoint") or None
    if not isinstance(text, str) or not isinstance(checkpoint, str | None):
        raise LineError("поля text и checkpoint должны быть строками", listing_id)
    return {
        "id": listing_id,
        "images": [str((base / Path(p.strip()).expanduser()).resolve()) for p in images],
        "attributes": {str(k): str(v) for k, v in attributes.items()},
        "text": text,
        "checkpoint": checkpoint,
    }


def _jsonl_records(handle: TextIO, base: Path) -> Iterator[tuple[int, Item | LineError]]:
    for number, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise LineError("нужен JSON-объект")
            yield number, _listing_item(data, base, data.get("images", []))
        except json.JSONDecodeError as error:
            yield number, LineError(f"не JSON ({error.msg})")
        except LineError as error:
            yield number, error


def _csv_records(handle: TextIO, base: Path) -> Iterator[tuple[int, Item | LineError]]:
    reader = csv.DictReader(handle)
    if reader.fieldnames is None or "id" not in reader.fieldnames:
        raise InputError("в CSV нет строки заголовков со столбцом id")
    for row in reader:
        try:
            cell = (row.get("attributes") or "").strip()
            attributes = json.loads(cell) if cell else {}
            images = [p for p in (row.get("images") or "").split(";") if p.strip()]
            yield reader.line_num, _listing_item({**row, "attributes": attributes}, base, images)
        except json.JSONDecodeError as error:
            yield (
                reader.line_num,
                LineError(f"attributes — не JSON ({error.msg})", (row.get("id") or "").strip() or None),
            )
        except LineError as error:
            yield reader.line_num, error


def read_listings(path: Path) -> list[Item]:
    """Every listing of a JSONL or CSV file (by extension) as an engine item, in file order.

    A line that can't be used becomes `{"id", "error"}` (the id is «строка N» when it can't be read);
    a repeated id keeps its first line and is reported on stderr.
    """
    base = path.resolve().parent
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = _csv_records if path.suffix.lower() == ".csv" else _jsonl_records
            records = list(reader(handle, base))
    except OSError as error:
        raise InputError(f"не удалось прочитать {path}: {error}") from error
    except UnicodeDecodeError as error:
        raise InputError(f"{path} не в кодировке UTF-8 ({error.reason})") from error
    items: list[Item] = []
    lines: dict[str, int] = {}
    for number, record in records:
        if isinstance(record, LineError):
            record = {"id": record.listing_id or f"строка {number}", "error": f"строка {number}: {record}"}
        if record["id"] in lines:
            print(f"id «{record['id']}» повторяется (строки {lines[record['id']]} и {number}): "
                  "взята первая строка", file=sys.stderr)  # fmt: skip
            continue
        lines[record["id"]] = number
        items.append(record)
    return items


# -- output ----------------------------------------------------------------------------------------
def finished_ids(path: Path) -> set[str]:
    """Ids already in the output file. A last line cut short (no newline or not JSON) is removed from the
    file, so its listing is done again; a broken line before the last one is an InputError."""
    if not path.exists():
        return set()
    data = path.read_bytes()
    ids: set[str] = set()
    end = 0
    lines = data.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        try:
            if not line.endswith(b"\n"):
                raise ValueError("no newline")
            ids.add(str(json.loads(line)["id"]))
        except (ValueError, KeyError, TypeError):
            if number < len(lines):
                raise InputError(
                    f"строка {number} файла {path} повреждена; исправьте или удалите её и запустите снова"
                ) from None
            print(f"Последняя строка {path} оборвана — это объявление будет сделано заново", file=sys.stderr)
            with path.open("r+b") as handle:
                handle.truncate(end)
            break
        end += len(line)
    return ids


# -- the job the engines run -------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchJob:
    """Describe listings with one Pipeline per worker (models load once per worker, on first use)."""

    settings: Settings
    checkpoint: str | None = None

    def start(self) -> Handler:
        """The worker's Pipeline and the function that runs one listing through it."""
        from pipeline.runner import Pipeline

        pipeline = Pipeline(self.settings)

        def describe(item: Item) -> Item:
            if "error" in item:
                return record_of(item["id"], Result(status="error", reasons=[item["error"]]))
            name = item.get("checkpoint") or self.checkpoint
            listing = Listing([Path(p) for p in item["images"]], item["attributes"], item["text"])
            try:
                return record_of(item["id"], pipeline.run(listing, name, name))
            except Exception as error:  # run refuses bad input itself; a bug must not stop the batch
                log.exception("listing %s failed", item["id"])
                reason = f"Непредвиденный сбой ({type(error).__name__}); трассировка — в stderr процесса"
                return record_of(item["id"], Result(status="error", reasons=[reason]))

        return describe


def record_of(listing_id: str, result: Result) -> Item:
    """An output line: the id, then the keys of `run --json`."""
    return {"id": listing_id, **result.to_dict()}


# -- the batch -------------------------------------------------------------------------------------
@dataclass
class Summary:
    """What a batch did: counts by status, seconds per listing (pipeline time), wall time."""

    statuses: Counter[str] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    skipped: int = 0
    wall: float = 0.0
    first: float = 0.0  # wall time until the first result: starting the workers and their models

    @property
    def done(self) -> int:
        """Listings written by this run."""
        return sum(self.statuses.values())

    @property
    def throughput(self) -> float:
        """Listings per second of wall time."""
        return self.done / self.wall if self.wall > 0 else 0.0

    @property
    def steady(self) -> float:
        """Listings per second once the first result is in: the rate a long catalogue runs at."""
        return (self.done - 1) / (self.wall - self.first) if self.done > 1 and self.wall > self.first else 0.0

    def add(self, record: Item) -> None:
        """Count one written output line."""
        self.statuses[record["status"]] += 1
        total = (record.get("timings") or {}).get("total")
        if total is not None:
            self.seconds.append(total)

    def lines(self) -> list[str]:
        """The Russian summary printed at the end."""
        counts = " · ".join(f"{STATUS_RU[s]} {self.statuses.get(s, 0)}" for s in STATUS_RU)
        out = [f"Объявлений: {self.done} за {self.wall:.1f} с ({counts}); уже были готовы: {self.skipped}"]
        if self.seconds:
            median, p95 = statistics.median(self.seconds), percentile(self.seconds, 0.95)
            out.append(f"Секунд на объявление: медиана {median:.3f}, p95 {p95:.3f}")
        rate = f"Скорость: {self.throughput:.2f} объявл./с"
        out.append(f"{rate} (после запуска {self.steady:.2f}; запуск {self.first:.1f} с)")
        return out


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value at or above `fraction` of the sorted values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_batch(
    source: Path,
    output: Path,
    settings: Settings,
    engine: Engine | None = None,
    checkpoint: str | None = None,
    limit: int = 0,
) -> Summary:
    """Describe the first `limit` (0: all) listings of `source` that are not yet in `output`, appending
    one line per result as it arrives; `checkpoint` serves every route unless a listing names its own."""
    from tqdm.auto import tqdm

    items = read_listings(source)
    items = items[:limit] if limit else items
    done = finished_ids(output)
    todo = [item for item in items if item["id"] not in done]
    summary = Summary(skipped=len(items) - len(todo))
    engine = engine or Engine()
    names = {checkpoint, *(item.get("checkpoint") for item in todo)}
    gpu = engine.name == "ray" and any(is_neural(settings, name) for name in names)
    results = engine.run(BatchJob(settings, checkpoint), todo, gpu)
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bar = tqdm(total=len(todo), desc="Объявления", unit="объявл.", disable=None)
    with output.open("a", encoding="utf-8") as handle:
        for record in results:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            if not summary.done:
                summary.first = time.perf_counter() - started
            summary.add(record)
            bar.update(1)
            bar.set_postfix({STATUS_RU[s]: n for s, n in summary.statuses.items()}, refresh=False)
    bar.close()
    summary.wall = time.perf_counter() - started
    return summary
