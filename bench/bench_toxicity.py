"""Neural toxicity, both models side by side: ms per listing text, and recall / false positives where the
real models and the toxic set are there.

Speed: by default random weights in the real shapes — rubert-tiny-toxicity (BERT, 3 layers, hidden 312,
29 564-entry vocabulary, 5 labels) and Detoxify multilingual (XLM-R base, 12 layers, hidden 768,
250 002 entries, 16 outputs, in Detoxify's checkpoint format) — written by a spawned child process to a
temporary folder (their construction does not count in this process's RSS), loaded through the model
store and run through `check_toxicity` on the listing texts of tests/data/diversity.jsonl. Their
tokenizers are built from those texts (whole words; the real ones cut Russian words into more pieces),
so a text has fewer tokens here than with the real models: the figures are lower bounds.
`--models DIR` uses downloaded models instead.
Quality, only when `--models` holds both real models and `--data` is there: recall = share of the
toxic texts rejected (warned in brackets), tuning and sealed splits apart; false positives = share of
the clean listing texts rejected (warned in brackets).

    python -m bench.bench_toxicity [--runs 3] [--texts 40] [--threads N] [--models DIR] [--data TSV]
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import re
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

from bench.timing import median_ms_per_item, peak_rss_mb
from core.catalogue import DETOXIFY_MODEL, TOXICITY_MODEL, is_present
from core.models import ModelStore
from core.settings import PROJECT_ROOT, Settings
from moderation.config import ModerationConfig
from moderation.text.toxicity import LABELS, check_toxicity, sentences
from tests.tiny_bert import make_tiny_bert, wordpiece_vocab
from tests.tiny_detoxify import make_tiny_detoxify

LISTINGS = PROJECT_ROOT / "tests" / "data" / "diversity.jsonl"
TOXIC_SET = PROJECT_ROOT / "tests" / "data" / "toxicity_vk.tsv"
MODELS = (TOXICITY_MODEL, DETOXIFY_MODEL)


def listing_texts() -> list[str]:
    """The sellers' texts of the listings in tests/data/diversity.jsonl (clean listings)."""
    lines = LISTINGS.read_text(encoding="utf-8").splitlines()
    return [text for line in lines if line.strip() and (text := json.loads(line).get("text", "").strip())]


def build_random_models(models: Path) -> None:
    """Write both models with random weights in their real shapes under `models` (run in a child)."""
    corpus = listing_texts()
    words = sorted({w for text in corpus for w in re.findall(r"\w+", text)})
    make_tiny_bert(
        models / TOXICITY_MODEL, layers=3, hidden=312, heads=12, intermediate=600,
        vocab=wordpiece_vocab(words), vocab_size=29_564, labels=LABELS,
    )  # fmt: skip
    make_tiny_detoxify(
        models, {}, max_positions=514, shape=(768, 12, 12, 3072), vocab_size=250_002,
        corpus=corpus, pieces=8000,
    )  # fmt: skip


def bench_speed(models: Path, texts: list[str], runs: int) -> None:
    """Load time, ms per listing text and peak RSS of each model, in the catalogue's order."""
    counts = [len(sentences(t)) for t in texts]
    print(f"{len(texts)} listing texts, {statistics.mean(counts):.1f} sentences and "
          f"{statistics.mean(len(t) for t in texts):.0f} characters each on average")  # fmt: skip
    config = ModerationConfig()
    for name in MODELS:
        store = ModelStore(Settings(models_dir=models, device="cpu", toxicity_model=name))
        start = time.perf_counter()
        check_toxicity(texts[0], store, config)  # loads the model
        load_s = time.perf_counter() - start
        ms = median_ms_per_item(lambda text, s=store: check_toxicity(text, s, config), texts, runs)
        print(f"  {name}: load + first text {load_s:.1f} s; {ms:.0f} ms per text (median of {runs} passes); "
              f"peak RSS so far {peak_rss_mb():.0f} MiB")  # fmt: skip


def _rates(store: ModelStore, texts: list[str]) -> str:
    verdicts = [check_toxicity(text, store, ModerationConfig()).verdict for text in texts]
    rejected = verdicts.count("reject") / len(texts)
    warned = verdicts.count("warn") / len(texts)
    return f"{rejected:.1%} ({warned:.1%}) of {len(texts)}"


def bench_quality(models: Path, data: Path) -> None:
    """Recall on the toxic set's splits and false positives on clean listings, per model."""
    settings = Settings(models_dir=models, device="cpu")
    missing = [name for name in MODELS if not is_present(name, settings)]
    if missing or not data.is_file():
        why = f"no {', '.join(missing)} in {models}" if missing else f"no toxic set at {data}"
        print(f"Quality: недоступно — {why} (random weights would give meaningless figures)")
        return
    with data.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    clean = listing_texts()
    for name in MODELS:
        store = ModelStore(replace(settings, toxicity_model=name))
        recall = {
            split: _rates(store, [r["text"] for r in rows if r["label"] == "toxic" and r["split"] == split])
            for split in ("tuning", "sealed")
        }
        print(f"  {name}: toxic rejected (warned): tuning {recall['tuning']}, sealed {recall['sealed']}; "
              f"clean listings rejected (warned): {_rates(store, clean)}")  # fmt: skip


def main() -> None:
    """Run the benchmark and print a short report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--texts", type=int, default=40, help="how many listing texts to time")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("--models", type=Path, help="a models folder with both models downloaded")
    parser.add_argument("--data", type=Path, default=TOXIC_SET, help="the toxic set (text, label, split)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")  # fmt: skip
    texts = listing_texts()[: args.texts]
    if args.models:
        print(f"Models from {args.models}")
        bench_speed(args.models, texts, args.runs)
        bench_quality(args.models, args.data)
        return
    with tempfile.TemporaryDirectory() as tmp:
        child = multiprocessing.get_context("spawn").Process(target=build_random_models, args=(Path(tmp),))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit("building the random models failed")
        print("Random weights in the real shapes")
        bench_speed(Path(tmp), texts, args.runs)
        print("Quality: недоступно — random weights; give --models with both real models downloaded")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
