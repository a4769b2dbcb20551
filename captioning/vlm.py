"""Multi-image chat VLMs: AutoModelForImageTextToText with the Qwen2-VL image-token scheme.

Qwen2-VL and Qwen2.5-VL checkpoints as published. All photos go into one prompt, scaled down to the
manifest's pixel budget; a listing without photos is described from its attributes and text alone.

Inputs are built from the tokenizer, the image processor and the chat template (`ChatInputs`), not
from `AutoProcessor`: transformers' Qwen2-VL processor also loads a video processor that needs
torchvision, which the CPU torch build this project runs on does not have.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image
from transformers import AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer, BatchFeature

from captioning.base import DiversityLabel, Generation
from captioning.neural import (
    GenerationOptions,
    NeuralModelError,
    checked_options,
    generate_ids,
    load_model,
    load_pretrained,
    quantized,
    russian_errors,
)
from core.models import ModelStore
from masking.tokens import find_tokens
from masking.types import MaskedListing

KIND = "vlm"
LANGUAGE_MODEL = ("model.language_model", "lm_head")  # what `"quantize": "int8"` turns to int8
MODEL_TYPES = ("qwen2_vl", "qwen2_5_vl")
IMAGE_TOKEN_TYPE = 1  # mm_token_type_ids value of an image placeholder (0 is text)
CONTROL_RE = re.compile(r"<\|[^<>|]{0,40}\|>")  # chat-template markers such as <|im_end|>, <|image_pad|>
SMALLEST_SIDE = 28

DIVERSITY_RU: dict[str, str] = {
    "<SINGLE>": "Продаётся один товар — опиши его как одну вещь.",
    "<VARIATIVE>": "Продаётся несколько предметов или набор (лот) — опиши это как набор, а не одну вещь.",
}


def fit_photos(images: Sequence[Image.Image], pixel_budget: int, max_side: int) -> list[Image.Image]:
    """RGB copies scaled down (never up) so each has at most `max_side` per side and all together at most
    `pixel_budget` pixels; the aspect ratio is kept."""
    if not images:
        return []
    per_photo = pixel_budget / len(images)
    fitted = []
    for image in images:
        width, height = image.size
        scale = min(1.0, max_side / max(width, height), math.sqrt(per_photo / (width * height)))
        size = (max(SMALLEST_SIDE, round(width * scale)), max(SMALLEST_SIDE, round(height * scale)))
        rgb = image.convert("RGB")
        fitted.append(rgb if size == rgb.size else rgb.resize(size, Image.Resampling.BICUBIC))
    return fitted


def build_prompt(masked: MaskedListing, diversity: DiversityLabel, photo_count: int) -> str:
    """The Russian instruction: the masked attributes and text, the diversity label and the rules.

    Chat-template markers typed by the seller (`<|im_end|>`, `<|image_pad|>`, …) are dropped, so the
    listing can't end the user turn or claim photo slots."""
    masked = MaskedListing(
        attributes={CONTROL_RE.sub("", k): CONTROL_RE.sub("", v) for k, v in masked.attributes.items()},
        text=CONTROL_RE.sub("", masked.text),
        values=masked.values,
    )
    lines = [
        "Напиши описание товара для объявления на маркетплейсе: 2–5 предложений по-русски, без заголовков."
    ]
    if photo_count:
        lines.append(f"Фотографий товара: {photo_count}.")
    else:
        lines.append("Фотографий нет — пиши только по характеристикам и тексту продавца.")
    if masked.attributes:
        lines.append("Характеристики:")
        lines += [f"- {name}: {value}" for name, value in masked.attributes.items()]
    if masked.text.strip():
        lines.append(f"Текст продавца: {masked.text.strip()}")
    lines.append(DIVERSITY_RU[diversity])
    found = [*masked.values, *find_tokens(" ".join([*masked.attributes.values(), masked.text]))]
    tokens = list(dict.fromkeys(found))
    if tokens:
        lines.append(
            f"Метки {', '.join(tokens)} скрывают числа: переписывай их в точности как есть, в угловых "
            "скобках, и не заменяй цифрами."
        )
    lines.append(
        "Не пиши цифр и не утверждай ничего, чего нет на фотографиях или в характеристиках: "
        "не придумывай бренд, размер, цвет, состояние или дефекты."
    )
    return "\n".join(lines)


