"""Single-photo caption models: a transformers VisionEncoderDecoderModel (e.g. ViT + ruGPT-3).

The model writes a short caption of one photo; the template composer weaves it into the listing, so
the numbers still come only from masking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from transformers import (
    AutoImageProcessor,
    AutoTokenizer,
    DynamicCache,
    EncoderDecoderCache,
    VisionEncoderDecoderModel,
)

from captioning import gpt2_beam
from captioning.base import DiversityLabel, Generation
from captioning.neural import (
    Decoded,
    GenerationOptions,
    checked_options,
    generate_ids,
    load_model,
    load_pretrained,
    photo_encoder,
    quantized,
    russian_errors,
)
from captioning.template import compose_listing
from core.models import ModelStore
from masking.types import MaskedListing
from photos import model_copy

KIND = "encoder-decoder"


class OnePhotoCache(EncoderDecoderCache):
    """The decoder's key/value cache when every beam looks at the same photo.

    The cross-attention keys and values then hold the same rows for every beam, so beam search need not
    reorder them: only the self-attention part is reordered. transformers reorders both, which copies
    the encoder's keys and values of every layer at every step (a third of a 4-beam caption's time on a
    2-core CPU, bench_pipeline); the text is the same bit for bit.
    """

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        self.self_attention_cache.reorder_cache(beam_idx)


@dataclass(frozen=True)
class Caption:
    """One photo's caption, its generated token count and mean token probability."""

    text: str
    tokens: int
    confidence: float


class EncoderDecoderCaptioner:
    """Captions the first photo it is given and composes the listing around the caption."""

    def __init__(
        self, folder: Path, model: Any, image_processor: Any, tokenizer: Any, options: GenerationOptions
    ) -> None:
        self.folder = folder
        self.model = model
        self.image_processor = image_processor
        self.tokenizer = tokenizer
        self.options = options

    def preprocess(self, image: Image.Image) -> dict[str, Any]:
        """Pixel values for one photo (resized from its shared copy at model scale), on the model's device
        and dtype."""
        pixels = self.image_processor(images=model_copy(image), return_tensors="pt")["pixel_values"]
        return {"pixel_values": pixels.to(self.model.device, self.model.dtype)}

    def caption(self, image: Image.Image) -> Caption:
        """Describe one photo in a short sentence."""
        pixels = self.preprocess(image)["pixel_values"]
        with russian_errors(self.folder, "запустить"):
            decoded = self.decode(pixels)
        text = self.tokenizer.decode(decoded.ids, skip_special_tokens=True)
        return Caption(re.sub(r"\s+", " ", text).strip(), len(decoded.ids), decoded.confidence)

    def decode(self, pixels: torch.Tensor) -> Decoded:
        """The caption's ids for one photo's pixel values: the lean beam search where it computes what
        `generate` would (captioning.gpt2_beam), else `generate`, the photo's cache shared by the beams."""
        if gpt2_beam.supports(self.model, self.options, pixels):
            return gpt2_beam.beam_decode(self.model, pixels, self.options)
        config = self.model.config.get_text_config(decoder=True)
        cache = OnePhotoCache(DynamicCache(config=config), DynamicCache(config=config))
        return generate_ids(self.model, {"pixel_values": pixels, "past_key_values": cache}, self.options)

    def generate(
        self, masked: MaskedListing, diversity: DiversityLabel, images: Sequence[Image.Image]
    ) -> Generation:
        """Compose the listing around a caption of `images[0]` (the router's choice); no photo, no caption."""
        if not images:
            return replace(compose_listing(masked, diversity, images), tokens=0)
        caption = self.caption(images[0])
        composed = compose_listing(masked, diversity, images, photo_caption=caption.text or None)
        return replace(composed, tokens=caption.tokens, confidence=caption.confidence)


def load(folder: Path, manifest: dict[str, Any], models: ModelStore) -> EncoderDecoderCaptioner:
    """Load a VisionEncoderDecoderModel checkpoint folder with its image processor and tokenizer."""
    options, device = checked_options(folder, manifest, models, KIND, ("vision-encoder-decoder",))
    model = load_model(VisionEncoderDecoderModel, folder, options, device)
    model = quantized(model, options, models, ("decoder",))
    photo_encoder(model.encoder, options, models)
    image_processor = load_pretrained(AutoImageProcessor.from_pretrained, folder, "обработчика фото")
    tokenizer = load_pretrained(AutoTokenizer.from_pretrained, folder, "токенизатора")
    return EncoderDecoderCaptioner(folder, model, image_processor, tokenizer, options)
