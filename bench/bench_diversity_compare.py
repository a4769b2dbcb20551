"""The diversity approaches side by side on the sealed part of the real-style set.

Rows: the text rules; ruCLIP zero-shot on the listing's photos (the softmax over the three "many" and
three "one" prompt similarities, averaged over photos); their pooled combination — the label the
pipeline gives. Every listing goes through `diversity.classify` with photo embeddings built as the
pipeline's diversity stage builds them (`load_ruclip` from the model store, `PhotoEmbeddings`), so a
row measures what a seller gets. A row whose signal is missing (no ruCLIP folder, or no photos in the
set) says «недоступно» and why, with no number. Then the reliability of the pooled score (5 bins) and
the text signal's speed per listing with the word cache warm.

    python -m bench.bench_diversity_compare [--file tests/data/diversity_real_style.jsonl] [--split test]
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from bench.timing import median_ms_per_item
from core.models import ModelStore
from core.settings import PROJECT_ROOT, Settings
from diversity import classify
from diversity.evaluation import (
    POOLED,
    Evaluation,
    evaluate,
    format_reliability,
    in_split,
    listing_inputs,
    load_records,
)
from photos import upright_rgb
from ruclip_port import PhotoEmbeddings, load_ruclip

DATASET = PROJECT_ROOT / "tests" / "data" / "diversity_real_style.jsonl"
ROWS = (
    ("текстовые правила", "text"),
    ("ruCLIP zero-shot (6 подсказок)", "photos_zero_shot"),
    ("правила + ruCLIP (как в конвейере)", POOLED),
)


def pipeline_embeddings(store: ModelStore, folder: Path) -> Callable[[dict], PhotoEmbeddings]:
    """A record's photo embeddings as the pipeline's diversity stage gets them."""
    model = load_ruclip(store)

    def embeddings(record: dict) -> PhotoEmbeddings:
        images = [upright_rgb(Image.open(folder / name)) for name in record.get("images", [])]
        return PhotoEmbeddings(model if images else None, images)

    return embeddings


def row(name: str, result: Evaluation, photo_signal_missing: bool) -> str:
    """One markdown table row; «недоступно» with the reason where the signal was never computed."""
    if result.total == 0 or photo_signal_missing:
        reasons = "; ".join(f"{reason} ({count})" for reason, count in result.unavailable.items())
        return f"| {name} | {result.total} | недоступно | — | — | — | {reasons} |"
    return (f"| {name} | {result.total} | {result.accuracy:.3f} | {result.recall('<VARIATIVE>'):.3f} | "
            f"{result.recall('<SINGLE>'):.3f} | {result.brier:.3f} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DATASET)
    parser.add_argument("--split", default="test")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    records = load_records(args.file)
    embeddings = pipeline_embeddings(ModelStore(Settings.from_env()), args.file.parent)
    results = {s: evaluate(records, args.split, signal=s, embeddings=embeddings) for _, s in ROWS}
    photo_missing = results["photos_zero_shot"].total == 0

    print(f"{args.file.name}, часть «{args.split}»: {len(in_split(records, args.split))} объявлений; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| подход | n | точность | recall «много» | recall «один» | Brier | примечание |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, signal in ROWS:
        print(row(name, results[signal], photo_missing and signal != "text"))
    print()
    print("\n".join(format_reliability(results[POOLED])))
    inputs = [listing_inputs(r) for r in in_split(records, args.split)]
    warm = median_ms_per_item(lambda pair: classify(*pair), inputs, args.runs)
    runs = [median_ms_per_item(lambda pair: classify(*pair), inputs, 1) for _ in range(args.runs)]
    print(f"текстовый сигнал, кэш слов прогрет: медиана {warm:.2f} мс на объявление "
          f"(разброс прогонов {min(runs):.2f}–{max(runs):.2f} мс, медиана {statistics.median(runs):.2f})")


if __name__ == "__main__":
    main()
