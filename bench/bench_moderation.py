"""Speed of moderation: NudeNet on 10-photo listings, lexicon + contacts on a 5000-character text.

- NudeNet: listings of 10 real photos from ../shared/data/photos (already decoded, as validation
  hands them over), one batched ONNX run each; median per listing over listings and runs, wall time and
  process CPU time (ONNX Runtime uses several threads). Target ≤ 0.6 s per listing.
- Text: obscenity lexicon + contacts on a 5000-character listing text (the input limit); median of
  `--runs` runs with the word cache emptied before each run, and with it warm. Target ≤ 10 ms.
Wall time on a shared machine also counts waiting for a CPU, so CPU time is given too.
The one-off start-up (ONNX session, pymorphy3 dictionaries) is reported separately.

    python -m bench.bench_moderation [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from core.listing import Photo
from core.models import ModelStore
from core.settings import PROJECT_ROOT, Limits, Settings
from moderation.config import ModerationConfig
from moderation.images import check_photos
from moderation.text.contacts import check_contacts
from moderation.text.lexicon import check_obscenity, is_obscene_spelling, is_obscene_word
from validation import load_image

PHOTOS = PROJECT_ROOT.parent / "shared" / "data" / "photos"
SENTENCES = (
    "Продаю женское пальто из шерсти, размер 46, цвет бежевый, носила один сезон.",
    "Состояние отличное, без пятен и затяжек, все пуговицы на месте.",
    "Подкладка из вискозы, два глубоких кармана, капюшон отстёгивается.",
    "Страхуйтесь от холода: пальто очень тёплое, подойдёт до минус пятнадцати.",
    "Меблированная квартира не нужна — отправлю почтой или СДЭКом по России.",
    "Длина 105 см, ширина плеч 42 см, рукав 60 см, обхват груди 96 см.",
    "Торг уместен при осмотре, обмен не предлагать, цена 7 500 ₽.",
    "Кобель немецкой овчарки на фото не продаётся, просто помогал позировать.",
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


def _empty_word_caches() -> None:
    is_obscene_spelling.cache_clear()
    is_obscene_word.cache_clear()


def bench_text(runs: int) -> None:
    config = ModerationConfig()
    text = ""
    while len(text) < Limits().max_text_chars:
        text += " ".join(SENTENCES) + " "
    text = text[: Limits().max_text_chars]

    def both() -> None:
        check_obscenity(text)
        check_contacts(text, config)

    start = time.perf_counter()
    both()
    startup_ms = (time.perf_counter() - start) * 1000
    print(f"Text start-up (pymorphy3 dictionaries, first pass): {startup_ms:.0f} ms")
    cold = _median_ms(both, runs, _empty_word_caches)
    warm = _median_ms(both, runs)
    lexicon = _median_ms(lambda: check_obscenity(text), runs, _empty_word_caches)
    contacts = _median_ms(lambda: check_contacts(text, config), runs)
    print(f"Lexicon + contacts, {len(text)} chars, {runs} runs, median wall / CPU ms (target ≤ 10 ms):")
    print(f"  both, empty word cache {cold[0]:.1f} / {cold[1]:.1f}; warm {warm[0]:.1f} / {warm[1]:.1f}")
    print(f"  lexicon alone, empty cache {lexicon[0]:.1f} / {lexicon[1]:.1f}")
    print(f"  contacts alone {contacts[0]:.1f} / {contacts[1]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bench_text(args.runs)
    bench_nudenet(args.runs)


if __name__ == "__main__":
    main()
