"""Memory stays bounded on the largest photos we accept: ten 40-megapixel PNGs or GIFs (small files,
huge pixel counts) are decoded once and shrunk early, so the listing costs a fraction of their
full-size pixels. Measured as the peak resident memory of a child process above its idle level."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

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
