"""Every model folder the pipeline can use, with random weights in the real shapes and the real file
layouts, built once into a cache folder for `bench_pipeline`.

    <cache>/models/ruclip-vit-base-patch32-384   ViT-B/32-384 + 12-layer text tower (hub layout)
    <cache>/models/rubert-tiny-toxicity          rubert-tiny: 3 layers × 312, 29 564 WordPieces, 5 labels
    <cache>/models/bert-base-multilingual-cased  12 layers × 768, 119 547 WordPieces
    <cache>/models/rugpt3small_based_on_gpt2     GPT-2 12 layers × 768, 50 264 tokens (the prefix decoder)
    <cache>/checkpoints/template                 the embedded template
    <cache>/checkpoints/vit-rugpt2               ViT-B/16 + GPT-2 with cross-attention; the project's manifest
    <cache>/checkpoints/prefix                   mapper + LoRA adapter over the two models above, as
                                                 `tools.train` writes it

Tokenisers are trained here on Russian listing text, so a text costs about as many tokens as with the
real ones. The toxicity classifier's head is set to say «non-toxic»: the bench times the checks, and
random verdicts must not end a run early.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch

from core.catalogue import BERTSCORE_MODEL, DECODER_MODEL, RUCLIP_MODEL, TOXICITY_MODEL
from core.settings import PROJECT_ROOT

VERSION = 1  # raise when a builder changes, so old caches are rebuilt
DONE = "complete.json"
ED_CHECKPOINT = "vit-rugpt2"
PREFIX_CHECKPOINT = "prefix"
RUGPT3_SMALL = {"vocab_size": 50264, "n_positions": 2048, "n_embd": 768, "n_layer": 12, "n_head": 12}
RUBERT_TINY = {"vocab_size": 29564, "hidden_size": 312, "num_hidden_layers": 3, "num_attention_heads": 12,
               "intermediate_size": 600, "max_position_embeddings": 512}  # fmt: skip
RUCLIP_MERGES = 1500  # the hub's BPE has 49 408 entries; this many merges on our corpus give ~ its lengths


def default_cache() -> Path:
    """`$LISTING_BENCH_CACHE`, else ~/.cache/listing-captions/bench-pipeline-v<VERSION>."""
    value = os.environ.get("LISTING_BENCH_CACHE", "").strip()
    if value:
        return Path(value)
    return Path.home() / ".cache" / "listing-captions" / f"bench-pipeline-v{VERSION}"


def is_built(root: Path) -> bool:
    """Whether `root` holds a finished build of this version."""
    done = root / DONE
    return done.is_file() and json.loads(done.read_text()).get("version") == VERSION


def listing_corpus() -> list[str]:
    """Russian listing texts (titles, texts, attribute values) from tests/data/diversity.jsonl."""
    lines = (PROJECT_ROOT / "tests" / "data" / "diversity.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [
        f"{r.get('title', '')} {r.get('text', '')} {' '.join(r.get('attributes', {}).values())}" for r in rows
    ]


def wordpiece_vocab(size: int) -> list[str]:
    """A WordPiece vocabulary trained on the listing corpus and padded with `[unusedN]` to `size`."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    from tests.tiny_bert import SPECIAL

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=8000, special_tokens=SPECIAL)
    tokenizer.train_from_iterator(listing_corpus(), trainer)
    vocab = [token for token, _ in sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])]
    return vocab + [f"[unused{i}]" for i in range(size - len(vocab))]


def build_ruclip(folder: Path) -> None:
    """ruCLIP ViT-B/32-384 in the hub layout; its BPE trained on the listing corpus."""
    from ruclip_port.model import RuCLIPConfig
    from tests.tiny_models import HUB_B32_384, train_tiny_bpe, write_random_ruclip

    bpe = train_tiny_bpe(" ".join(listing_corpus()), merges=RUCLIP_MERGES)
    write_random_ruclip(folder, RuCLIPConfig.from_dict(HUB_B32_384), bpe)


