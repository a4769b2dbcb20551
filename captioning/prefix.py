"""Multi-photo prefix captioner (ruCLIPCap-style): frozen ruCLIP vision tower → trained mapper → a GPT-2
decoder with a LoRA adapter.

Each photo's ruCLIP image feature becomes `prefix_length` decoder embeddings, preceded by that photo's
learned separator embedding (`<IMG_1>` … `<IMG_10>`). The prompt that follows is the masked attributes,
the seller's masked text and the diversity token; the decoder continues with the listing text, numbers
as masking tokens. Mask and diversity tokens are special tokens of the checkpoint's own tokenizer; their
embedding rows are trained and saved with the LoRA adapter (peft `trainable_token_indices`).

A checkpoint folder holds `checkpoint.json` (kind "prefix", images "multi"), `prefix_config.json`
(sizes and the references to the decoder base and the vision tower), `mapper.safetensors`, the peft
adapter (`adapter_config.json`, `adapter_model.safetensors`) and the tokenizer files.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from safetensors.torch import load_file, save_file
from torch import nn

from captioning import gpt2_greedy
from captioning.base import DiversityLabel, Generation
from captioning.files import MAPPER_FILE, PREFIX_CONFIG, missing_files
from captioning.neural import (
    Decoded,
    GenerationOptions,
    NeuralModelError,
    check_kind,
    check_model_type,
    choose_dtype,
    generate_ids,
    load_pretrained,
    quantized,
    russian_errors,
)
from core.models import ModelStore
from core.settings import Settings
from masking.fields import TOKEN_TYPES
from masking.tokens import token_name
from masking.types import MaskedListing

log = logging.getLogger(__name__)

KIND = "prefix"
DECODER_TYPES = ("gpt2",)
DIVERSITY_TOKENS: tuple[DiversityLabel, ...] = ("<SINGLE>", "<VARIATIVE>")
# masking numbers repeated values of a type: <SIZE>, <SIZE_2>, …; this many get their own token each
TOKEN_REPEATS = 4
IGNORE = -100


def special_tokens() -> list[str]:
    """Every masking token (each type, numbered up to TOKEN_REPEATS) and the two diversity tokens."""
    masks = [token_name(kind, n) for kind in TOKEN_TYPES for n in range(1, TOKEN_REPEATS + 1)]
    return [*masks, *DIVERSITY_TOKENS]


def prompt_body(masked: MaskedListing) -> str:
    """The prompt text before the diversity token: one `name: value` line per attribute, then the text."""
    lines = [f"{name}: {value}" for name, value in masked.attributes.items()]
    if masked.text.strip():
        lines.append(f"Текст продавца: {masked.text.strip()}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PrefixConfig:
    """Shapes of the mapper and prompt, the references it was trained with, and its LoRA settings."""

    decoder: str
    vision: str
    clip_dim: int
    hidden: int
    prefix_length: int = 8
    max_images: int = 10
    mapper_hidden: int = 1024
    max_prompt_tokens: int = 256
    max_target_tokens: int = 256
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_targets: tuple[str, ...] = ("c_attn", "c_proj", "c_fc")
    added_tokens: tuple[str, ...] = field(default_factory=tuple)

    def save(self, folder: Path) -> None:
        """Write `prefix_config.json`."""
        text = json.dumps(asdict(self), ensure_ascii=False, indent=2)
        (folder / PREFIX_CONFIG).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> PrefixConfig:
        """Read `prefix_config.json`; NeuralModelError in Russian when it is missing or malformed."""
        path = folder / PREFIX_CONFIG
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["lora_targets"] = tuple(data.get("lora_targets", cls.lora_targets))
            data["added_tokens"] = tuple(data.get("added_tokens", ()))
            return cls(**data)
        except (OSError, ValueError, TypeError) as error:
            raise NeuralModelError(f"Не читается {path}: {error}") from error


class PrefixMapper(nn.Module):
    """ruCLIP image features → `prefix_length` decoder embeddings per photo, each photo led by its own
    learned separator embedding."""

    def __init__(self, config: PrefixConfig) -> None:
        super().__init__()
        self.prefix_length = config.prefix_length
        self.hidden = config.hidden
        self.norm = nn.LayerNorm(config.clip_dim)
        self.mlp = nn.Sequential(
            nn.Linear(config.clip_dim, config.mapper_hidden),
            nn.Tanh(),
            nn.Linear(config.mapper_hidden, config.prefix_length * config.hidden),
        )
        self.separators = nn.Parameter(torch.randn(config.max_images, config.hidden) * 0.02)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """(n_photos, clip_dim) → (n_photos · (1 + prefix_length), hidden)."""
        n = features.shape[0]
        if n > self.separators.shape[0]:
            raise ValueError(f"{n} photos, the mapper knows {self.separators.shape[0]}")
        prefix = self.mlp(self.norm(features.to(self.norm.weight.dtype))).view(
            n, self.prefix_length, self.hidden
        )
        return torch.cat([self.separators[:n].unsqueeze(1), prefix], dim=1).reshape(-1, self.hidden)


@dataclass
class Batch:
    """Decoder inputs for a batch: embeddings, attention mask and labels (IGNORE outside the targets)."""

    embeds: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor | None


class PrefixModel(nn.Module):
    """The mapper and the decoder (a peft model while training, merged for inference)."""

    def __init__(self, config: PrefixConfig, mapper: PrefixMapper, decoder: Any) -> None:
        super().__init__()
        self.config = config
        self.mapper = mapper
        self.decoder = decoder

    def assemble(
        self,
        features: Sequence[torch.Tensor],
        prompts: Sequence[list[int]],
        targets: Sequence[list[int]] | None = None,
    ) -> Batch:
        """Right-padded decoder inputs: [separator, prefix] per photo, prompt ids, then target ids.

        Labels (only with `targets`) are the target ids; photos, prompt and padding are IGNORE.
        """
        device = self.mapper.separators.device
        embed = self.decoder.get_input_embeddings()
        rows, labels = [], []
        for i, (photo_features, prompt) in enumerate(zip(features, prompts, strict=True)):
            target = list(targets[i]) if targets is not None else []
            ids = torch.tensor(prompt + target, dtype=torch.long, device=device)
            parts = [self.mapper(photo_features.to(device))] if len(photo_features) else []
            parts.append(embed(ids))
            row = torch.cat([p.to(parts[-1].dtype) for p in parts])
            rows.append(row)
            labels.append([IGNORE] * (len(row) - len(target)) + target)
        length = max(len(row) for row in rows)
        hidden = rows[0].shape[1]
        embeds = rows[0].new_zeros(len(rows), length, hidden)
        mask = torch.zeros(len(rows), length, dtype=torch.long, device=device)
        label_tensor = torch.full((len(rows), length), IGNORE, dtype=torch.long, device=device)
        for i, row in enumerate(rows):
            embeds[i, : len(row)] = row
            mask[i, : len(row)] = 1
            label_tensor[i, : len(row)] = torch.tensor(labels[i], device=device)
        return Batch(embeds, mask, label_tensor if targets is not None else None)

    def forward(
        self, features: Sequence[torch.Tensor], prompts: Sequence[list[int]], targets: Sequence[list[int]]
    ) -> torch.Tensor:
        """The training loss: mean cross-entropy of the target tokens given photos and prompt (teacher
        forcing). It is the forward pass, so data-parallel and mixed-precision wrappers see it."""
        batch = self.assemble(features, prompts, targets)
        out = self.decoder(
            inputs_embeds=batch.embeds, attention_mask=batch.attention_mask, labels=batch.labels
        )
        return out.loss


class PromptCoder:
    """Turns masked listings and targets into token ids with the checkpoint's tokenizer."""

    def __init__(self, tokenizer: Any, config: PrefixConfig) -> None:
        self.tokenizer = tokenizer
        self.config = config

    def prompt(
        self, masked: MaskedListing, diversity: DiversityLabel, budget: int | None = None
    ) -> list[int]:
        """Prompt ids: the body cut to the token budget, then the diversity token."""
        limit = min(self.config.max_prompt_tokens, budget or self.config.max_prompt_tokens) - 1
        ids = self.tokenizer.encode(prompt_body(masked), add_special_tokens=False)[: max(limit, 0)]
        return [*ids, self.tokenizer.convert_tokens_to_ids(diversity)]

    def target(self, text: str) -> list[int]:
        """Target ids: the masked description, then end-of-text (dropped if the text is cut)."""
        ids = self.tokenizer.encode(text.strip(), add_special_tokens=False)
        ids.append(self.tokenizer.eos_token_id)
        return ids[: self.config.max_target_tokens]

    def decode(self, ids: list[int]) -> str:
        """Generated ids → text, masking tokens kept as written."""
        text = self.tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
        return text.strip()


