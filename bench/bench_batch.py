"""Throughput of `python -m pipeline batch` on the template path: local pool vs Ray Data.

200 listings with 1–3 real photos each (../shared/data/photos/clothing*, a seeded sample), no optional
models (an empty models folder), so every listing runs validation, NudeNet moderation, masking,
diversity, the template and scoring. Each configuration runs the real command in a fresh process
`--runs` times (a new output file each time); reported are the medians of
- listings/s from the command's own summary (first worker start to last line written), the same after
  the start-up (first result to last: the rate a long catalogue runs at) and the start-up itself,
- listings/s over the whole command (interpreter start, reading, pool or Ray start included), and
- for the local engine, CPU seconds per listing of the command and its worker processes: on a box
  shared with other jobs wall-clock rates depend on what the others do, CPU time much less.
Configurations: `--workers 1` (in the command's process), `--workers 2` (two worker processes),
`--engine ray --workers 2` starting a local Ray cluster each run, and the same against a Ray cluster
that is already running (`--ray-address`, when given).

Then a profile of `--workers 1` on 50 listings (cProfile, in this process): how many times a model is
loaded (the model store's loader and the NudeNet session) — once for the worker, never per listing.

    python -m bench.bench_batch [--runs 3] [--listings 200] [--ray-address HOST:PORT]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings

PHOTOS = PROJECT_ROOT.parent / "shared" / "data" / "photos"
ITEMS = ["Куртка", "Платье", "Брюки", "Рубашка", "Шапка", "Туфли", "Юбка", "Футболка"]


def write_listings(path: Path, count: int) -> Path:
    """`count` listings, 1–3 shared photos each (absolute paths), seeded."""
    photos = sorted(PHOTOS.glob("clothing*/*/*.jpg"))
    rng = random.Random(19)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            images = [str(p) for p in rng.sample(photos, 1 + i % 3)]
            attributes = {
                "Вид одежды": ITEMS[i % len(ITEMS)],
                "Размер": str(40 + i % 10),
                "Цена": f"{500 + 10 * i}",
            }
            text = ["", "Носила один сезон, без пятен.", "Отдам недорого, самовывоз."][i % 3]
            row = {"id": f"b{i:04d}", "images": images, "attributes": attributes, "text": text}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def run_command(source: Path, folder: Path, flags: list[str], env: dict[str, str]) -> dict[str, float]:
    """One fresh run: listings/s from the summary (workers' start included) and after start-up, the
    start-up seconds, and listings/s over the whole command."""
    output = folder / f"out-{time.monotonic_ns()}.jsonl"
    command = [sys.executable, "-m", "pipeline", "batch", "--input", str(source), "--output", str(output)]
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([*command, *flags], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu
    lines = output.read_text(encoding="utf-8").count("\n")
    found = re.search(
        r"Скорость: ([\d.]+) объявл./с \(после запуска ([\d.]+); запуск ([\d.]+) с\)", done.stdout
    )
    assert found is not None, done.stdout
    rate, steady, startup = map(float, found.groups())
    return {"summary": rate, "steady": steady, "startup": startup, "whole": lines / wall, "cpu": cpu / lines}


def _children_cpu() -> float:
    """CPU seconds of this process's finished children and theirs (the command and its pool workers;
    not Ray's actors, which belong to the Ray cluster)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _calls(stats: pstats.Stats, code: types.CodeType) -> int:
    """How many times cProfile saw the function of this code object called."""
    entry = stats.stats.get((code.co_filename, code.co_firstlineno, code.co_name))  # type: ignore[attr-defined]
    return entry[1] if entry else 0


def profile(source: Path, settings: Settings, count: int) -> None:
    """cProfile of `--workers 1` on the first `count` listings: how often a model loader ran (the model
    store's loader closure, the NudeNet session) against how often a model was asked for."""
    from core.models import ModelStore
    from moderation.images import nudenet_session
    from tools.batch import run_batch
    from tools.engines import Engine

    with tempfile.TemporaryDirectory() as folder:
        profiler = cProfile.Profile()
        profiler.enable()
        run_batch(source, Path(folder) / "out.jsonl", settings, Engine("local", 1), limit=count)
        profiler.disable()
    stats = pstats.Stats(profiler)
    loader = next(c for c in ModelStore.load.__code__.co_consts if isinstance(c, types.CodeType))
    asked, loaded = _calls(stats, ModelStore.load.__code__), _calls(stats, loader)
    sessions = _calls(stats, nudenet_session.__code__)
    print(f"profile, --workers 1, {count} listings: models asked for {asked}×, loaded {loaded}×", end=" ")
    print(f"(NudeNet sessions {sessions}×)")
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(
        r"(pipeline|moderation|validation)/", 12
    )
    print("\n".join(line for line in text.getvalue().splitlines() if re.match(r"\s+\d", line)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--listings", type=int, default=200)
    parser.add_argument("--ray-address", help="a running Ray cluster to measure too")
    parser.add_argument("--profile-listings", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "models").mkdir()
        source = write_listings(folder / "listings.jsonl", args.listings)
        env = {**os.environ, "LISTING_MODELS_DIR": str(folder / "models"), "LISTING_DEVICE": "cpu"}
        configs = {
            "--workers 1": ["--workers", "1"],
            "--workers 2": ["--workers", "2"],
            "--engine ray --workers 2 (local cluster started)": ["--engine", "ray", "--workers", "2"],
        }
        if args.ray_address:
            configs["--engine ray --workers 2 (running cluster)"] = [
                "--engine", "ray", "--workers", "2", "--ray-address", args.ray_address,
            ]  # fmt: skip
        print(f"{args.listings} listings, {args.runs} runs each; load average {os.getloadavg()[0]:.1f}")
        medians: dict[str, dict[str, float]] = {}
        for label, flags in configs.items():
            runs = [run_command(source, folder, flags, env) for _ in range(args.runs)]
            medians[label] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            m = medians[label]
            cpu = "" if "ray" in label else f"; {m['cpu']:.3f} CPU-s per listing"
            print(f"{label}: {m['summary']:.2f} listings/s ({m['steady']:.2f} after a start-up of "
                  f"{m['startup']:.1f} s; {m['whole']:.2f} over the whole command{cpu}); summary per run "
                  f"{[r['summary'] for r in runs]}; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        for key in ("summary", "steady"):
            one, two = medians["--workers 1"][key], medians["--workers 2"][key]
            print(f"[{key}] --workers 2 / --workers 1: ×{two / one:.2f} (target ≥ 1.6)")
            for label, values in medians.items():
                if "ray" in label:
                    overhead = 100 * (1 - values[key] / two)
                    print(f"[{key}] {label}: overhead vs --workers 2 {overhead:.0f}% (target ≤ 30%)")
        profile(source, Settings(models_dir=folder / "models", device="cpu"), args.profile_listings)


if __name__ == "__main__":
    main()
