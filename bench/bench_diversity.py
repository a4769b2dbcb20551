"""Speed of the diversity text signal (`diversity.classify` without photos).

Every listing of tests/data/diversity.jsonl is classified `--runs` times; reported:
- the one-off start-up (pymorphy3 dictionaries, lexicon lemmas), paid by the first listing only;
- the median per listing with the word cache warm (words seen before, the steady state of a server);
- the median per listing with the word cache emptied before each listing (every word analysed anew);
- the median for one listing with a 5000-character description (the input limit), cache emptied.
Listing medians are given in wall time and in this thread's CPU time (on a shared machine the wall time
also counts waiting for a CPU).
Medians are over listings, then over runs. Target: ≤ 5 ms per listing.

    python -m bench.bench_diversity [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from core.settings import PROJECT_ROOT, Limits
from diversity import classify
from diversity.evaluation import listing_inputs, load_records
from diversity.words import analyze

DATASET = PROJECT_ROOT / "tests" / "data" / "diversity.jsonl"


def _ms(fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    start = clock()
    fn()
    return (clock() - start) * 1000


def _per_listing_median(
    inputs: list[tuple[dict[str, str], str]], clear_cache: bool, clock: Callable[[], float]
) -> float:
    times = []
    for attributes, text in inputs:
        if clear_cache:
            analyze.cache_clear()
        times.append(_ms(lambda a=attributes, t=text: classify(a, t), clock))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    inputs = [listing_inputs(r) for r in load_records(DATASET)]

    startup = _ms(lambda: classify(*inputs[0]))
    clocks = {"wall": time.perf_counter, "CPU": time.thread_time}
    warm = {k: [_per_listing_median(inputs, False, c) for _ in range(args.runs)] for k, c in clocks.items()}
    cold = {k: [_per_listing_median(inputs, True, c) for _ in range(args.runs)] for k, c in clocks.items()}
    long_text = " ".join(text for _, text in inputs)[: Limits().max_text_chars]
    long_runs = []
    for _ in range(args.runs):
        analyze.cache_clear()
        long_runs.append(_ms(lambda: classify({"Название": "Вещи пакетом"}, long_text)))

    words = statistics.mean(len(text.split()) for _, text in inputs)
    print(f"listings: {len(inputs)}, mean description length {words:.0f} words; runs: {args.runs}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"start-up (first listing, dictionaries load): {startup:.0f} ms")
    for name in clocks:
        for label, runs in (("warm word cache", warm[name]), ("empty word cache", cold[name])):
            print(f"text signal, {label}, {name} time: median {statistics.median(runs):.2f} ms per listing")
    print(f"5000-character description, empty word cache: median {statistics.median(long_runs):.1f} ms")


if __name__ == "__main__":
    main()
