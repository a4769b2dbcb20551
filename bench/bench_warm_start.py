"""First request after start vs the second: the app warms up in the background so they cost the same.

Each run starts a fresh `python app.py` on a free port (the project's own folders: the built-in
template, whatever models are downloaded), waits for its «готово к работе» line, then sends the same
listing (the test case «Несколько фото, один предмет»: three photos, attributes, text) through
gradio_client `--requests` times, one after another. Reported, as medians over `--runs` starts: when
the page is served and when the app is warm (the page is usable before), the first request, the
second, their ratio (target ≤ 1.5).

For comparison, the same listing through a fresh `Pipeline` without `warm_up()` (what the first
request cost before): first run vs second run, in the same number of fresh processes.

    python -m bench.bench_warm_start [--runs 3] [--requests 4]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from gradio_client import Client, handle_file

from app_inputs import ATTRIBUTE_HEADERS
from core.settings import PROJECT_ROOT, Settings
from pipeline.cases import load_case
from tests.fake_hub import free_port

CASE = PROJECT_ROOT / "test_cases" / "1_2_several_photos_one_item"
READY = re.compile(r"Модели загружены за ([\d.]+) с")
COLD = """
import json, sys, time
from pipeline import Pipeline
from pipeline.cases import load_case
case = load_case(__import__("pathlib").Path(sys.argv[1]))
pipeline, seconds = Pipeline(), []
for _ in range(2):
    start = time.perf_counter()
    pipeline.run(case.listing)
    seconds.append(time.perf_counter() - start)
print(json.dumps(seconds))
"""


@dataclass
class AppRun:
    """One start of the app: seconds until the page is served and until warm, the warm-up, each request."""

    served: float
    ready: float
    warm_up: float
    requests: list[float]


def app_run(requests: int) -> AppRun:
    """Start the app, wait until it is warm, time `requests` identical generations."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        warm_up = served = ready_after = None
        assert server.stdout is not None
        for line in server.stdout:
            if "Running on local URL" in line:
                served = time.perf_counter() - started
            if (ready := READY.search(line)) is not None:
                warm_up, ready_after = float(ready[1]), time.perf_counter() - started
            if served is not None and ready_after is not None:
                break
        if warm_up is None or served is None or ready_after is None:
            raise RuntimeError("the app stopped before it was ready")
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        case = load_case(CASE)
        table = {"headers": ATTRIBUTE_HEADERS, "data": [[k, v] for k, v in case.listing.attributes.items()]}
        photos = [str(p) for p in case.listing.images]
        seconds = []
        for _ in range(requests):
            start = time.perf_counter()
            result = client.predict(
                [handle_file(p) for p in photos], table, case.listing.text, None, None, api_name="/generate"
            )
            seconds.append(time.perf_counter() - start)
            assert result["status"] == "ok", result["reasons"]
        return AppRun(served, ready_after, warm_up, seconds)
    finally:
        server.terminate()
        server.wait(timeout=60)


def cold_run() -> list[float]:
    """A fresh process, no warm-up: the pipeline's first and second run of the same listing."""
    done = subprocess.run(
        [sys.executable, "-c", COLD, str(CASE)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh app starts (and fresh pipelines)")
    parser.add_argument("--requests", type=int, default=4, help="requests per start")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    settings = Settings.from_env()
    print(f"Load average at start: {load:.2f}; models folder: {settings.models_dir}")
    runs = [app_run(args.requests) for _ in range(args.runs)]
    first = statistics.median(r.requests[0] for r in runs)
    second = statistics.median(r.requests[1] for r in runs)
    later = statistics.median(s for r in runs for s in r.requests[1:])
    served = statistics.median(r.served for r in runs)
    ready = statistics.median(r.ready for r in runs)
    warm_up = statistics.median(r.warm_up for r in runs)
    print(
        f"App, warmed in the background ({args.runs} starts): page served {served:.1f} s after start, "
        f"warm {ready:.1f} s after start (warm-up {warm_up:.1f} s); "
        f"first request {first:.3f} s, second {second:.3f} s, "
        f"later {later:.3f} s; first/second = {first / second:.2f} (target ≤ 1.5)"
    )
    cold = [cold_run() for _ in range(args.runs)]
    cold_first = statistics.median(c[0] for c in cold)
    cold_second = statistics.median(c[1] for c in cold)
    print(
        f"Pipeline without warm-up ({args.runs} fresh processes): first run {cold_first:.3f} s, "
        f"second {cold_second:.3f} s; first/second = {cold_first / cold_second:.1f}"
    )
    print(f"Load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
