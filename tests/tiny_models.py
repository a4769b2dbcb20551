"""Tiny random models in the real on-disk layouts, for tests across the project.

`make_tiny_ruclip(folder)` writes `config.json`, `pytorch_model.bin` and `bpe.model` like the hub's
`ai-forever/ruclip-vit-base-patch32-384`, with tiny sizes and seeded random weights, and the real
loading code (`RuCLIP.from_pretrained`, `load_ruclip`) reads it.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import torch

from ruclip_port.model import RuCLIPConfig, RuCLIPModel
from ruclip_port.preprocessing import ImagePreprocessor
from ruclip_port.ruclip import RuCLIP
from ruclip_port.tokenizer import SPACE_TOKEN, BPETokenizer, RuCLIPTokenizer, SpecialIds

RUSSIAN_CORPUS = (
    "Продаю красное платье из хлопка, размер 44, почти новое. "
    "Кроссовки мужские кожаные, белые, размер 42, носили один сезон. "
    "Детская куртка на осень, синяя, с капюшоном и карманами. "
    "Смартфон в отличном состоянии, экран без царапин, в комплекте зарядка и чехол. "
    "Диван угловой раскладной, серый, доставка по городу бесплатно. "
    "Сумка женская из натуральной кожи, чёрная, вместительная и лёгкая. "
    "Велосипед горный, двадцать одна скорость, алюминиевая рама, новые шины. "
    "Набор посуды из нержавеющей стали: кастрюли, сковорода и крышки. "
    "Шапка вязаная шерстяная, тёплая, подходит для зимы, цвет бежевый. "
    "Стол письменный деревянный с ящиками, светлый дуб, без сколов."
)


def train_tiny_bpe(corpus: str, merges: int, special: SpecialIds | None = None) -> BPETokenizer:
    """A small BPE model over the corpus's lower-cased words, in youtokentome's layout:
    special ids first, then characters (U+2581 included), then one id per merge."""
    special = special or SpecialIds()
    words = Counter(SPACE_TOKEN + w for w in corpus.lower().split())
    chars = sorted({c for w in words for c in w})
    next_id = special.count()
    char_ids = {c: next_id + i for i, c in enumerate(chars)}
    next_id += len(chars)
    seqs = {w: [char_ids[c] for c in w] for w in words}
    rules: list[tuple[int, int, int]] = []
    for _ in range(merges):
        pairs: Counter[tuple[int, int]] = Counter()
        for word, seq in seqs.items():
            for pair in pairwise(seq):
                pairs[pair] += words[word]
        if not pairs:
            break
        best = max(pairs, key=lambda p: (pairs[p], -p[0], -p[1]))
        rules.append((*best, next_id))
        for word, seq in seqs.items():
            merged, i = [], 0
            while i < len(seq):
                if i + 1 < len(seq) and (seq[i], seq[i + 1]) == best:
                    merged.append(next_id)
                    i += 2
                else:
                    merged.append(seq[i])
                    i += 1
            seqs[word] = merged
        next_id += 1
    return BPETokenizer(char_ids, rules, special)


# The published ai-forever/ruclip-vit-base-patch32-384 config.json values (real shapes, for benchmarks).
HUB_B32_384 = {
    "embed_dim": 512,
    "image_resolution": 384,
    "vision_layers": 12,
    "vision_width": 768,
    "vision_patch_size": 32,
    "context_length": 77,
    "vocab_size": 49408,
    "transformer_width": 512,
    "transformer_heads": 8,
    "transformer_layers": 12,
}


def tiny_ruclip_config(vocab_size: int, image_resolution: int = 32) -> RuCLIPConfig:
    """ruCLIP's config with tiny sizes (the real context length of 77 is kept)."""
    return RuCLIPConfig(
        embed_dim=16,
        image_resolution=image_resolution,
        vision_layers=2,
        vision_width=64,
        vision_patch_size=8,
        context_length=77,
        vocab_size=vocab_size,
        transformer_width=32,
        transformer_heads=2,
        transformer_layers=2,
    )


def write_random_ruclip(folder: Path, config: RuCLIPConfig, bpe: BPETokenizer, seed: int = 0) -> Path:
    """Write a ruCLIP with seeded random weights into `folder` in the hub layout; return `folder`."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = RuCLIPModel(config)
    tokenizer = RuCLIPTokenizer(bpe, config.context_length)
    preprocess = ImagePreprocessor(config.image_resolution)
    return RuCLIP(model, tokenizer, preprocess).save_pretrained(folder)


def make_tiny_ruclip(folder: Path, seed: int = 0) -> Path:
    """Write a tiny random ruCLIP into `folder` in the hub layout and return `folder`.

    Point `Settings.models_dir` at the parent of `<models>/ruclip-vit-base-patch32-384` to make the
    pipeline find it.
    """
    bpe = train_tiny_bpe(RUSSIAN_CORPUS, merges=120)
    return write_random_ruclip(folder, tiny_ruclip_config(bpe.vocab_size), bpe, seed)
