"""The listing a seller waits for: `Pipeline.run` end to end with every model folder present, per stage,
and the speed levers one by one (before → after, interleaved in one process).

Models: random weights in the real shapes and file layouts (`bench.pipeline_models`), built once into a
cache folder (`$LISTING_BENCH_CACHE`, default ~/.cache/listing-captions/bench-pipeline-v<N>). Photos:
the first 10 real product photos of ../shared/data/photos/products. Captioners: `vit-rugpt2`
(ViT-B/16 + GPT-2, the project's manifest: 4 beams, 32 new tokens; on the multi route it captions the
photo that best matches the text) and `prefix` (ruCLIP tower → mapper → GPT-2 with LoRA, 160 new
tokens, as `tools.train` writes it). Random decoders never emit end-of-text, so every run generates
exactly `max_new_tokens`: the figure is the longest text the manifest allows. The moderation thresholds
are set to let everything through: the bench times the checks, random verdicts must not end a run.

Cases: 1 photo (single route) and 10 photos (multi route), with each captioner; `10-ed-phone` (not run
unless named in --cases) is the ten photos enlarged to phone size (4000 px on the longer side: 3–14 Mp
JPEGs of 0.4–2.8 MB, what a seller's phone uploads), to time decoding big photos. Each figure is the
median of `--runs` warm runs after one warm-up run that loads the models. «models» is the share of the
total spent inside model calls (torch forward passes, `generate` loops, ONNX runs) and «photos» the share
in Pillow's work on the photos outside them (decoding, colour conversion, resizing for each model),
medians of three more, instrumented runs; the rest is the pipeline's own overhead (tokenisers, text
stages, Python).

    python -m bench.bench_pipeline [--runs 5] [--tables speed,levers] [--levers NAME,...] [--cases ...]

prints a Markdown report: the shipped configuration per case (with peak RSS, each case group in its own
process), then one table per lever. The load average is printed with every table: on a shared machine
wall times inflate, so compare figures of the same table (interleaved) rather than across tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.pipeline_models import ED_CHECKPOINT, PREFIX_CHECKPOINT, build, default_cache, is_built
from bench.timing import peak_rss_mb
from captioning import gpt2_beam, gpt2_greedy
from captioning.encoder_decoder import OnePhotoCache
from core.settings import PROJECT_ROOT

PHOTOS = PROJECT_ROOT.parent / "shared" / "data" / "photos" / "products"
STAGES = ("validate", "moderate", "mask", "diversity", "route", "generate", "restore", "check", "score")
ATTRIBUTES = {
    "Категория": "Одежда, обувь, аксессуары", "Вид одежды": "Куртка", "Цвет": "синий",
    "Материал": "полиэстер", "Размер": "48", "Состояние": "Б/у", "Цена": "3500 руб.",
}  # fmt: skip
TEXT = (
    "Продаю зимнюю мужскую куртку, носил один сезон. Тёплая, с капюшоном и меховой опушкой, на молнии, "
    "два глубоких кармана и внутренний карман на кнопке. Без дыр и пятен, все молнии работают. Размер 48, "
    "рост 180. Отдам за 3500 руб., торг уместен. Самовывоз у метро или отправлю почтой."
)
CAPTIONERS = {"ed": ED_CHECKPOINT, "prefix": PREFIX_CHECKPOINT}
SHARE_RUNS = 3  # instrumented runs whose median shares the tables give
PHONE_SIDE = 4000  # the longer side of a 12-megapixel phone photo (4000×3000)


@dataclass(frozen=True)
class Case:
    """A listing the bench times: how many photos, which captioner, and whether the photos are the shared
    ones as they are (≈ 1024 px) or enlarged to phone size (what a seller's phone uploads)."""

    photos: int
    captioner: str
    phone: bool = False

    @property
    def label(self) -> str:
        size = " с телефона (4000 px)" if self.phone else ""
        route = "одно фото" if self.photos == 1 else "несколько фото"
        return f"{self.photos} фото{size}, {route}, {CAPTIONERS[self.captioner]}"


CASES = {
    "1-ed": Case(1, "ed"), "10-ed": Case(10, "ed"), "1-prefix": Case(1, "prefix"),
    "10-prefix": Case(10, "prefix"), "10-ed-phone": Case(10, "ed", phone=True),
}  # fmt: skip
SHARED_CASES = ("1-ed", "10-ed", "1-prefix", "10-prefix")


@dataclass(frozen=True)
class Variant:
    """One configuration of the pipeline: the settings, the captioners' manifest option, and the
    levers that are always on in the code, which the bench can turn off to measure the "before":
    ruCLIP keeping each photo's features for later stages, beam search leaving the photo's
    cross-attention cache in place, and the lean decoding loops (greedy for the prefix captioner, beam
    search for vit-rugpt2)."""

    name: str
    quantize: str = "none"  # LISTING_QUANTIZE: the scoring and moderation models
    int8_captioner: bool = False  # "quantize": "int8" in the captioners' manifests
    threads: str = "auto"  # LISTING_THREADS
    photo_memo: bool = True  # photos shrunk and encoded once for every stage
    photo_cache: bool = True  # beam search leaves the photo's cross-attention cache in place
    bf16_photos: bool = True  # ruCLIP's photo tower in bfloat16 where the settings and the CPU allow it
    lean_loops: bool = True  # captioning.gpt2_greedy / gpt2_beam decode instead of `generate`


BEFORE = Variant("до", photo_memo=False, photo_cache=False, lean_loops=False)
SHIPPED = Variant("после", quantize="int8", int8_captioner=True)
# lever: (what it is, before, after, cases it is measured on)
LEVERS: dict[str, tuple[str, Variant, Variant, tuple[str, ...]]] = {
    "int8-captioner": (
        "int8 декодера описаний (`\"quantize\": \"int8\"` в манифесте)",
        BEFORE, replace(BEFORE, name="после", int8_captioner=True), ("1-ed", "10-prefix"),
    ),
    "int8-scoring": (
        "int8 моделей оценки и модерации (`LISTING_QUANTIZE=int8`: текст ruCLIP, токсичность, BERTScore)",
        BEFORE, replace(BEFORE, name="после", quantize="int8", bf16_photos=False), ("10-ed",),
    ),
    "photos-once": (
        "каждое фото уменьшается один раз для всех моделей и кодируется ruCLIP один раз (модерация, "
        "маршрут, префиксная модель, оценка)",
        BEFORE, replace(BEFORE, name="после", photo_memo=True), ("10-ed", "10-prefix"),
    ),
    "bf16-photos": (
        "башни фото в bfloat16 — ruCLIP и кодировщик фото модели описаний (по умолчанию при "
        "`LISTING_QUANTIZE=int8` на процессоре с инструкциями bfloat16) поверх всех рычагов",
        replace(SHIPPED, name="float32", bf16_photos=False), replace(SHIPPED, name="bfloat16"),
        ("1-ed", "10-ed", "10-prefix"),
    ),
    "int8-photos": (
        "башня фото ruCLIP в int8 вместо bfloat16 (`LISTING_QUANTIZE=int8-photos`, не по умолчанию)",
        replace(SHIPPED, name="bfloat16"), replace(SHIPPED, name="int8-photos", quantize="int8-photos"),
        ("10-ed", "10-prefix"),
    ),
    "beam-cache": (
        "лучевой поиск не переупорядочивает кэш внимания к фото (он один для всех лучей)",
        BEFORE, replace(BEFORE, name="после", photo_cache=True), ("1-ed",),
    ),
    "lean-loops": (
        "свои циклы декодирования: жадный у префиксной модели, лучевой поиск у vit-rugpt2 (буферы ключей "
        "и значений на весь текст, слои модели без обвязки `generate`) поверх всех рычагов",
        replace(SHIPPED, name="generate", lean_loops=False), replace(SHIPPED, name="свои циклы"),
        SHARED_CASES,
    ),
    "threads": (
        "потоки: 1 против `LISTING_THREADS=auto` (все доступные ядра)",
        replace(SHIPPED, name="1 поток", threads="1"), replace(SHIPPED, name="auto"), ("10-ed",),
    ),
    "all": ("все рычаги, включённые по умолчанию", BEFORE, SHIPPED, SHARED_CASES),
}  # fmt: skip


def photo_paths(count: int) -> list[Path]:
    """The first `count` real product photos."""
    paths = sorted(PHOTOS.glob("*/*.jpg"))[:count]
    if len(paths) < count:
        raise SystemExit(f"нужно {count} фото в {PHOTOS}, найдено {len(paths)}")
    return paths


def phone_photo_paths(count: int, cache: Path) -> list[Path]:
    """The first `count` product photos at phone size: enlarged to a longer side of PHONE_SIDE, with the
    grain of a phone's sensor (so the JPEG costs what a real one does to decode), quality 90; made once
    into `cache`."""
    import numpy as np
    from PIL import Image

    folder = cache / "phone-photos"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, source in enumerate(photo_paths(count)):
        path = folder / source.name
        if not path.is_file():
            with Image.open(source) as image:
                scale = PHONE_SIDE / max(image.size)
                size = (round(image.width * scale), round(image.height * scale))
                big = np.asarray(image.convert("RGB").resize(size, Image.Resampling.BICUBIC), dtype=np.int16)
            grain = np.random.default_rng(number).normal(0.0, 4.0, big.shape)
            pixels = np.clip(big + grain, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(path.with_suffix(".part"), "JPEG", quality=90)
            path.with_suffix(".part").rename(path)
        paths.append(path)
    return paths


def checkpoints_for(cache: Path, variant: Variant, root: Path) -> Path:
    """A checkpoints folder for `variant`: the cache's folders linked file by file, with the manifest's
    `quantize` option set as the variant says."""
    folder = root / f"checkpoints-{'int8' if variant.int8_captioner else 'fp32'}"
    if folder.is_dir():
        return folder
    for source in (cache / "checkpoints").iterdir():
        target = folder / source.name
        target.mkdir(parents=True)
        for item in source.iterdir():
            if item.name != "checkpoint.json":
                (target / item.name).symlink_to(item)
        manifest = json.loads((source / "checkpoint.json").read_text(encoding="utf-8"))
        if manifest["kind"] != "template":
            manifest.setdefault("generation", {})["quantize"] = "int8" if variant.int8_captioner else "none"
        (target / "checkpoint.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


ONE_PHOTO_CACHE = OnePhotoCache  # the lever's "after"; `Runner.setup` swaps the module's name
LEAN_SUPPORTS = {gpt2_greedy: gpt2_greedy.supports, gpt2_beam: gpt2_beam.supports}  # lean-loops' "after"


class ForgetfulMemo:
    """The "before" of the encode-once lever: nothing is kept, so every stage that asks shrinks and
    encodes the photos itself (as before the lever)."""

    def get(self, image: Any) -> None:
        return None

    def put(self, image: Any, value: Any) -> None:
        return None


def never(*_: Any) -> bool:
    """The "before" of the lean-loops lever: the loops support nothing, so `generate` decodes."""
    return False


def make_pipeline(cache: Path, variant: Variant, root: Path) -> Any:
    """A Pipeline over the cache's models for `variant`; moderation lets every listing through."""
    from core.models import ModelStore
    from core.settings import Settings
    from moderation.config import ModerationConfig
    from pipeline.runner import Pipeline

    settings = Settings(
        models_dir=cache / "models", checkpoints_dir=checkpoints_for(cache, variant, root), device="cpu",
        quantize=variant.quantize, threads=variant.threads,
    )  # fmt: skip
    permissive = ModerationConfig(
        explicit_threshold=1.01, explicit_class_thresholds=(), explicit_certain=1.01, contacts_verdict="warn",
        toxicity_reject=1.01, toxicity_warn=1.01, mismatch_verdict="warn",
    )  # fmt: skip
    models = ModelStore(settings)
    if not variant.bf16_photos:
        models = ModelStore(settings, replace(models.placement, bf16_photos=False))
    return Pipeline(settings, moderation=permissive, models=models)


class Clock:
    """Wall time spent inside some calls (nested calls and calls overlapping in other threads count
    once); `patches` are the (owner, method name) pairs it wraps while `running`."""

    def __init__(self, patches: list[tuple[Any, str]]) -> None:
        self.seconds = 0.0
        self.patches = patches
        self._depth = 0
        self._start = 0.0
        self._lock = threading.Lock()

    def enter(self, *_: Any) -> None:
        with self._lock:
            if self._depth == 0:
                self._start = time.perf_counter()
            self._depth += 1

    def leave(self, *_: Any) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self.seconds += time.perf_counter() - self._start

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.enter()
            try:
                return function(*args, **kwargs)
            finally:
                self.leave()

        return timed

    @contextmanager
    def running(self) -> Iterator[Clock]:
        """Count the time of the patched calls while the block runs."""
        originals = [getattr(owner, name) for owner, name in self.patches]
        for (owner, name), original in zip(self.patches, originals, strict=True):
            setattr(owner, name, self.wrap(original))
        try:
            yield self
        finally:
            for (owner, name), original in zip(self.patches, originals, strict=True):
                setattr(owner, name, original)


class ModelClock(Clock):
    """Model calls: outermost torch module forwards, `generate` loops (and the lean loops that stand in
    for it), and ONNX Runtime runs."""

    def __init__(self) -> None:
        import onnxruntime
        from transformers import GenerationMixin

        loops = [(GenerationMixin, "generate"), (gpt2_greedy, "greedy_decode"), (gpt2_beam, "beam_decode")]
        super().__init__([*loops, (onnxruntime.InferenceSession, "run")])

    @contextmanager
    def running(self) -> Iterator[Clock]:
        import torch

        hooks = [
            torch.nn.modules.module.register_module_forward_pre_hook(self.enter),
            torch.nn.modules.module.register_module_forward_hook(self.leave),
        ]
        try:
            with super().running():
                yield self
        finally:
            for hook in hooks:
                hook.remove()


class PhotoClock(Clock):
    """Pillow's work on the photos outside model calls: decoding, colour conversion and resizing."""

    def __init__(self) -> None:
        from PIL import Image, ImageFile

        methods = ("convert", "resize", "reduce", "thumbnail", "crop", "paste", "transpose")
        super().__init__([(ImageFile.ImageFile, "load")] + [(Image.Image, name) for name in methods])


@dataclass
class Runner:
    """One variant's pipeline and the timings of its runs, per case."""

    variant: Variant
    pipeline: Any
    cache: Path  # the bench cache (the phone-size photos are made there)
    timings: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    model_share: dict[str, float] = field(default_factory=dict)
    photo_share: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)

    def setup(self) -> None:
        """Process-wide state this variant needs before a run: torch threads, the photo memos (ruCLIP's
        features, the shared model-scale copies), the encoder-decoder's cache class."""
        import torch
        from transformers import EncoderDecoderCache

        from captioning import encoder_decoder
        from core.placement import thread_count
        from photos import PhotoMemo, shared
        from ruclip_port import RuCLIP, load_ruclip

        torch.set_num_threads(thread_count(self.variant.threads))
        clip = load_ruclip(self.pipeline.models)
        assert isinstance(clip, RuCLIP)
        remembers = isinstance(clip._photos, PhotoMemo)
        if self.variant.photo_memo != remembers:
            clip._photos = PhotoMemo() if self.variant.photo_memo else ForgetfulMemo()
            shared._COPIES = PhotoMemo() if self.variant.photo_memo else ForgetfulMemo()
        encoder_decoder.OnePhotoCache = ONE_PHOTO_CACHE if self.variant.photo_cache else EncoderDecoderCache
        for module, supports in LEAN_SUPPORTS.items():
            module.supports = supports if self.variant.lean_loops else never

    def run(self, case: str) -> dict[str, float]:
        """One `Pipeline.run` of `case`; its stage timings."""
        from core.listing import Listing

        chosen = CASES[case]
        self.setup()
        paths = phone_photo_paths(chosen.photos, self.cache) if chosen.phone else photo_paths(chosen.photos)
        listing = Listing(paths, dict(ATTRIBUTES), TEXT)
        checkpoint = CAPTIONERS[chosen.captioner]
        cpu = time.process_time()
        result = self.pipeline.run(listing, single_checkpoint=checkpoint, multi_checkpoint=checkpoint)
        cpu = time.process_time() - cpu
        if result.status != "ok":
            raise SystemExit(f"{self.variant.name}, {case}: {result.status} {result.reasons}")
        if result.checkpoint["used"] != checkpoint:
            raise SystemExit(f"{case}: ответила модель {result.checkpoint['used']}, а не {checkpoint}")
        self.tokens[case] = result.scores["generated_tokens"]
        return {**result.timings, "cpu": cpu}

    def measure(self, case: str) -> None:
        """One timed run of `case`, kept."""
        self.timings.setdefault(case, []).append(self.run(case))

    def instrumented(self, case: str, runs: int = SHARE_RUNS) -> None:
        """More runs with the clocks on: the median shares of the total spent in model calls and in Pillow's
        work on the photos."""
        shares = []
        for _ in range(runs):
            with ModelClock().running() as models, PhotoClock().running() as photos:
                total = self.run(case)["total"]
            shares.append((models.seconds / total, photos.seconds / total))
        self.model_share[case] = statistics.median(model for model, _ in shares)
        self.photo_share[case] = statistics.median(photo for _, photo in shares)

    def medians(self, case: str) -> dict[str, float]:
        """Median of each stage and of the total over the kept runs."""
        runs = self.timings[case]
        keys = (*STAGES, "total", "cpu")
        return {key: statistics.median(run.get(key, 0.0) for run in runs) for key in keys}


def interleaved(runners: list[Runner], cases: tuple[str, ...], runs: int) -> None:
    """Warm up every runner on every case, then `runs` rounds: each round runs each case on each runner
    in turn, so a change in the machine's load hits every variant alike."""
    for case in cases:
        for runner in runners:
            runner.run(case)
    for _ in range(runs):
        for case in cases:
            for runner in runners:
                runner.measure(case)
    for case in cases:
        for runner in runners:
            runner.instrumented(case)


def report(runners: list[Runner], cases: tuple[str, ...]) -> dict[str, Any]:
    """JSON-ready medians per variant and case, with the load average and peak RSS of this process."""
    return {
        "load": [round(x, 2) for x in os.getloadavg()],
        "peak_rss_mb": round(peak_rss_mb()),
        "variants": {
            runner.variant.name: {
                case: {
                    "medians": runner.medians(case),
                    "runs": len(runner.timings[case]),
                    "model_share": runner.model_share[case],
                    "photo_share": runner.photo_share[case],
                    "tokens": runner.tokens[case],
                }
                for case in cases
            }
            for runner in runners
        },
    }


def child(cache: Path, variants: list[Variant], cases: tuple[str, ...], runs: int) -> dict[str, Any]:
    """The work of one child process: pipelines for `variants`, interleaved runs of `cases`."""
    with tempfile.TemporaryDirectory() as tmp:
        runners = [Runner(v, make_pipeline(cache, v, Path(tmp)), cache) for v in variants]
        load_average = os.getloadavg()
        interleaved(runners, cases, runs)
        result = report(runners, cases)
        result["load_start"] = [round(x, 2) for x in load_average]
        return result


def spawn(args: argparse.Namespace, job: dict[str, Any]) -> dict[str, Any]:
    """Run one job in a fresh process (so its peak RSS is its own); its JSON result."""
    command = [sys.executable, "-m", "bench.bench_pipeline", "--child", json.dumps(job),
               "--runs", str(args.runs), "--cache", str(args.cache)]  # fmt: skip
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"задание {job} не удалось:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def seconds(value: float) -> str:
    return f"{value:.2f}"


def speed_table(results: dict[str, dict[str, Any]], cases: tuple[str, ...]) -> list[str]:
    """The shipped configuration per case: stages, total, model share, tokens, peak RSS."""
    lines = [
        "| случай | " + " | ".join(STAGES)
        + " | **итого, с** | ЦП, с | в моделях | фото (Pillow) | прочее | токенов | пик RSS, МиБ | load |",
        "|---" * (len(STAGES) + 9) + "|",
    ]
    for case in cases:
        result = results[CASES[case].captioner]
        data = result["variants"][SHIPPED.name][case]
        medians = data["medians"]
        lines.append(
            f"| {CASES[case].label} | "
            + " | ".join(seconds(medians[s]) for s in STAGES)
            + f" | **{seconds(medians['total'])}** | {seconds(medians['cpu'])} | {data['model_share']:.1%} | "
            f"{data['photo_share']:.1%} | {1 - data['model_share'] - data['photo_share']:.1%} | "
            f"{data['tokens']} | "
            f"{result['peak_rss_mb']} | {result['load_start'][0]:.1f}→{result['load'][0]:.1f} |"
        )
    return lines


def lever_table(name: str, result: dict[str, Any]) -> list[str]:
    """Before → after of one lever, per case: total and the stages that changed."""
    title, before, after, _ = LEVERS[name]
    cases = tuple(result["variants"][before.name])
    lines = [
        f"**{name}**: {title}. load {result['load_start'][0]:.1f}→{result['load'][0]:.1f}", "",
        f"| случай | {before.name}, с | {after.name}, с | × | ЦП, с | moderate | generate | score |",
        "|---" * 8 + "|",
    ]  # fmt: skip
    for case in cases:
        a = result["variants"][before.name][case]["medians"]
        b = result["variants"][after.name][case]["medians"]
        keys = ("cpu", "moderate", "generate", "score")
        stages = " | ".join(f"{seconds(a[key])}→{seconds(b[key])}" for key in keys)
        lines.append(
            f"| {CASES[case].label} | {seconds(a['total'])} | {seconds(b['total'])} | "
            f"{a['total'] / b['total']:.2f} | {stages} |"
        )
    return lines


def main() -> None:
    """Build the cache if needed, run every table's jobs in child processes, print the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--tables", default="speed,levers", help="speed, levers or both")
    parser.add_argument("--levers", default=",".join(LEVERS))
    parser.add_argument("--cases", default=",".join(SHARED_CASES), help=f"из {', '.join(CASES)}")
    parser.add_argument("--threads", default="auto", help="LISTING_THREADS (not for the threads lever)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.cache)
        return
    if args.child:
        job = json.loads(args.child)
        variants = [Variant(**v) for v in job["variants"]]
        print(json.dumps(child(args.cache, variants, tuple(job["cases"]), args.runs)))
        return
    if not is_built(args.cache):
        print(f"Собираю модели в {args.cache} (один раз)…", file=sys.stderr, flush=True)
        own = [sys.executable, "-m", "bench.bench_pipeline", "--build", "--cache", str(args.cache)]
        subprocess.run(own, cwd=PROJECT_ROOT, check=True)  # the models' memory stays out of this process
    cases = tuple(c for c in args.cases.split(",") if c)
    tables = args.tables.split(",")
    print(f"# bench_pipeline: {os.cpu_count()} ядра, LISTING_THREADS={args.threads}, медианы {args.runs} "
          f"прогонов, {time.strftime('%Y-%m-%d %H:%M')}\n")  # fmt: skip
    if "speed" in tables:
        results = {}
        for captioner in dict.fromkeys(CASES[c].captioner for c in cases):
            own = tuple(c for c in cases if CASES[c].captioner == captioner)
            shipped = replace(SHIPPED, threads=args.threads)
            results[captioner] = spawn(args, {"variants": [shipped.__dict__], "cases": own})
        print("\n".join(speed_table(results, cases)) + "\n", flush=True)
    if "levers" in tables:
        for name in args.levers.split(","):
            _, before, after, lever_cases = LEVERS[name]
            if name != "threads":
                before, after = replace(before, threads=args.threads), replace(after, threads=args.threads)
            chosen = tuple(c for c in lever_cases if c in cases)
            if chosen:
                result = spawn(args, {"variants": [before.__dict__, after.__dict__], "cases": chosen})
                print("\n".join(lever_table(name, result)) + "\n", flush=True)


if __name__ == "__main__":
    main()
