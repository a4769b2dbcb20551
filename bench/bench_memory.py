"""Memory and time of a listing of ten 40-megapixel photos (small files that decode to huge images).

For each format (PNG, GIF, JPEG) one low-entropy 40 Mp photo is written and listed ten times. Measured
in a child process, so nothing else shares its memory:
- idle: resident memory after a warm-up listing with one small photo (NudeNet and the dictionaries
  loaded), the level a running process sits at between requests;
- peak above idle: the highest resident memory during the listing (Linux VmHWM, reset before it);
- after: resident memory once the Result is dropped;
- wall and CPU time (all threads) of `Pipeline.run` on the template path, medians of `--runs`; on a
  shared machine the CPU time is the steadier figure.
Targets (issue 16): peak ≤ 800 MB above idle, ≤ 3 s.

`--app` also starts the Gradio app (`python app.py`) in a subprocess and posts the same listings through
gradio_client: its resident memory before, at the peak and some seconds after each listing
(target: back within 100 MB of idle).

    python -m bench.bench_memory [--runs 3] [--threads 2] [--app]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from core.settings import PROJECT_ROOT

SIDES = {"png": (6324, 6324), "gif": (6000, 6000), "jpg": (7740, 5160)}  # each just under 40 Mp
PHOTOS_PER_LISTING = 10
ATTRIBUTES = {"Вид одежды": "Платье", "Цена": "5000", "Размер": "44"}
TEXT = "Летнее платье, носила один сезон."


def write_photo(folder: Path, kind: str) -> Path:
    """A low-entropy photo of about 40 Mp: gradients in three directions, a file well under 2 MB."""
    width, height = SIDES[kind]
    ramp = Image.linear_gradient("L").resize((width, height), Image.Resampling.NEAREST)
    across = Image.linear_gradient("L").rotate(90).resize((width, height), Image.Resampling.NEAREST)
    photo = Image.merge("RGB", (ramp, across, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    path = folder / f"big.{kind}"
    if kind == "gif":
        photo.quantize(32, method=Image.Quantize.FASTOCTREE).save(path)
    elif kind == "png":
        photo.save(path, compress_level=1)
    else:
        photo.save(path, quality=85)
    return path


def small_photo(folder: Path) -> Path:
    """The warm-up listing's photo (640×480)."""
    path = folder / "small.jpg"
    Image.new("RGB", (640, 480), (90, 120, 200)).save(path)
    return path


def status_mb(pid: int | str, field: str) -> float:
    """A memory figure of a process from /proc/<pid>/status (VmRSS, VmHWM), MiB."""
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024


def reset_peak(pid: int | str) -> None:
    """Reset a process's peak resident memory (VmHWM) to its current level (Linux ≥ 4.0)."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear:
        clear.write("5")


def child(path: Path, runs: int, threads: int) -> dict[str, float]:
    """Measure one format in this process (see the module docstring)."""
    from core.listing import Listing
    from core.settings import Limits, Settings
    from pipeline import Pipeline

    settings = Settings.from_env()
    pipeline = Pipeline(dataclasses.replace(settings, limits=Limits(decode_threads=threads)))
    pipeline.run(Listing([small_photo(path.parent)], ATTRIBUTES, TEXT))
    gc.collect()
    idle = status_mb("self", "VmRSS")
    reset_peak("self")
    seconds, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        result = pipeline.run(Listing([path] * PHOTOS_PER_LISTING, ATTRIBUTES, TEXT))
        seconds.append(time.perf_counter() - started)
        cpu.append(_cpu_seconds() - cpu_started)
        assert result.status == "ok", result.reasons
        del result
    peak = status_mb("self", "VmHWM")
    gc.collect()
    after = status_mb("self", "VmRSS")
    return {
        "idle": idle, "peak": peak - idle, "after": after - idle, "seconds": statistics.median(seconds),
        "cpu": statistics.median(cpu),
    }  # fmt: skip


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def app_figures(paths: list[Path]) -> list[str]:
    """Start the app, post each listing through gradio_client, and report its resident memory."""
    import socket

    from gradio_client import handle_file

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lines = []
    try:
        client = _connect(f"http://127.0.0.1:{port}/")
        small = small_photo(paths[0].parent)
        rows = {"headers": ["Поле", "Значение"], "data": [list(pair) for pair in ATTRIBUTES.items()]}
        client.predict([handle_file(small)], rows, TEXT, "template", "template", api_name="/generate")
        time.sleep(2)
        idle = status_mb(server.pid, "VmRSS")
        lines.append(f"app idle after a warm-up listing: {idle:.0f} MiB")
        for path in paths:
            reset_peak(server.pid)
            files = [handle_file(path)] * PHOTOS_PER_LISTING
            started = time.perf_counter()
            result = client.predict(files, rows, TEXT, "template", "template", api_name="/generate")
            seconds = time.perf_counter() - started
            peak = status_mb(server.pid, "VmHWM")
            time.sleep(5)
            after = status_mb(server.pid, "VmRSS")
            lines.append(
                f"app {path.suffix[1:]:4} status {result['status']}: {seconds:.2f} s (upload included), "
                f"peak {peak - idle:+.0f} MiB above idle, {after - idle:+.0f} MiB after 5 s"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return lines


def _connect(url: str):  # type: ignore[no-untyped-def]
    """A gradio_client Client once the app answers (it loads the stages first)."""
    from gradio_client import Client

    deadline = time.monotonic() + 180
    while True:
        try:
            return Client(url, verbose=False)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="photos decoded at once (Limits)")
    parser.add_argument("--app", action="store_true", help="also measure the app through gradio_client")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.threads)))
        return
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        paths = [write_photo(Path(folder), kind) for kind in SIDES]
        for path in paths:
            command = [sys.executable, "-m", "bench.bench_memory", "--child", str(path)]
            command += ["--runs", str(args.runs), "--threads", str(args.threads)]
            done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            size_kb = path.stat().st_size / 1024
            print(
                f"{path.suffix[1:]:4} ×{PHOTOS_PER_LISTING} ({size_kb:.0f} KB each): "
                f"{figures['seconds']:.2f} s wall, {figures['cpu']:.2f} s CPU (medians of {args.runs}), "
                f"idle {figures['idle']:.0f} MiB, "
                f"peak {figures['peak']:+.0f} MiB above idle, {figures['after']:+.0f} MiB after"
            )
        if args.app:
            print(*app_figures(paths[:2]), sep="\n")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
