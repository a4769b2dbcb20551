"""Speed of the photo facts on real 400×600 photos (`photos.facts`).

Reported as medians over photos, then over `--runs` runs: `dominant_colour`, the per-photo quality
checks (`quality_hints` on one photo: darkness, blur, size, perceptual hash), and both together; plus
`quality_hints` on a ten-photo listing (duplicate comparison included) divided by ten.
Target: ≤ 50 ms per 400×600 photo.

    python -m bench.bench_photo_facts [--runs 5] [--photos 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

from PIL import Image

from bench.timing import median_ms_per_item
from core.settings import PROJECT_ROOT
from photos.facts import dominant_colour, quality_hints

PHOTOS = PROJECT_ROOT.parent / "shared" / "data" / "photos" / "clothing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--photos", type=int, default=30)
    args = parser.parse_args()
    paths = sorted(PHOTOS.glob("*/*.jpg"))[:: max(1, 341 // args.photos)][: args.photos]
    images = [Image.open(p).convert("RGB").resize((400, 600)) for p in paths]
    colour = median_ms_per_item(dominant_colour, images, args.runs)
    quality = median_ms_per_item(lambda im: quality_hints([im]), images, args.runs)
    both = median_ms_per_item(lambda im: (dominant_colour(im), quality_hints([im])), images, args.runs)
    print(f"{len(images)} photos, 400×600, medians of {args.runs} runs")
    print(f"dominant_colour: {colour:.2f} ms per photo")
    print(f"quality_hints (one photo): {quality:.2f} ms per photo")
    print(f"both: {both:.2f} ms per photo")
    listing = images[:10]
    runs = []
    for _ in range(args.runs):
        start = time.perf_counter()
        quality_hints(listing)
        runs.append((time.perf_counter() - start) * 1000 / len(listing))
    print(f"quality_hints on a {len(listing)}-photo listing: {statistics.median(runs):.2f} ms per photo")


if __name__ == "__main__":
    main()