def read_chat_template(folder: Path, tokenizer: Any) -> str:
    """The chat template: the tokenizer's own, else chat_template.jinja or .json in the folder."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.chat_template
    jinja, as_json = folder / "chat_template.jinja", folder / "chat_template.json"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    if as_json.is_file():
        template = json.loads(as_json.read_text(encoding="utf-8")).get("chat_template")
        if isinstance(template, str) and template:
            return template
    raise NeuralModelError(f"У модели в {folder} нет шаблона чата (chat_template) — её нельзя запустить")


class ChatInputs:
    """Builds model inputs from chat messages and photos, as the Qwen2-VL processor does for images:
    each image placeholder becomes one token per merged patch of that image's grid."""

    def __init__(self, tokenizer: Any, image_processor: Any, chat_template: str, image_token_id: int) -> None:
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.chat_template = chat_template
        self.image_token_id = image_token_id
        self.image_token = tokenizer.convert_ids_to_tokens(image_token_id)

    def __call__(self, messages: list[dict[str, Any]], images: Sequence[Image.Image]) -> BatchFeature:
        """input_ids, attention_mask, mm_token_type_ids (+ pixel_values, image_grid_thw with photos)."""
        text = self.tokenizer.apply_chat_template(
            messages, chat_template=self.chat_template, tokenize=False, add_generation_prompt=True
        )
        vision: dict[str, Any] = {}
        if images:
            vision = dict(self.image_processor(images=list(images), return_tensors="pt"))
            per_image = vision["image_grid_thw"].prod(-1) // self.image_processor.merge_size**2
            pieces = text.split(self.image_token)
            if len(pieces) != len(images) + 1:
                raise NeuralModelError(
                    f"Шаблон чата дал {len(pieces) - 1} мест для фото вместо {len(images)}"
                )
            tokens = [self.image_token * int(n) for n in per_image]
            text = pieces[0] + "".join(t + rest for t, rest in zip(tokens, pieces[1:], strict=True))
        encoded = self.tokenizer(text, return_tensors="pt", add_special_tokens=False)
        token_types = (encoded["input_ids"] == self.image_token_id).long() * IMAGE_TOKEN_TYPE
        return BatchFeature({**encoded, "mm_token_type_ids": token_types, **vision})


class VlmCaptioner:
    """A chat VLM that writes the listing from all photos and the masked listing in one prompt."""

    def __init__(self, folder: Path, model: Any, inputs: ChatInputs, options: GenerationOptions) -> None:
        self.folder = folder
        self.model = model
        self.inputs = inputs
        self.options = options

    def prepare(
        self, masked: MaskedListing, diversity: DiversityLabel, images: Sequence[Image.Image]
    ) -> BatchFeature:
        """Model inputs: the chat-formatted prompt with every photo, on the model's device and dtype."""
        photos = fit_photos(images, self.options.pixel_budget, self.options.max_image_side)
        parts: list[dict[str, str]] = [{"type": "image"} for _ in photos]
        parts.append({"type": "text", "text": build_prompt(masked, diversity, len(photos))})
        inputs = self.inputs([{"role": "user", "content": parts}], photos)
        return inputs.to(self.model.device, dtype=self.model.dtype)

    def generate(
        self, masked: MaskedListing, diversity: DiversityLabel, images: Sequence[Image.Image]
    ) -> Generation:
        """Write the masked listing description (tokens such as `<PRICE>` are restored later)."""
        with russian_errors(self.folder, "запустить"):
            decoded = generate_ids(self.model, dict(self.prepare(masked, diversity, images)), self.options)
        text = self.inputs.tokenizer.decode(decoded.ids, skip_special_tokens=True)
        return Generation(text.strip(), tokens=len(decoded.ids), confidence=decoded.confidence)


def load(folder: Path, manifest: dict[str, Any], models: ModelStore) -> VlmCaptioner:
    """Load a Qwen2-VL-family folder (with its LoRA adapter when the folder has adapter_config.json)."""
    options, device = checked_options(folder, manifest, models, KIND, MODEL_TYPES)
    tokenizer = load_pretrained(AutoTokenizer.from_pretrained, folder, "токенизатора")
    image_processor = load_pretrained(AutoImageProcessor.from_pretrained, folder, "обработчика фото")
    chat_template = read_chat_template(folder, tokenizer)
    model = load_model(AutoModelForImageTextToText, folder, options, device)
    model = quantized(model, options, models, LANGUAGE_MODEL)
    inputs = ChatInputs(tokenizer, image_processor, chat_template, model.config.image_token_id)
    return VlmCaptioner(folder, model, inputs, options)
