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

LISTING_BUDGET_MB = 800  # the bound for a ten-photo listing, above the idle process
FULL_SIZE_MB = 10 * 40_000_000 * 4 / 2**20  # ten decoded 40 Mp photos (Pillow keeps RGB in 4 bytes)

# Validates ten copies of one photo; prints the peak above idle (MiB) and the photos' largest side.
CHILD = """
import json, pathlib, resource, sys
from core.listing import Listing
from validation import validate

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

idle = rss_mb()  # only imports ran so far, so the lifetime peak is the listing's
valid = validate(Listing([pathlib.Path(sys.argv[1])] * 10))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"above_idle": peak - idle, "side": max(max(p.image.size) for p in valid.photos),
                  "sizes": sorted({p.size for p in valid.photos})}))
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
    command = [sys.executable, "-c", CHILD, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    assert measured["above_idle"] <= LISTING_BUDGET_MB < FULL_SIZE_MB, measured
    assert Limits().working_side / 2 < measured["side"] <= Limits().working_side  # the copy every stage uses
    assert measured["sizes"] == [[side, side]]  # the seller's photo size is still reported