def save_parts(folder: Path, model: PrefixModel, tokenizer: Any, manifest: dict[str, Any]) -> None:
    """Write the checkpoint folder: manifest, config, mapper weights, LoRA adapter and tokenizer."""
    folder.mkdir(parents=True, exist_ok=True)
    model.config.save(folder)
    state = {k: v.detach().float().cpu().contiguous() for k, v in model.mapper.state_dict().items()}
    save_file(state, str(folder / MAPPER_FILE))
    # the added tokens' rows are in the adapter (trainable tokens); the base rows are unchanged
    model.decoder.save_pretrained(folder, save_embedding_layers=False)
    (folder / "README.md").unlink(missing_ok=True)  # peft's empty model card
    tokenizer.save_pretrained(folder)
    text = json.dumps(manifest, ensure_ascii=False, indent=2)
    (folder / "checkpoint.json").write_text(text + "\n", encoding="utf-8")


def load_mapper(folder: Path, config: PrefixConfig) -> PrefixMapper:
    """The trained mapper from `mapper.safetensors`."""
    mapper = PrefixMapper(config)
    mapper.load_state_dict(load_file(str(folder / MAPPER_FILE)), strict=True)
    return mapper


def resolve_reference(reference: str, folder: Path, settings: Settings) -> Path:
    """A model folder named by a checkpoint: an absolute path, a path relative to the checkpoint, a
    folder name (or hub id's last part) under the models folder, a path relative to the working folder,
    or a hub id already in the local Hugging Face cache. NeuralModelError in Russian when none exists."""
    path = Path(reference).expanduser()
    candidates = [path] if path.is_absolute() else [folder / path, settings.models_dir / path]
    candidates += [settings.models_dir / path.name, path]  # the last: relative to the working folder
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    if reference.count("/") == 1 and not path.is_absolute():
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError

        try:
            return Path(snapshot_download(reference, local_files_only=True))
        except (LocalEntryNotFoundError, ValueError, OSError):
            pass
    raise NeuralModelError(
        f"Чекпойнт {folder.name} ссылается на модель «{reference}», но её нет ни по этому пути, ни в "
        f"{settings.models_dir}: положите её в {settings.models_dir / Path(reference).name}"
    )


