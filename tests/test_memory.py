"""Memory stays bounded on the largest photos we accept: ten 40-megapixel PNGs or GIFs (small files,
huge pixel counts) are decoded once and shrunk early, so the listing costs a fraction of their
full-size pixels. Measured as the peak resident memory of a child process above its idle level.

And the heap keeps what listings free for the next one (no page faults to take it back), while a
listing that leaves the process larger than the one before hands it back (core.memory)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from core.memory import KEPT_TOP_BYTES
from core.settings import PROJECT_ROOT, Limits

LISTING_BUDGET_MB = 800  # the bounds: a ten-photo listing's peak, above the idle process
SETTLED_MB = 100  # and how far above idle the process may stay once the listing is done
FULL_SIZE_MB = 10 * 40_000_000 * 4 / 2**20  # ten decoded 40 Mp photos (Pillow keeps RGB in 4 bytes)

# Runs a warm-up listing, then ten copies of one photo through the whole pipeline (template path);
# prints the peak and the settled memory above idle (MiB) and what the stages were given.
CHILD = """
import gc, json, pathlib, resource, sys
from core.listing import Listing
from pipeline import Pipeline

def status_mb(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024

photo, small = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
pipeline = Pipeline()
pipeline.run(Listing([small], {"Цена": "100"}))
gc.collect()
idle = status_mb("VmRSS")
try:
    pathlib.Path("/proc/self/clear_refs").write_text("5")  # peak := now
    peak = lambda: status_mb("VmHWM")
except OSError:  # the lifetime peak instead: an overestimate, never an underestimate
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
prepared = pipeline.prepare(Listing([photo] * 10, {"Цена": "5000"}, "платье"))
sides = sorted({max(p.image.size) for p in prepared.valid.photos})
result = pipeline.generate(prepared)
del prepared
sizes = sorted({(p["width"], p["height"]) for p in result.photos})
status, reasons = result.status, result.reasons
del result
pipeline.run(Listing([small], {"Цена": "100"}))  # the next request frees what the big one left
gc.collect()
print(json.dumps({"peak": peak() - idle, "after": status_mb("VmRSS") - idle, "sides": sides,
                  "sizes": sizes, "status": status, "reasons": reasons}))
"""


def _forty_megapixels(path: Path, side: int) -> Path:
    """A low-entropy photo of side×side pixels (≤ 40 Mp): a small file that decodes to a huge image."""
    ramp = Image.linear_gradient("L").resize((side, side), Image.Resampling.NEAREST)
    flipped = ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    photo = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_90), flipped))
    if path.suffix == ".gif":
        photo.quantize(32, method=Image.Quantize.FASTOCTREE).save(path)
    else:
        photo.save(path, compress_level=1)
    return path


@pytest.mark.parametrize(("name", "side"), [("big.png", 6324), ("big.gif", 6000)])
def test_ten_forty_megapixel_photos_stay_within_budget(tmp_path: Path, name: str, side: int) -> None:
    path = _forty_megapixels(tmp_path / name, side)
    assert side * side <= Limits().max_pixels and path.stat().st_size < 2**20
    small = tmp_path / "small.jpg"
    Image.new("RGB", (640, 480), (90, 120, 200)).save(small)
    command = [sys.executable, "-c", CHILD, str(path), str(small)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    assert measured["status"] == "ok", measured["reasons"]
    assert measured["peak"] <= LISTING_BUDGET_MB < FULL_SIZE_MB, measured
    assert measured["after"] <= SETTLED_MB, measured
    [side_used] = measured["sides"]  # the copy every stage is given
    assert Limits().working_side <= side_used < 2 * Limits().working_side
    assert measured["sizes"] == [[side, side]]  # the seller's photo size is still reported


# In a fresh process: how many page faults three allocations of the same block (under the heap's kept
# top) take; and what settle_after_listing does at a first listing's end, after 160 MiB of blocks between
# small live ones were freed (free memory inside the heap, which glibc never returns by itself), and once
# more.
HEAP_CHILD = """
import json, resource, sys
from core.memory import KEPT_TOP_BYTES, keep_freed_memory, resident_bytes, settle_after_listing

kept = keep_freed_memory() if sys.argv[1] == "keep" else None

def faults_of_a_block():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = bytearray(KEPT_TOP_BYTES * 3 // 4)  # zero-filled: every page written
    del block
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

faults = [faults_of_a_block() for _ in range(3)]
first_end = settle_after_listing()
pieces = [(bytearray(2**20), bytearray(4096)) for _ in range(160)]
pins = [pin for _, pin in pieces]  # small blocks that stay: the freed ones can't merge into the heap's top
del pieces
grown = resident_bytes()
handed_back = settle_after_listing()
settled = resident_bytes()
print(json.dumps({"kept": kept, "faults": faults, "first_end": first_end, "grown": grown / 2**20,
                  "handed_back": handed_back, "settled": settled / 2**20, "again": settle_after_listing()}))
"""


def _heap_child(mode: str) -> dict:
    command = [sys.executable, "-c", HEAP_CHILD, mode]
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_freed_memory_is_reused_without_page_faults_until_a_larger_listing_hands_it_back() -> None:
    pages = KEPT_TOP_BYTES * 3 // 4 // resource.getpagesize()
    default = _heap_child("default")
    assert all(f >= pages * 0.9 for f in default["faults"]), default  # glibc's default: faulted every time
    kept = _heap_child("keep")
    assert kept["kept"] is True
    first, *again = kept["faults"]
    assert first >= pages * 0.9 and all(f < pages * 0.05 for f in again), kept  # the pages are reused
    assert kept["first_end"] is False  # nothing to compare the first listing with
    assert kept["handed_back"] is True and kept["grown"] - kept["settled"] >= 120, kept
    assert kept["again"] is False  # no larger than the listing before: what it keeps, it keeps