def build_toxicity(folder: Path) -> None:
    """rubert-tiny-toxicity's shapes and labels; the head always leans to «non-toxic»."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from moderation.text.toxicity import LABELS

    folder.mkdir(parents=True)
    vocab = wordpiece_vocab(RUBERT_TINY["vocab_size"])
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=False).save_pretrained(folder)
    config = BertConfig(
        **RUBERT_TINY, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)}, problem_type="multi_label_classification",
    )  # fmt: skip
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.mul_(0.01)
        model.classifier.bias.copy_(torch.tensor([6.0 if label == "non-toxic" else -6.0 for label in LABELS]))
    model.save_pretrained(folder)


def build_mbert(folder: Path) -> None:
    """bert-base-multilingual-cased's shapes (the BERTScore model)."""
    from bench.bench_bertscore import MBERT_VOCAB
    from tests.tiny_bert import make_tiny_bert

    vocab = wordpiece_vocab(MBERT_VOCAB)
    make_tiny_bert(folder, layers=12, hidden=768, heads=12, intermediate=3072, vocab=vocab)


def gpt2_tokenizer() -> Any:
    """A ruGPT-3-sized byte-level BPE tokenizer (50 264 entries, <|endoftext|> last)."""
    from transformers import PreTrainedTokenizerFast

    from bench.bench_neural import big_tokenizer

    return PreTrainedTokenizerFast(
        tokenizer_object=big_tokenizer(RUGPT3_SMALL["vocab_size"], ["<|endoftext|>"]),
        eos_token="<|endoftext|>", pad_token="<|endoftext|>",
    )  # fmt: skip


def build_decoder(folder: Path) -> None:
    """ruGPT-3 small's shapes, as the base decoder a prefix checkpoint names."""
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = gpt2_tokenizer()
    eos = tokenizer.eos_token_id
    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config(**RUGPT3_SMALL, bos_token_id=eos, eos_token_id=eos)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def build_encoder_decoder(folder: Path) -> None:
    """ViT-B/16 + ruGPT-3 small with cross-attention (tuman/vit-rugpt2-image-captioning's shapes) under
    the project's own vit-rugpt2 manifest (4 beams, 32 new tokens)."""
    from bench.bench_neural import build_ed

    torch.manual_seed(0)
    build_ed(folder)
    project = json.loads((PROJECT_ROOT / "checkpoints" / ED_CHECKPOINT / "checkpoint.json").read_text())
    (folder / "checkpoint.json").write_text(json.dumps(project, ensure_ascii=False), encoding="utf-8")


def build_prefix(folder: Path, models: Path) -> None:
    """A prefix checkpoint as `tools.train` writes it: references to the decoder and ruCLIP in `models`,
    mapper, LoRA r=8 adapter with the added tokens' rows, tokenizer, manifest (160 new tokens)."""
    from peft import LoraConfig, get_peft_model

    from captioning.prefix import (
        PrefixConfig,
        PrefixMapper,
        PrefixModel,
        build_decoder,
        save_parts,
        special_tokens,
    )
    from tools.train import TrainArgs

    tokenizer = gpt2_tokenizer()
    tokenizer.add_special_tokens({"additional_special_tokens": special_tokens()})
    torch.manual_seed(0)
    decoder = build_decoder(models / DECODER_MODEL, tokenizer, torch.float32)
    config = PrefixConfig(decoder=DECODER_MODEL, vision=RUCLIP_MODEL, clip_dim=512, hidden=768,
                          added_tokens=tuple(special_tokens()))  # fmt: skip
    lora = LoraConfig(
        r=config.lora_r, lora_alpha=config.lora_alpha, target_modules=list(config.lora_targets),
        fan_in_fan_out=True, init_lora_weights=False,
        trainable_token_indices={"wte": tokenizer.convert_tokens_to_ids(special_tokens())},
    )  # fmt: skip
    model = PrefixModel(config, PrefixMapper(config), get_peft_model(decoder, lora))
    generation = {"max_new_tokens": TrainArgs.max_new_tokens, "no_repeat_ngram_size": 3}
    manifest = {"kind": "prefix", "title": "Префиксная модель", "images": "multi", "generation": generation}
    save_parts(folder, model, tokenizer, manifest)


def build(root: Path) -> Path:
    """Build every folder under `root` (replacing an unfinished build); return `root`."""
    shutil.rmtree(root, ignore_errors=True)
    models, checkpoints = root / "models", root / "checkpoints"
    build_ruclip(models / RUCLIP_MODEL)
    build_toxicity(models / TOXICITY_MODEL)
    build_mbert(models / BERTSCORE_MODEL)
    build_decoder(models / DECODER_MODEL)
    (checkpoints / "template").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "checkpoints" / "template" / "checkpoint.json", checkpoints / "template")
    build_encoder_decoder(checkpoints / ED_CHECKPOINT)
    build_prefix(checkpoints / PREFIX_CHECKPOINT, models)
    (root / DONE).write_text(json.dumps({"version": VERSION}), encoding="utf-8")
    return root
