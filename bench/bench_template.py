"""Speed of the template composer (`captioning.template.compose_listing`).

Reported, as medians over listings and then over `--runs` runs:
- the one-off start-up (pymorphy3 dictionaries), paid by the first listing only;
- per listing with no photos (grammar and phrasing only), on forty synthetic clothing listings;
- per listing with the seller's colour given and three 400×600 photos (no colour work);
- per listing with no colour given and three photos (adds the photo colour estimate);
- per listing on the 683 real-style listings of tests/data (the rubric's development set and the
  diversity set), first pass (cold word caches) and warm.
Target: ≤ 20 ms median per listing.

    python -m bench.bench_template [--runs 5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import time

from PIL import Image

from bench.timing import median_ms_per_item
from captioning.template import compose_listing
from core.settings import PROJECT_ROOT
from masking import mask
from masking.types import MaskedListing

PHOTOS = PROJECT_ROOT.parent / "shared" / "data" / "photos" / "clothing"
DATA = PROJECT_ROOT / "tests" / "data"
ITEMS = ["Куртка", "Брюки", "Платье", "Туфли", "Пальто", "Джинсы", "Рубашка", "Свитер", "Юбка", "Шорты"]
BRANDS = ["Zara", "Mango", "Gloria Jeans", "Nike"]
TEXTS = ["", "Носила один сезон, без пятен и затяжек. Торг уместен.", "Отдам недорого, самовывоз у метро."]


def listings() -> list[tuple[MaskedListing, str]]:
    """Forty listings: every item with a brand, condition, size, price, and some seller text."""
    out = []
    for i, (item, brand) in enumerate(itertools.product(ITEMS, BRANDS)):
        attributes = {
            "Вид одежды": item,
            "Бренд": brand,
            "Цвет": "синий",
            "Материал": "хлопок",
            "Размер": "<SIZE>",
            "Состояние": ["Новый", "б/у", "Отличное"][i % 3],
            "Цена": "<PRICE>",
            "Материал подкладки": "флис",
        }
        out.append((MaskedListing(attributes, TEXTS[i % 3]), ["<SINGLE>", "<VARIATIVE>"][i % 2]))
    return out


def real_style() -> list[tuple[MaskedListing, str]]:
    """The rubric's real-style listings, masked as the pipeline masks them."""
    rows = [
        json.loads(line)
        for name in ("rubric_listings.jsonl", "diversity_real_style.jsonl")
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
    ]
    return [(mask(row["attributes"], row["text"]), row["label"]) for row in rows]


def photos() -> list[Image.Image]:
    """Three real photos, resized to 400×600."""
    paths = sorted(PHOTOS.glob("*/*.jpg"))[:3]
    return [Image.open(p).convert("RGB").resize((400, 600)) for p in paths]


def median_ms(cases: list[tuple[MaskedListing, str]], images: list[Image.Image], runs: int) -> float:
    """Median milliseconds to compose one listing with these photos."""
    return median_ms_per_item(lambda case: compose_listing(case[0], case[1], images), cases, runs)


def first_pass_ms(cases: list[tuple[MaskedListing, str]]) -> tuple[float, float]:
    """Median and slowest milliseconds per listing on the first pass over listings never seen."""
    times = []
    for masked, diversity in cases:
        start = time.perf_counter()
        compose_listing(masked, diversity, [])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    cases = listings()
    images = photos()
    start = time.perf_counter()
    compose_listing(*cases[0], [])
    print(f"first listing (loads pymorphy3): {(time.perf_counter() - start) * 1000:.0f} ms")
    real = real_style()
    cold, slowest = first_pass_ms(real)
    print(f"real-style, first pass: {cold:.2f} ms median, {slowest:.1f} ms slowest ({len(real)} listings)")
    print(f"real-style, warm: {median_ms(real, [], args.runs):.2f} ms median per listing")
    print(f"no photos: {median_ms(cases, [], args.runs):.2f} ms median per listing")
    print(f"3 photos, colour given: {median_ms(cases, images, args.runs):.2f} ms median per listing")
    uncoloured = [
        (MaskedListing({k: v for k, v in m.attributes.items() if k != "Цвет"}, m.text), d) for m, d in cases
    ]
    print(
        f"3 photos, colour from photos: {median_ms(uncoloured, images, args.runs):.2f} ms median per listing"
    )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
