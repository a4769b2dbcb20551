"""Speed of moderation: NudeNet on 10-photo listings and the photo decision, the offline text checks
on a 5000-character text.

- NudeNet: listings of 10 real photos from ../shared/data/photos (already decoded, as validation
  hands them over), one batched ONNX run each; median per listing over listings and runs, wall time and
  process CPU time (ONNX Runtime uses several threads). Target ≤ 0.6 s per listing.
- Photo decision (moderation.images.photo_check: thresholds and the skin share of box middles) on the
  real photos NudeNet scores highest for an exposed class, median ms per photo. Target ≤ 5 ms.
- Text: normalisation + мат + insults + contacts on 5000 characters (the input limit) of real-style listing
  texts (tests/data/diversity.jsonl), plain and with every fifth word obfuscated (invisible characters,
  look-alikes, full-width digits, a right-to-left override); median of `--runs` runs with every cache
  emptied before each run (cold: `moderation.text.caches.clear_caches`), and with only the per-text
  caches emptied, the word caches kept from the previous run (warm, as in a running app given a new
  text). Target ≤ 10 ms.
Wall time on a shared machine also counts waiting for a CPU, so CPU time is given too.
The one-off start-up (ONNX session, pymorphy3 dictionaries, the lexicon's forms) is reported separately.

    python -m bench.bench_moderation [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

from core.listing import Photo
from core.models import ModelStore
from core.settings import PROJECT_ROOT, Limits, Settings
from moderation.config import ModerationConfig
from moderation.images import bundled_model_path, check_photos, detect, nudenet_session, photo_check
from moderation.text.caches import clear_caches
from moderation.text.contacts import check_contacts
from moderation.text.insults import check_insults
from moderation.text.lexicon import check_obscenity
from moderation.text.normalize import normalise_text
from validation import load_image

PHOTOS = PROJECT_ROOT.parent / "shared" / "data" / "photos"
LISTINGS = PROJECT_ROOT / "tests" / "data" / "diversity.jsonl"  # real-style listings, ~430 words per 5000
# What sellers do to hide words, put into every fifth word of the obfuscated variant in turn.
HIDING = (
    lambda w: w[:1] + "\u200b" + w[1:], lambda w: w[:2] + "\u00ad" + w[2:], lambda w: w.replace("о", "o"),
    lambda w: w.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    lambda w: "\u202e" + w + "\u202c",
)
# The real shared photos NudeNet 320n scores highest for an exposed class (tests/test_moderation_images.py).
HARDEST_PHOTOS = (
    "clothing-train/shoes/ac8a9f3c-6436-4bfa-8a08-978ec833045c.jpg",
    "clothing-train/pants/45039ee5-2d40-4a5e-a92f-7912e520575b.jpg",
    "clothing-train/hat/7b9bdb6d-e380-4f48-9bc0-e3233a556849.jpg",
    "clothing-train/shoes/70d6fdd0-4a24-429f-a00c-dc946a90f9e3.jpg",
    "clothing-train/shoes/cadf29a3-b15b-49fa-ab60-34534d07e6bb.jpg",
)


def _median_ms(
    fn: Callable[[], object], runs: int, before: Callable[[], object] = lambda: None
) -> tuple[float, float]:
    """Median wall and CPU (this thread) milliseconds of `fn` over `runs` runs."""
    wall, cpu = [], []
    for _ in range(runs):
        before()
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _listings(count: int, size: int) -> list[list[Photo]]:
    every = sorted(PHOTOS.rglob("*.jpg"))
    paths = every[:: max(1, len(every) // (count * size))]
    photos = [
        Photo(i % size + 1, p.name, load_image(p))
        for i, p in enumerate(paths[: count * size])
    ]
    return [photos[i : i + size] for i in range(0, len(photos), size)]


def bench_nudenet(runs: int) -> None:
    config = ModerationConfig()
    models = ModelStore(Settings())
    listings = _listings(count=5, size=10)
    start = time.perf_counter()
    check_photos(listings[0][:1], models, config)
    print(f"NudeNet start-up (session + first photo): {time.perf_counter() - start:.2f} s")
    wall, cpu = [], []
    for _ in range(runs):
        for listing in listings:
            w, c = time.perf_counter(), time.process_time()
            check_photos(listing, models, config)
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
    print(
        f"NudeNet, 10 photos per listing, {len(listings)} listings x {runs} runs: "
        f"median {statistics.median(wall):.3f} s wall, {statistics.median(cpu):.3f} s CPU per listing "
        f"(target ≤ 0.6 s)"
    )


def bench_decision(runs: int) -> None:
    config = ModerationConfig()
    photos = [Photo(i, p, load_image(PHOTOS / p)) for i, p in enumerate(HARDEST_PHOTOS, 1)]
    found = detect([p.image for p in photos], config, nudenet_session(bundled_model_path()))
    pairs = list(zip(photos, found, strict=True))
    # worst case: every exposed-class detection (score ≥ 0.25) reaches its threshold and gets a skin share
    every = ModerationConfig(explicit_threshold=0.0, explicit_class_thresholds=())
    print(f"Photo decision (thresholds + skin share), {len(pairs)} hardest real photos, {runs} runs:")
    for name, settings in (("default thresholds", config), ("skin share of every exposed box", every)):
        wall, cpu = _median_ms(lambda c=settings: [photo_check(p, d, c, 0.0) for p, d in pairs], runs)
        each = f"{wall / len(pairs):.2f} ms wall, {cpu / len(pairs):.2f} ms CPU"
        print(f"  {name}: median per photo {each} (target ≤ 5 ms)")


def _texts() -> dict[str, str]:
    """5000 characters of real-style listing texts, plain and with every fifth word obfuscated."""
    plain = ""
    with open(LISTINGS, encoding="utf-8") as f:
        for line in f:
            if len(plain) >= Limits().max_text_chars:
                break
            plain += json.loads(line)["text"] + "\n"
    plain = plain[: Limits().max_text_chars]
    words = plain.split(" ")
    hidden = [HIDING[(i // 5) % len(HIDING)](w) if i % 5 == 0 else w for i, w in enumerate(words)]
    return {"plain": plain, "obfuscated": " ".join(hidden)}


def bench_text(runs: int) -> None:
    config = ModerationConfig()
    texts = _texts()

    def checks(text: str) -> None:
        norm = normalise_text(text)
        check_obscenity(norm)
        check_insults(norm)
        check_contacts(norm, config)

    start = time.perf_counter()
    checks(texts["plain"])
    startup_ms = (time.perf_counter() - start) * 1000
    print(f"Text start-up (pymorphy3 dictionaries, the lexicon's forms, first pass): {startup_ms:.0f} ms")
    print(f"Normalisation + мат + insults + contacts, 5000 chars, {runs} runs, median wall / CPU ms (≤ 10):")
    for name, text in texts.items():
        cold = _median_ms(lambda t=text: checks(t), runs, clear_caches)
        warm = _median_ms(lambda t=text: checks(t), runs, lambda: clear_caches(keep_words=True))
        print(f"  {name}: cold {cold[0]:.1f} / {cold[1]:.1f}; warm {warm[0]:.1f} / {warm[1]:.1f}")
    text = texts["obfuscated"]
    parts = {
        "normalisation": lambda: normalise_text(text),
        "мат": lambda: check_obscenity(normalise_text(text)),
        "insults": lambda: check_insults(normalise_text(text)),
        "contacts": lambda: check_contacts(normalise_text(text), config),
    }
    for name, part in parts.items():
        cold = _median_ms(part, runs, clear_caches)
        print(f"  {name} alone (obfuscated, every cache empty) {cold[0]:.1f} / {cold[1]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"Load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    bench_text(args.runs)
    bench_decision(args.runs)
    bench_nudenet(args.runs)


if __name__ == "__main__":
    main()