def reference_for(path: Path, settings: Settings) -> str:
    """How a checkpoint names a model folder: its name when it sits in the models folder, else its path."""
    path = path.resolve()
    if path.parent == settings.models_dir.resolve():
        return path.name
    return str(path)


def load_tower(reference: str, folder: Path, models: ModelStore) -> Any:
    """The ruCLIP model named by the checkpoint, through the model store: the pipeline's own instance
    when it is the models folder's ruCLIP, so the photos' tower is loaded once per process."""
    from ruclip_port import load_ruclip_from

    return load_ruclip_from(models, resolve_reference(reference, folder, models.settings))


class PrefixCaptioner:
    """Writes a listing from all its photos (up to `max_images`) and the masked prompt."""

    def __init__(
        self, folder: Path, model: PrefixModel, coder: PromptCoder, tower: Any, options: GenerationOptions
    ) -> None:
        self.folder = folder
        self.model = model
        self.coder = coder
        self.tower = tower
        self.options = options

    def features(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Unnormalised ruCLIP features of the first `max_images` photos, shape (n, clip_dim)."""
        kept = list(images)[: self.model.config.max_images]
        if len(images) > len(kept):
            log.warning(
                "Модель %s видит только первые %d фото из %d", self.folder.name, len(kept), len(images)
            )
        return self.tower.encode_images(kept, normalize=False)

    def prompt_budget(self, photos: int) -> int:
        """Prompt tokens that fit the decoder's context next to the photos and the new tokens."""
        positions = self.model.decoder.config.max_position_embeddings
        used = photos * (1 + self.model.config.prefix_length) + self.options.max_new_tokens
        return positions - used

    def generate(
        self, masked: MaskedListing, diversity: DiversityLabel, images: Sequence[Image.Image]
    ) -> Generation:
        """The masked listing text for these photos, with its token count and mean token probability."""
        with russian_errors(self.folder, "запустить"):
            features = self.features(images)
            budget = self.prompt_budget(len(features))
            if budget < 2:
                raise NeuralModelError(
                    f"Модель {self.folder.name}: контекст декодера мал для {len(features)} фото и "
                    f"{self.options.max_new_tokens} новых токенов (generation.max_new_tokens)"
                )
            prompt = self.coder.prompt(masked, diversity, budget)
            with torch.inference_mode():
                batch = self.model.assemble([features], [prompt])
            decoded = self.decode(batch)
        return Generation(
            self.coder.decode(decoded.ids), tokens=len(decoded.ids), confidence=decoded.confidence
        )

    def decode(self, batch: Batch) -> Decoded:
        """The decoder's continuation of the assembled inputs: the lean greedy loop where it computes what
        `generate` would (captioning.gpt2_greedy), else `generate`."""
        decoder = self.model.decoder
        if gpt2_greedy.supports(decoder, self.options, batch.embeds, batch.attention_mask):
            return gpt2_greedy.greedy_decode(decoder, batch.embeds, self.options)
        inputs = {"inputs_embeds": batch.embeds, "attention_mask": batch.attention_mask}
        return generate_ids(decoder, inputs, self.options)


def check_folder(folder: Path) -> None:
    """Refuse a prefix checkpoint folder that lacks any of its files."""
    missing = missing_files(folder, KIND)
    if missing:
        raise NeuralModelError(f"В папке чекпойнта {folder} не хватает файлов: {'; '.join(missing)}")


def build_decoder(base: Path, tokenizer: Any, dtype: torch.dtype) -> Any:
    """The base GPT-2 decoder with embeddings resized to the tokenizer (mask and diversity tokens added)
    and end-of-text/padding ids taken from the tokenizer."""
    from transformers import AutoModelForCausalLM

    check_model_type(base, DECODER_TYPES, KIND)
    decoder = load_pretrained(AutoModelForCausalLM.from_pretrained, base, "декодера", dtype=dtype)
    decoder.resize_token_embeddings(len(tokenizer))
    eos = tokenizer.eos_token_id
    decoder.generation_config.eos_token_id = eos
    decoder.generation_config.pad_token_id = (
        tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    )
    return decoder


def load(folder: Path, manifest: dict[str, Any], models: ModelStore) -> PrefixCaptioner:
    """Load a prefix checkpoint: tokenizer, base decoder + merged LoRA adapter, mapper, vision tower."""
    from peft import PeftModel
    from transformers import AutoTokenizer

    check_kind(manifest, KIND, folder)
    check_folder(folder)
    config = PrefixConfig.read(folder)
    options = GenerationOptions.from_manifest(manifest, folder)
    device = torch.device(models.device)
    dtype = choose_dtype(options, device)
    tokenizer = load_pretrained(AutoTokenizer.from_pretrained, folder, "токенизатора")
    decoder = build_decoder(resolve_reference(config.decoder, folder, models.settings), tokenizer, dtype)
    with russian_errors(folder, "загрузить"):
        decoder = PeftModel.from_pretrained(decoder, folder).merge_and_unload()
        mapper = load_mapper(folder, config)
    model = PrefixModel(config, mapper, decoder).to(device=device, dtype=dtype).eval()
    model = quantized(model, options, models, ("decoder",))
    tower = load_tower(config.vision, folder, models)
    return PrefixCaptioner(folder, model, PromptCoder(tokenizer, config), tower, options)
