"""BERTScore speed and memory: one 500-character pair through our scorer, peak RSS.

By default a bert-base-multilingual-cased-shaped model with random weights (12 layers, hidden 768,
119 547-entry vocabulary; a WordPiece vocabulary trained on tests/data/diversity.jsonl and padded to
that size) is written to a temporary folder in a child process, so its construction does not count
in this process's RSS; `--folder models/bert-base-multilingual-cased` benchmarks a downloaded model.
`--with-ruclip` also writes a random ViT-B/32-384 ruCLIP (same child process), loads it through
`load_ruclip` and embeds one photo, for the peak RSS with both models loaded.
Reports medians over `--runs` runs.

    python -m bench.bench_bertscore [--runs 7] [--folder PATH] [--with-ruclip]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image

from bench.timing import median_seconds, peak_rss_mb
from core.catalogue import BERTSCORE_MODEL, RUCLIP_MODEL
from core.models import ModelStore
from core.settings import PROJECT_ROOT, Settings
from ruclip_port import load_ruclip
from ruclip_port.model import RuCLIPConfig
from scoring.bertscore import bertscore_f1, load_bertscorer
from tests.tiny_bert import SPECIAL, make_tiny_bert
from tests.tiny_models import HUB_B32_384, RUSSIAN_CORPUS, train_tiny_bpe, write_random_ruclip

MBERT_VOCAB = 119_547
CANDIDATE_500 = (
    "Красное платье из хлопка, размер 44. Платье почти новое: его надевали всего пару раз на праздники, "
    "на ткани нет пятен, затяжек и катышков. Длина до колена, рукав три четверти, сзади потайная молния, "
    "которая работает исправно. Натуральный хлопок приятен к телу, не мнётся, хорошо держит форму и не "
    "садится после стирки. Платье подойдёт и для офиса, и для прогулок по городу, и для семейного "
    "праздника. Цена 2500 рублей. Возможен самовывоз у метро или отправка почтой по всей России. "
    "Пишите в сообщения."
)
REFERENCE_500 = (
    "Категория: Одежда\nТип: Платье\nЦвет: красный\nМатериал: хлопок 100%\nРазмер: 44\nСостояние: б/у\n"
    "Цена: 2500\nПлатье красное, хлопковое, размер 44, носила пару раз на праздники. Пятен и затяжек нет, "
    "молния сзади работает, длина до колена, рукав три четверти. После стирки не садится и не линяет, "
    "гладить почти не нужно. Покупала в магазине за 6000, отдаю дешевле, потому что не подошёл фасон. "
    "Самовывоз у метро или отправка почтой, торг уместен при быстрой покупке, пишите в сообщения. "
    "Обмен не интересует."
)


def _corpus() -> list[str]:
    lines = (PROJECT_ROOT / "tests" / "data" / "diversity.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [
        f"{r.get('title', '')} {r.get('text', '')} {' '.join(r.get('attributes', {}).values())}" for r in rows
    ]


def build_mbert_shaped(folder: Path) -> None:
    """Write a random multilingual-BERT-shaped model with a trained WordPiece vocabulary to `folder`."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        _corpus(), trainers.WordPieceTrainer(vocab_size=8000, special_tokens=SPECIAL)
    )
    vocab = [token for token, _ in sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])]
    make_tiny_bert(
        folder, layers=12, hidden=768, heads=12, intermediate=3072, vocab=vocab, vocab_size=MBERT_VOCAB
    )


def build_models(models: Path, bert: bool, ruclip: bool) -> None:
    """Write the random models the run needs under `models` (run in a child process)."""
    if bert:
        build_mbert_shaped(models / BERTSCORE_MODEL)
    if ruclip:
        bpe = train_tiny_bpe(RUSSIAN_CORPUS, merges=120)
        write_random_ruclip(models / RUCLIP_MODEL, RuCLIPConfig.from_dict(HUB_B32_384), bpe)


def main() -> None:
    """Run the benchmark and print a short report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--folder", type=Path, help="a downloaded bert-base-multilingual-cased folder")
    parser.add_argument("--with-ruclip", action="store_true", help="also load a random ViT-B/32-384 ruCLIP")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp)
        if args.folder:
            (models / BERTSCORE_MODEL).symlink_to(args.folder.resolve())
        child = multiprocessing.get_context("spawn").Process(
            target=build_models, args=(models, not args.folder, args.with_ruclip)
        )
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit("building the random models failed")
        store = ModelStore(Settings(models_dir=models, device="cpu"))

        rss_start = peak_rss_mb()
        start = time.perf_counter()
        scorer = load_bertscorer(store)
        assert scorer is not None
        load_s = time.perf_counter() - start
        rss_loaded = peak_rss_mb()
        cpu_start = time.process_time()
        score_s = median_seconds(lambda: bertscore_f1(CANDIDATE_500, REFERENCE_500, store), args.runs)
        cpu_s = (time.process_time() - cpu_start) / (args.runs + 1)  # + the warm-up call
        rss_scored = peak_rss_mb()
        tokens = [len(scorer._tokenizer.tokenize(t)) for t in (CANDIDATE_500, REFERENCE_500)]
        params = sum(p.numel() for p in scorer._model.parameters())

        print(f"BERTScore bench: {'folder ' + str(args.folder) if args.folder else 'random mBERT shapes'}")
        print(
            f"  parameters kept (layers 1-9 + embeddings): {params / 1e6:.1f} M, torch threads: "
            f"{torch.get_num_threads()}"
        )
        print(
            f"  pair: {len(CANDIDATE_500)} / {len(REFERENCE_500)} characters, "
            f"{tokens[0]} / {tokens[1]} WordPiece tokens"
        )
        print(f"  load (first use, includes importing bert_score): {load_s:.2f} s")
        print(
            f"  BERTScore F1 of the pair: {score_s:.3f} s wall (median of {args.runs}), "
            f"{cpu_s:.2f} s CPU per call"
        )
        print(f"  load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            f"  peak RSS: {rss_start:.0f} MiB at start, {rss_loaded:.0f} MiB loaded, "
            f"{rss_scored:.0f} MiB scored"
        )
        if args.with_ruclip:
            clip = load_ruclip(store)
            assert clip is not None
            photo = next((PROJECT_ROOT.parent / "shared" / "data" / "photos").rglob("*.jpg"))
            clip.encode_images([Image.open(photo).convert("RGB")])
            print(
                "  peak RSS with ruCLIP ViT-B/32-384 also loaded and one photo embedded: "
                f"{peak_rss_mb():.0f} MiB"
            )


if __name__ == "__main__":
    main()
