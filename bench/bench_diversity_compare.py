"""The diversity approaches side by side on the sealed part of the real-style set.

Rows: the text rules; ruCLIP zero-shot on the listing's photos (the softmax over the three "many" and
three "one" prompt similarities, averaged over photos); their pooled combination — the label the
pipeline gives. Every listing goes through `diversity.classify` with photo embeddings built as the
pipeline's diversity stage builds them (`load_ruclip` from the model store, `PhotoEmbeddings`), so a
row measures what a seller gets. A row that needs ruCLIP says «недоступно» and why (no ruCLIP folder,
no photos in the set), with no number: without a photo signal the pipeline's pooled score is the
text score, so a number there would only repeat the first row. Then the reliability of the pooled
score (5 bins) and the text signal's speed per listing with the word cache warm (the first pass over
the set warms it; median per listing, then over passes).

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
from core.catalogue import RUCLIP_MODEL, missing_message
from core.listing import SINGLE, VARIATIVE
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
from ruclip_port import PhotoEmbeddings, RuCLIP, load_ruclip

DATASET = PROJECT_ROOT / "tests" / "data" / "diversity_real_style.jsonl"
ROWS = (
    ("текстовые правила", "text"),
    ("ruCLIP zero-shot (6 подсказок)", "photos_zero_shot"),
    ("правила + ruCLIP (как в конвейере)", POOLED),
)


def pipeline_embeddings(model: RuCLIP | None, folder: Path) -> Callable[[dict], PhotoEmbeddings]:
    """A record's photo embeddings as the pipeline's diversity stage builds them."""

    def embeddings(record: dict) -> PhotoEmbeddings:
        images = [upright_rgb(Image.open(folder / name)) for name in record.get("images", [])]
        return PhotoEmbeddings(model if images else None, images)

    return embeddings


def row(name: str, result: Evaluation, missing: list[str]) -> str:
    """One markdown table row; «недоступно» and why where the row's signal is missing."""
    if missing:
        return f"| {name} | {result.total} | недоступно | — | — | — | {'; '.join(missing)} |"
    return (f"| {name} | {result.total} | {result.accuracy:.3f} | {result.recall(VARIATIVE):.3f} | "
            f"{result.recall(SINGLE):.3f} | {result.brier:.3f} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DATASET)
    parser.add_argument("--split", default="test")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    records = load_records(args.file)
    chosen = in_split(records, args.split)
    model = load_ruclip(ModelStore(Settings.from_env()))
    embeddings = pipeline_embeddings(model, args.file.parent)
    results = {s: evaluate(records, args.split, signal=s, embeddings=embeddings) for _, s in ROWS}
    missing = [missing_message(RUCLIP_MODEL)] if model is None else []
    if not any(r.get("images") for r in chosen):
        missing.append("в наборе нет фото")

    print(f"{args.file.name}, часть «{args.split}»: {len(chosen)} объявлений; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| подход | n | точность | recall «много» | recall «один» | Brier | примечание |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, signal in ROWS:
        print(row(name, results[signal], missing if signal != "text" else []))
    print()
    print("\n".join(format_reliability(results[POOLED])))
    inputs = [listing_inputs(r) for r in chosen]
    runs = [median_ms_per_item(lambda pair: classify(*pair), inputs, 1) for _ in range(args.runs)]
    print(f"текстовый сигнал, кэш слов прогрет: медиана {statistics.median(runs):.2f} мс на объявление "
          f"(медианы {args.runs} прогонов: {min(runs):.2f}–{max(runs):.2f} мс)")


if __name__ == "__main__":
    main()
