"""Speed and memory of the neural caption kinds, through their real loaders, on random weights.

Cases (each in its own process, so peak RSS is per case):
- `ed-*`: ViT-B/16 (224 px) + 12-layer 768-wide GPT-2 decoder with cross-attention and a 50 264-token
  vocabulary (the shape of tuman/vit-rugpt2-image-captioning), one photo, 64 new tokens.
- `vlm-*`: Qwen2-VL-2B widths (vision 1280 wide, text 1536 wide, 151 936-token vocabulary, tied
  embeddings) at reduced depth (`--vision-depth`, `--text-layers`; the real model has 32 and 28),
  with 1 and 10 real photos at the default pixel budget, 32 new tokens.
Variants measure the cheap wins: KV cache off, bfloat16, and torch's default thread count (the number
of cores) against `--threads` (default 1: on a machine shared with other busy processes, one thread
is several times faster than two).

    python -m bench.bench_neural [--runs 3] [--threads 1] [--cases ed-greedy,vlm-1] [--vision-depth 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from bench.timing import median_seconds, peak_rss_mb
from core.settings import PROJECT_ROOT

PHOTOS = PROJECT_ROOT.parent / "shared" / "data" / "photos" / "products"
QWEN_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                "<|image_pad|>", "<|video_pad|>"]
# text like the VLM prompt, for training the benchmark tokenizer
PROMPT_WORDS = (
    "Напиши описание товара для объявления на маркетплейсе: 2–5 предложений по-русски, без заголовков. "
    "Фотографий товара. Фотографий нет — пиши только по характеристикам и тексту продавца. Характеристики. "
    "Текст продавца. Продаётся один товар — опиши его как одну вещь. Продаётся несколько предметов или "
    "набор (лот) — опиши это как набор, а не одну вещь. Метки скрывают числа: переписывай их в точности "
    "как есть, в угловых скобках, и не заменяй цифрами. Не пиши цифр и не утверждай ничего, чего нет на "
    "фотографиях или в характеристиках: не придумывай бренд, размер, цвет, состояние или дефекты. "
    "Вид одежды: Куртка. Цвет: синий. Цена. Куртка, размер, почти новая"
)
CASES: dict[str, dict[str, Any]] = {
    "ed-greedy": {"model": "ed", "beams": 1},
    "ed-beam4": {"model": "ed", "beams": 4},
    "ed-greedy-nocache": {"model": "ed", "beams": 1, "cache": False},
    "ed-greedy-all-threads": {"model": "ed", "beams": 1, "threads": 0},
    "ed-greedy-bf16": {"model": "ed", "beams": 1, "dtype": "bfloat16"},
    "vlm-1": {"model": "vlm", "photos": 1},
    "vlm-10": {"model": "vlm", "photos": 10},
    "vlm-1-nocache": {"model": "vlm", "photos": 1, "cache": False},
    "vlm-1-all-threads": {"model": "vlm", "photos": 1, "threads": 0},
    "vlm-1-bf16": {"model": "vlm", "photos": 1, "dtype": "bfloat16"},
    "vlm-10-bf16": {"model": "vlm", "photos": 10, "dtype": "bfloat16"},
}


def big_tokenizer(vocab_size: int, special: list[str]) -> Tokenizer:
    """A byte-level BPE trained on Russian listing text (so a prompt is about as many tokens as with the
    real tokenizer), padded with filler entries to `vocab_size`, then the special tokens."""
    from tests.neural_fixtures import CORPUS

    trained = Tokenizer(models.BPE())
    trained.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=4000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    trained.train_from_iterator([*CORPUS, *PROMPT_WORDS.split(". ")] * 20, trainer=trainer)
    state = json.loads(trained.to_str())["model"]
    vocab = dict(state["vocab"])
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in state["merges"]]
    for i in range(len(vocab), vocab_size - len(special)):
        vocab[f"ĠТ{i}"] = i
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(special)
    return tokenizer


def manifest(folder: Path, kind: str, generation: dict[str, Any]) -> None:
    """Write a checkpoint.json for the loader."""
    data = {"kind": kind, "title": kind, "images": "multi", "generation": generation}
    (folder / "checkpoint.json").write_text(json.dumps(data), encoding="utf-8")


def build_ed(folder: Path) -> None:
    """Random ViT-B/16 + GPT-2 small (ruGPT-3 small vocabulary) saved as a checkpoint folder."""
    from transformers import (
        GPT2Config,
        GPT2LMHeadModel,
        PreTrainedTokenizerFast,
        VisionEncoderDecoderModel,
        ViTConfig,
        ViTImageProcessor,
        ViTModel,
    )

    tokenizer = PreTrainedTokenizerFast(tokenizer_object=big_tokenizer(50264, ["<|endoftext|>"]),
                                        eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    eos = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    decoder = GPT2LMHeadModel(GPT2Config(vocab_size=50264, add_cross_attention=True, bos_token_id=eos,
                                         eos_token_id=eos))
    model = VisionEncoderDecoderModel(encoder=ViTModel(ViTConfig()), decoder=decoder)
    for config in (model.config, model.generation_config):
        config.decoder_start_token_id = config.pad_token_id = config.eos_token_id = eos
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    ViTImageProcessor().save_pretrained(folder)
    manifest(folder, "encoder-decoder", {"max_new_tokens": 64})


def build_vlm(folder: Path, vision_depth: int, text_layers: int) -> None:
    """Random Qwen2-VL-2B-wide model at reduced depth, with a full-size tokenizer and chat template."""
    from transformers import (
        PreTrainedTokenizerFast,
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessor,
    )

    from tests.neural_fixtures import QWEN_CHAT_TEMPLATE

    tokenizer = PreTrainedTokenizerFast(tokenizer_object=big_tokenizer(151936, QWEN_SPECIAL),
                                        eos_token="<|im_end|>", pad_token="<|endoftext|>")
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in QWEN_SPECIAL}
    config = Qwen2VLConfig(
        text_config={"vocab_size": 151936, "hidden_size": 1536, "intermediate_size": 8960,
                     "num_hidden_layers": text_layers, "num_attention_heads": 12, "num_key_value_heads": 2,
                     "tie_word_embeddings": True, "eos_token_id": ids["<|im_end|>"],
                     "rope_parameters": {"rope_type": "default", "mrope_section": [16, 24, 24],
                                         "rope_theta": 1000000.0}},
        vision_config={"depth": vision_depth, "embed_dim": 1280, "hidden_size": 1536, "num_heads": 16},
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True,
    )
    model = Qwen2VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    Qwen2VLImageProcessor().save_pretrained(folder)
    (folder / "chat_template.json").write_text(json.dumps({"chat_template": QWEN_CHAT_TEMPLATE}))
    manifest(folder, "vlm", {"max_new_tokens": 32})


def photos(count: int) -> list[Image.Image]:
    """`count` real product photos from the shared set."""
    files = sorted(PHOTOS.glob("*/*.jpg"))[:count]
    return [Image.open(f).convert("RGB") for f in files]


def run_case(name: str, folder: Path, runs: int, threads: int) -> dict[str, Any]:
    """Load through the real loader, then time `runs` generations; returns medians and peak RSS."""
    from captioning import encoder_decoder, vlm
    from captioning.neural import generate_ids
    from core.settings import Settings
    from masking.types import MaskedListing

    case = CASES[name]
    data = json.loads((folder / "checkpoint.json").read_text())
    data["generation"] |= {"dtype": case.get("dtype", "float32")}
    if case["model"] == "ed":
        data["generation"] |= {"num_beams": case["beams"]}
    module = encoder_decoder if case["model"] == "ed" else vlm
    started = time.perf_counter()
    captioner = module.load(folder, data, Settings(device="cpu"))
    load_s = time.perf_counter() - started
    threads = case.get("threads", threads)
    if threads:  # 0: leave torch's default (one thread per core)
        torch.set_num_threads(threads)
    masked = MaskedListing(attributes={"Вид одежды": "Куртка", "Цвет": "синий", "Цена": "<PRICE>"},
                           text="Куртка, размер <SIZE>, почти новая", values={"<PRICE>": "1", "<SIZE>": "2"})
    images = photos(case.get("photos", 1))
    if case["model"] == "ed":
        inputs = captioner.preprocess(images[0])
    else:
        inputs = dict(captioner.prepare(masked, "<SINGLE>", images))
    options = captioner.options
    if case.get("cache") is False:  # the "before" of the KV-cache win
        model = captioner.model
        kwargs = options.generate_kwargs() | {"use_cache": False}
        step = lambda: model.generate(**inputs, **kwargs)  # noqa: E731
    else:
        step = lambda: generate_ids(captioner.model, inputs, options)  # noqa: E731
    outputs: list[Any] = []
    median = median_seconds(lambda: outputs.append(step()), runs)
    out = outputs[-1]
    prompt = inputs.get("input_ids")
    return {
        "case": name, "load_s": round(load_s, 1), "median_s": round(median, 2), "runs": runs,
        "tokens": len(out.ids) if hasattr(out, "ids") else out.shape[-1],
        "prompt_tokens": 0 if prompt is None else prompt.shape[-1],
        "threads": torch.get_num_threads(), "peak_rss_mb": round(peak_rss_mb()),
    }


def main() -> None:
    """Build the random checkpoints once, run every case in a fresh process, print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads; 0 = torch default")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--vision-depth", type=int, default=4)
    parser.add_argument("--text-layers", type=int, default=4)
    parser.add_argument("--run-case", nargs=2, metavar=("NAME", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--build", nargs=2, metavar=("MODEL", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_case:
        print(json.dumps(run_case(args.run_case[0], Path(args.run_case[1]), args.runs, args.threads)))
        return
    if args.build:
        model, folder = args.build
        if model == "ed":
            build_ed(Path(folder))
        else:
            build_vlm(Path(folder), args.vision_depth, args.text_layers)
        return
    names = args.cases.split(",")
    # this process stays small: a child started while it held a model would report that model's memory
    # in its own peak RSS, so the models are built in children too
    own = [
        sys.executable, "-m", "bench.bench_neural", "--runs", str(args.runs), "--threads", str(args.threads),
        "--vision-depth", str(args.vision_depth), "--text-layers", str(args.text_layers),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for model in dict.fromkeys(CASES[name]["model"] for name in names):
            subprocess.run([*own, "--build", model, f"{tmp}/{model}"], cwd=PROJECT_ROOT, check=True,
                           capture_output=True)
        for name in names:
            command = [*own, "--run-case", name, f"{tmp}/{CASES[name]['model']}"]
            done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
            lines = done.stdout.strip().splitlines()
            print(lines[-1] if done.returncode == 0 and lines else f"{name}: failed\n{done.stderr[-2000:]}",
                  flush=True)


if __name__ == "__main__":
    main()
