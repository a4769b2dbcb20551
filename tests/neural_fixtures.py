"""Tiny random models of the real neural caption architectures, saved as checkpoint folders.

Shapes follow transformers' own tests (hidden size 32, 2 layers); the tokenizers are small byte-level
BPEs trained here with `tokenizers`, so nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedTokenizerFast,
    Qwen2VLConfig,
    Qwen2VLForConditionalGeneration,
    Qwen2VLImageProcessor,
    VisionEncoderDecoderModel,
    ViTConfig,
    ViTImageProcessor,
    ViTModel,
)

CORPUS = [
    "Продаётся детская куртка синего цвета, размер <SIZE>, цена <PRICE> руб.",
    "Платье летнее, хлопок, почти новое. Отдам за <PRICE>.",
    "Набор из <QUANTITY> стульев, дерево, состояние хорошее, год <YEAR>.",
    "Шапка вязаная, шерсть, зелёная. Самовывоз от метро.",
    "Кроссовки мужские, белые, размер <SIZE>, носил один сезон.",
    "Человек стоит на улице рядом с машиной. Детские туфли на полу.",
    "Brand Nike Adidas Zara, model 2020, iPhone 12 Pro 128 GB.",
    "Товар в отличном состоянии, без дефектов, с чеком и коробкой.",
    "Характеристики: Цвет: чёрный; Материал: кожа; Состояние: б/у.",
]
QWEN_SPECIAL = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
]
QWEN_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}"
    "<|vision_start|><|image_pad|><|vision_end|>{% elif part['type'] == 'text' %}{{ part['text'] }}"
    "{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def train_bpe(special_tokens: list[str], vocab_size: int = 400) -> Tokenizer:
    """A byte-level BPE trained on a few Russian listing sentences (every byte stays encodable)."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(CORPUS * 4, trainer=trainer)
    return tokenizer


def read_manifest(folder: Path) -> dict[str, Any]:
    """A checkpoint folder's checkpoint.json."""
    return json.loads((folder / "checkpoint.json").read_text(encoding="utf-8"))


def random_photos(count: int, height: int, width: int) -> list[Image.Image]:
    """Seeded noise photos of one size (the tiny models see pixels, not content)."""
    generator = torch.Generator().manual_seed(0)
    return [
        Image.fromarray((torch.rand(height, width, 3, generator=generator) * 255).to(torch.uint8).numpy())
        for _ in range(count)
    ]


def write_manifest(folder: Path, kind: str, images: str, generation: dict[str, Any]) -> None:
    """The checkpoint.json the registry reads."""
    manifest = {
        "kind": kind,
        "title": f"tiny {kind}",
        "images": images,
        "source": {"hub": f"tests/tiny-{kind}", "revision": "main"},
        "generation": generation,
    }
    (folder / "checkpoint.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def save_legacy_gpt2_tokenizer(tokenizer: PreTrainedTokenizerFast, folder: Path) -> None:
    """vocab.json + merges.txt + tokenizer_config.json naming GPT2Tokenizer, as ruGPT-3 repos ship them."""
    tokenizer.backend_tokenizer.model.save(str(folder))
    config = {"tokenizer_class": "GPT2Tokenizer", "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
              "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")


def build_vit_gpt2(folder: Path, generation: dict[str, Any] | None = None) -> Path:
    """A ViT encoder + GPT-2 decoder VisionEncoderDecoderModel checkpoint folder (random weights)."""
    torch.manual_seed(0)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(["<|endoftext|>"]),
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
    )
    special = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    encoder = ViTModel(
        ViTConfig(
            image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=37,
        ),
    )
    decoder = GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(tokenizer), n_positions=128, n_embd=32, n_layer=2, n_head=2,
            add_cross_attention=True, bos_token_id=special, eos_token_id=special,
        )
    )
    with torch.no_grad():  # a random decoder would often end at once; keep end-of-text unlikely
        decoder.transformer.wte.weight[special] = 0.0
    model = VisionEncoderDecoderModel(encoder=encoder, decoder=decoder)
    model.config.decoder_start_token_id = special
    model.config.pad_token_id = special
    model.config.eos_token_id = special
    model.generation_config.decoder_start_token_id = special
    model.generation_config.pad_token_id = special
    model.generation_config.eos_token_id = special
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    save_legacy_gpt2_tokenizer(tokenizer, folder)
    # the published ViT captioners still ship a ViTFeatureExtractor config with an integer size
    legacy = ViTImageProcessor().to_dict() | {"feature_extractor_type": "ViTFeatureExtractor", "size": 32}
    legacy.pop("image_processor_type", None)
    (folder / "preprocessor_config.json").write_text(json.dumps(legacy), encoding="utf-8")
    write_manifest(folder, "encoder-decoder", "single", generation or {"max_new_tokens": 12})
    return folder


def build_qwen2_vl(folder: Path, generation: dict[str, Any] | None = None) -> Path:
    """A Qwen2-VL checkpoint folder: 2-layer text model, 2-block vision tower, tokenizer, image processor
    and chat template, laid out like the published repos."""
    torch.manual_seed(0)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(QWEN_SPECIAL), eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in QWEN_SPECIAL}
    config = Qwen2VLConfig(
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": 32, "intermediate_size": 37,
            "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1,
            "max_position_embeddings": 1024, "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"], "pad_token_id": ids["<|endoftext|>"],
            "rope_parameters": {"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10000.0},
        },
        vision_config={
            "depth": 2, "embed_dim": 32, "hidden_size": 32, "num_heads": 2, "mlp_ratio": 2,
            "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    model = Qwen2VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    Qwen2VLImageProcessor(min_pixels=28 * 28, max_pixels=56 * 56).save_pretrained(folder)
    # the published Qwen2-VL repos keep the template in the processor's chat_template.json
    template = json.dumps({"chat_template": QWEN_CHAT_TEMPLATE})
    (folder / "chat_template.json").write_text(template, encoding="utf-8")
    write_manifest(folder, "vlm", "multi", generation or {"max_new_tokens": 12, "pixel_budget": 10 * 56 * 56})
    return folder


def add_lora(folder: Path) -> None:
    """Save a peft LoRA adapter (non-zero, so it changes the output) into a Qwen2-VL checkpoint folder."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(1)
    base = Qwen2VLForConditionalGeneration.from_pretrained(folder)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(base, lora).save_pretrained(folder)
