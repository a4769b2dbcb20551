"""Prefix captioner speed: training step and generation latency with 1 and 10 photos, and what the photo
feature cache saves.

Random models with the real shapes: a ruCLIP ViT-B/32-384 tower (written to a temporary folder and
loaded back with `RuCLIP.from_pretrained`) and a GPT-2 decoder 768 wide with ruGPT-3 small's vocabulary
(`--layers`, 12 by default), LoRA r=8 on c_attn/c_proj/c_fc plus the added tokens' rows, mapper to
8 prefix vectors per photo. The training step is forward + backward + AdamW on a batch of
`--batch-size` listings (photo features from the cache, 120 prompt and 150 target tokens); generation is
`PrefixCaptioner.generate` (vision tower included) with `--new-tokens` greedy tokens. The cache figure is
a cold pass (tower + write) over the photos against a warm pass (hash + read). Medians over `--runs`
runs. On a shared, busy CPU `--threads 1` avoids torch's threads waiting on each other (several times
faster there than the default).

    python -m bench.bench_prefix [--runs 3] [--layers 12] [--batch-size 1] [--new-tokens 32] [--threads N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from PIL import Image
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from bench.timing import median_seconds
from captioning.neural import GenerationOptions
from captioning.prefix import (
    PrefixCaptioner,
    PrefixConfig,
    PrefixMapper,
    PrefixModel,
    PromptCoder,
    special_tokens,
)
from core.settings import PROJECT_ROOT
from masking import mask
from ruclip_port import RuCLIP
from ruclip_port.model import RuCLIPConfig
from tests.neural_fixtures import train_bpe
from tests.tiny_models import HUB_B32_384, RUSSIAN_CORPUS, train_tiny_bpe, write_random_ruclip
from tools.prefix_data import FeatureCache

RUGPT3_SMALL_VOCAB = 50264
PROMPT, TARGET = 120, 150


def decoder_and_tokenizer(layers: int) -> tuple[torch.nn.Module, PreTrainedTokenizerFast]:
    """A random GPT-2 (768 wide, ruGPT-3 small vocabulary) under LoRA, and a small tokenizer whose ids
    (mask and diversity tokens included) all fall inside that vocabulary."""
    torch.manual_seed(0)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(["<|endoftext|>"]), eos_token="<|endoftext|>"
    )
    tokenizer.add_special_tokens({"additional_special_tokens": special_tokens()})
    config = GPT2Config(
        vocab_size=RUGPT3_SMALL_VOCAB, n_positions=2048, n_embd=768, n_layer=layers, n_head=12
    )
    decoder = GPT2LMHeadModel(config)
    decoder.generation_config.eos_token_id = tokenizer.eos_token_id
    decoder.generation_config.pad_token_id = tokenizer.eos_token_id
    added = tokenizer.convert_tokens_to_ids(special_tokens())
    lora = LoraConfig(
        r=8, lora_alpha=16, target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True,
        trainable_token_indices={"wte": added},
    )  # fmt: skip
    return get_peft_model(decoder, lora), tokenizer


def training_step(model: PrefixModel, photos: int, batch_size: int) -> Callable[[], None]:
    """One optimizer step on random cached features and token ids."""
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    generator = torch.Generator().manual_seed(photos)
    features = [torch.randn(photos, model.config.clip_dim, generator=generator) for _ in range(batch_size)]
    prompts = [torch.randint(0, 50000, (PROMPT,), generator=generator).tolist() for _ in range(batch_size)]
    targets = [torch.randint(0, 50000, (TARGET,), generator=generator).tolist() for _ in range(batch_size)]

    def step() -> None:
        model(features, prompts, targets).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def main() -> None:
    """Run the benchmark and print a short report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--photos", type=Path, default=PROJECT_ROOT.parent / "shared" / "data" / "photos")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    paths = sorted(args.photos.rglob("*.jpg"))[:10]
    images = [Image.open(p).convert("RGB") for p in paths]
    with tempfile.TemporaryDirectory() as tmp:
        bpe = train_tiny_bpe(RUSSIAN_CORPUS, merges=120)
        tower = RuCLIP.from_pretrained(
            write_random_ruclip(Path(tmp) / "ruclip", RuCLIPConfig.from_dict(HUB_B32_384), bpe)
        )
        decoder, tokenizer = decoder_and_tokenizer(args.layers)
        config = PrefixConfig(decoder="bench", vision="bench", clip_dim=tower.embed_dim, hidden=768)
        model = PrefixModel(config, PrefixMapper(config), decoder)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        print(
            f"Декодер GPT-2: {args.layers} слоёв × 768, словарь {RUGPT3_SMALL_VOCAB}; обучаемых параметров "
            f"{trainable / 1e6:.1f} M; потоков torch {torch.get_num_threads()}"
        )
        model.train()
        for photos in (1, 10):
            seconds = median_seconds(training_step(model, photos, args.batch_size), args.runs)
            print(f"Шаг обучения, {photos:>2} фото, батч {args.batch_size}: {seconds:.2f} с")
        model.eval()
        model.decoder = model.decoder.merge_and_unload()
        options = GenerationOptions(max_new_tokens=args.new_tokens)
        captioner = PrefixCaptioner(Path(tmp), model, PromptCoder(tokenizer, config), tower, options)
        masked = mask(
            {"Категория": "Платье", "Цвет": "красный", "Размер": "44"}, "Продаю платье, цена 2500 руб."
        )
        for photos in (1, 10):
            generation = captioner.generate(masked, "<SINGLE>", images[:photos])
            seconds = median_seconds(
                lambda n=photos: captioner.generate(masked, "<SINGLE>", images[:n]), args.runs
            )
            print(
                f"Генерация, {photos:>2} фото, {generation.tokens} токенов: {seconds:.2f} с "
                f"({seconds / max(generation.tokens, 1) * 1000:.0f} мс/токен с учётом башни)"
            )
        cache_root = Path(tmp) / "cache"

        def cold() -> None:
            shutil.rmtree(cache_root, ignore_errors=True)
            FeatureCache(cache_root, tower, "bench").features(paths)

        cold_s = median_seconds(cold, args.runs)
        warm_s = median_seconds(lambda: FeatureCache(cache_root, tower, "bench").features(paths), args.runs)
        print(
            f"Признаки {len(paths)} фото: без кэша {cold_s:.2f} с, из кэша {warm_s * 1000:.1f} мс "
            f"— ускорение ×{cold_s / warm_s:.0f}"
        )


if __name__ == "__main__":
    main()
