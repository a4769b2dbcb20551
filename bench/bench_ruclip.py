"""ruCLIP speed and memory: image embedding per photo and for a batch of 10, text embedding, peak RSS.

By default a ViT-B/32-384-shaped model with random weights (the real shapes, 151 M parameters) is
written to a temporary folder and loaded back with `RuCLIP.from_pretrained` (strict);
`--folder models/ruclip-vit-base-patch32-384` benchmarks a downloaded model instead.
Photos come from ../shared/data/photos (or `--photos`). Reports medians over `--runs` runs.

    python -m bench.bench_ruclip [--runs 5] [--folder PATH] [--square pad|crop] [--threads N]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image

from bench.timing import median_seconds, peak_rss_mb
from core.settings import PROJECT_ROOT
from ruclip_port import RuCLIP
from ruclip_port.chunks import text_chunks
from ruclip_port.model import RuCLIPConfig
from ruclip_port.preprocessing import SquareMode
from tests.tiny_models import HUB_B32_384, RUSSIAN_CORPUS, train_tiny_bpe, write_random_ruclip

TEXT_500 = (
    "Продаю женское платье из натурального хлопка, красного цвета, размер 44. Платье почти новое, "
    "надевала два раза на праздники, без пятен и затяжек. Длина до колена, рукав три четверти, сзади "
    "потайная молния. Ткань приятная к телу, не мнётся и хорошо держит форму после стирки. Подойдёт "
    "для офиса и для прогулок. Отправлю почтой или курьером, возможен самовывоз у метро. "
    "Цвет на фото передан точно, обмен не интересует, торг при осмотре уместен. "
    "Пишите в сообщения, отвечу быстро и вышлю дополнительные фото."
)


def timed_load(folder: Path, square: SquareMode) -> tuple[RuCLIP, float]:
    """`RuCLIP.from_pretrained(folder)` and the seconds it took."""
    start = time.perf_counter()
    clip = RuCLIP.from_pretrained(folder, square=square)
    return clip, time.perf_counter() - start


def load_random_b32_384(square: SquareMode) -> tuple[RuCLIP, float]:
    """Write a ViT-B/32-384-shaped ruCLIP with random weights (tokeniser: a tiny trained BPE) to a
    temporary folder and load it back through `RuCLIP.from_pretrained`, as a downloaded one would be."""
    with tempfile.TemporaryDirectory() as tmp:
        bpe = train_tiny_bpe(RUSSIAN_CORPUS, merges=120)
        folder = write_random_ruclip(Path(tmp), RuCLIPConfig.from_dict(HUB_B32_384), bpe)
        gc.collect()
        return timed_load(folder, square)


def main() -> None:
    """Run the benchmark and print a short report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, help="a downloaded ruCLIP folder instead of random weights")
    parser.add_argument("--photos", type=Path, default=PROJECT_ROOT.parent / "shared" / "data" / "photos")
    parser.add_argument("--square", choices=["pad", "crop"], default="pad")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    rss_start = peak_rss_mb()
    if args.folder:
        clip, load_s = timed_load(args.folder, args.square)
    else:
        clip, load_s = load_random_b32_384(args.square)
    rss_loaded = peak_rss_mb()

    paths = sorted(args.photos.rglob("*.jpg"))[:10]
    if len(paths) < 10:
        raise SystemExit(f"need 10 photos under {args.photos}, found {len(paths)}")
    photos = [Image.open(p).convert("RGB") for p in paths]
    sizes = sorted({p.size for p in photos})

    pre_s = median_seconds(lambda: clip.preprocess(photos), args.runs)
    one_s = median_seconds(lambda: clip.encode_images(photos[:1]), args.runs)
    ten_s = median_seconds(lambda: clip.encode_images(photos), args.runs)
    text_s = median_seconds(lambda: clip.encode_texts([TEXT_500]), args.runs)
    params = sum(p.numel() for p in clip.model.parameters())

    print(f"ruCLIP bench: {'folder ' + str(args.folder) if args.folder else 'random ViT-B/32-384 shapes'}")
    threads = torch.get_num_threads()
    print(f"  parameters: {params / 1e6:.1f} M, torch threads: {threads}, square: {args.square}")
    print(f"  photos: {len(photos)}, sizes {sizes[0]}..{sizes[-1]}; runs: {args.runs} (medians)")
    print(f"  RuCLIP.from_pretrained: {load_s:.2f} s")
    print(f"  preprocessing 10 photos: {pre_s * 1000:.0f} ms ({pre_s * 100:.1f} ms per photo)")
    print(f"  image embedding, 1 photo: {one_s:.3f} s")
    print(f"  image embedding, batch of 10: {ten_s:.3f} s ({ten_s / 10:.3f} s per photo)")
    chunks = len(text_chunks(TEXT_500, clip.tokenizer))
    subwords = len(clip.tokenizer.subwords(TEXT_500))
    print(
        f"  text embedding, {len(TEXT_500)} characters = {subwords} subwords in {chunks} chunks: "
        f"{text_s:.3f} s ({text_s / chunks:.3f} s per 77-token chunk)"
    )
    rss_end = peak_rss_mb()
    print(f"  peak RSS: {rss_start:.0f} MiB at start, {rss_loaded:.0f} MiB loaded, {rss_end:.0f} MiB at end")


if __name__ == "__main__":
    main()
