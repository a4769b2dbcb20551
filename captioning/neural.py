"""What the neural caption kinds share: options, device and dtype, file checks, errors, decoding."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import torch

from captioning.base import MAX_IMAGE_SIDE
from captioning.files import ADAPTER_CONFIG, missing_files
from core.catalogue import download_command
from core.models import ModelLoadError, ModelStore
from core.placement import QUANTIZE_CHOICES, Placement

log = logging.getLogger(__name__)

T = TypeVar("T")

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


class NeuralModelError(ModelLoadError):
    """A caption model can't be loaded or run; the message is Russian and names the folder."""


# name -> (type, smallest allowed value) for the manifest's numeric `generation` options
_NUMERIC = {
    "num_beams": (int, 1),
    "max_new_tokens": (int, 1),
    "no_repeat_ngram_size": (int, 0),
    "repetition_penalty": (float, 1.0),
    "pixel_budget": (int, 28 * 28),
    "max_image_side": (int, 28),
}


@dataclass(frozen=True)
class GenerationOptions:
    """Decoding options from the manifest's `generation` block. Decoding is deterministic (greedy or
    beam search) so the same listing always gets the same text; `pixel_budget` (all photos together) and
    `max_image_side` (each photo) bound how large the photos reach a multi-image model; `quantize`
    "int8" runs the language model's Linear layers in int8 on the CPU (ignored on a GPU)."""

    num_beams: int = 1
    max_new_tokens: int = 64
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0
    do_sample: bool = False
    dtype: str = "auto"
    pixel_budget: int = 802_816
    max_image_side: int = MAX_IMAGE_SIDE
    quantize: str = "none"

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], folder: Path) -> GenerationOptions:
        """Read and check the `generation` block; unknown or out-of-range values are refused in Russian."""
        block = manifest.get("generation") or {}
        where = f"{folder}/checkpoint.json: generation"
        if not isinstance(block, dict):
            raise NeuralModelError(f"{where} должно быть объектом")
        unknown = sorted(set(block) - set(cls.__dataclass_fields__))
        if unknown:
            raise NeuralModelError(f"{where}: неизвестные параметры {', '.join(unknown)}")
        for name, (kind, least) in _NUMERIC.items():
            value = block.get(name, least)
            if isinstance(value, bool) or not isinstance(value, (int, kind)) or value < least:
                what = "целым" if kind is int else "числом"
                raise NeuralModelError(f"{where}.{name} должно быть {what} ≥ {least}")
        if block.get("do_sample", False) is not False:
            raise NeuralModelError(f"{where}.do_sample: поддерживается только false (текст воспроизводим)")
        if block.get("dtype", "auto") not in ("auto", *DTYPES):
            raise NeuralModelError(f"{where}.dtype — одно из auto, {', '.join(DTYPES)}")
        quantize = block.get("quantize", "none")
        if quantize not in QUANTIZE_CHOICES:
            raise NeuralModelError(f"{where}.quantize — одно из {', '.join(QUANTIZE_CHOICES)}")
        if quantize == "int8" and block.get("dtype", "auto") not in ("auto", "float32"):
            raise NeuralModelError(f"{where}.quantize int8 работает только с dtype auto или float32")
        return cls(**block)

    def generate_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `model.generate` (KV cache on, greedy or beam search)."""
        kwargs: dict[str, Any] = {
            "num_beams": self.num_beams,
            "max_new_tokens": self.max_new_tokens,
            "do_sample": False,
            "use_cache": True,
        }
        if self.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = self.no_repeat_ngram_size
        if self.repetition_penalty != 1.0:
            kwargs["repetition_penalty"] = float(self.repetition_penalty)
        return kwargs


@dataclass(frozen=True)
class Decoded:
    """Generated token ids (prompt and end-of-text removed) and their mean probability."""

    ids: list[int]
    confidence: float


def check_kind(manifest: dict[str, Any], kind: str, folder: Path) -> None:
    """Refuse a manifest of another kind."""
    found = manifest.get("kind")
    if found != kind:
        raise NeuralModelError(
            f"Чекпойнт {folder.name}: вид модели «{found}», а загрузчик рассчитан на «{kind}» "
            f"(поле kind в {folder}/checkpoint.json)"
        )


def check_files(folder: Path, kind: str) -> None:
    """Refuse a folder without the files a checkpoint of `kind` needs (captioning.files.REQUIRED_FILES)."""
    missing = missing_files(folder, kind)
    if missing:
        raise NeuralModelError(
            f"В папке модели {folder} не хватает файлов: {'; '.join(missing)}. "
            f"Скачайте модель: `{download_command(folder.name)}`"
        )


def choose_dtype(options: GenerationOptions, device: torch.device) -> torch.dtype:
    """The manifest's dtype; `auto` is bf16 on GPU and fp32 on CPU; fp16 falls back to fp32 on CPU."""
    if options.dtype == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    dtype = DTYPES[options.dtype]
    return torch.float32 if dtype is torch.float16 and device.type == "cpu" else dtype


@contextmanager
def russian_errors(folder: Path, action: str) -> Iterator[None]:
    """Turn out-of-memory and loader failures into NeuralModelError with a Russian message."""
    try:
        yield
    except NeuralModelError:
        raise
    except (torch.OutOfMemoryError, MemoryError) as error:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise NeuralModelError(
            f"Не хватает памяти, чтобы {action} модель {folder.name}: уменьшите число или размер фото "
            f"(generation.pixel_budget), выберите dtype bfloat16 или модель поменьше"
        ) from error
    except (OSError, ValueError, KeyError) as error:
        raise NeuralModelError(f"Не удалось {action} модель из папки {folder}: {error}") from error


def load_pretrained(loader: Callable[..., T], folder: Path, what: str, **kwargs: Any) -> T:
    """`loader(folder, local_files_only=True, **kwargs)` with progress logged and Russian errors."""
    log.info("Загрузка %s из %s…", what, folder)
    with russian_errors(folder, "загрузить"):
        loaded = loader(folder, local_files_only=True, **kwargs)
    log.info("Загружено: %s", what)
    return loaded


def check_model_type(folder: Path, accepted: Collection[str], kind: str) -> None:
    """Refuse a folder whose config.json describes an architecture this kind can't run."""
    try:
        model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError) as error:
        raise NeuralModelError(f"Не удалось прочитать {folder}/config.json: {error}") from error
    if model_type not in accepted:
        raise NeuralModelError(
            f"В папке {folder} модель типа «{model_type}» — её нельзя запустить как вид «{kind}»"
        )


def check_adapter(model: Any, folder: Path) -> None:
    """A LoRA adapter in the folder (peft adapter_config.json) must have been applied on load."""
    if (folder / ADAPTER_CONFIG).is_file():
        if not getattr(model, "_hf_peft_config_loaded", False):
            raise NeuralModelError(f"Адаптер LoRA из {folder} не применился к модели")
        log.info("Применён адаптер LoRA из %s", folder)


def checked_options(
    folder: Path, manifest: dict[str, Any], models: ModelStore, kind: str, model_types: Collection[str]
) -> tuple[GenerationOptions, torch.device]:
    """Refuse a folder of the wrong kind, with missing files or another architecture (before anything
    heavy loads); then the manifest's generation options and the device to run on."""
    check_kind(manifest, kind, folder)
    check_files(folder, kind)
    check_model_type(folder, model_types, kind)
    return GenerationOptions.from_manifest(manifest, folder), torch.device(models.device)


def load_model(model_class: Any, folder: Path, options: GenerationOptions, device: torch.device) -> Any:
    """The folder's weights (with its LoRA adapter when there is one) on `device`, in eval mode."""
    dtype = choose_dtype(options, device)
    model = load_pretrained(model_class.from_pretrained, folder, "модели", dtype=dtype)
    check_adapter(model, folder)
    return model.to(device).eval()


def checkpoint_placement(options: GenerationOptions, models: ModelStore) -> Placement:
    """The store's placement as a caption checkpoint's manifest adjusts it (its own `quantize`)."""
    return models.placement.with_int8(options.quantize == "int8")


def quantized(model: T, options: GenerationOptions, models: ModelStore, parts: tuple[str, ...]) -> T:
    """`model` with the Linear layers of its language-model `parts` in int8 when the manifest asks for
    `"quantize": "int8"` and it runs on the CPU (the store's placement decides; a GPU keeps them)."""
    return checkpoint_placement(options, models).quantize(model, parts)


def photo_encoder(encoder: torch.nn.Module, options: GenerationOptions, models: ModelStore) -> None:
    """The checkpoint's photo encoder in bfloat16, in place, where the placement runs photo towers so
    (LISTING_QUANTIZE=int8 on a CPU that computes bfloat16) and the manifest asks for `"quantize":
    "int8"`; its features still reach the decoder in float32."""
    placement = checkpoint_placement(options, models)
    if placement.bf16_photos:
        placement.photo_tower(encoder)
        encoder.register_forward_hook(_features_in_float32)


def _features_in_float32(module: torch.nn.Module, args: Any, output: Any) -> Any:
    """Forward hook: the encoder's features (its first output) as float32."""
    if isinstance(output, tuple):
        return (output[0].float(), *output[1:])
    output["last_hidden_state"] = output["last_hidden_state"].float()
    return output


def eos_ids(model: torch.nn.Module) -> set[int]:
    """End-of-text token ids from the model's generation config."""
    eos = model.generation_config.eos_token_id
    if eos is None:
        return set()
    return {eos} if isinstance(eos, int) else set(eos)


@torch.inference_mode()
def generate_ids(model: Any, inputs: dict[str, torch.Tensor], options: GenerationOptions) -> Decoded:
    """Run `model.generate` once and return the new ids with their mean token probability.

    The probability of each token is the model's own softmax (before beam or n-gram constraints), taken
    along the chosen beam; padding after the end-of-text token is not counted.
    """
    out = model.generate(
        **inputs, **options.generate_kwargs(), return_dict_in_generate=True, output_logits=True
    )
    beams = out.beam_indices if options.num_beams > 1 else None
    logprobs = model.compute_transition_scores(out.sequences, out.logits, beams, normalize_logits=True)[0]
    steps = logprobs.shape[-1]
    return decoded(out.sequences[0, -steps:].tolist(), logprobs, eos_ids(model))


def decoded(new_ids: list[int], logprobs: torch.Tensor, stop: Collection[int]) -> Decoded:
    """The ids up to the first end-of-text (which is dropped) and the mean probability of the tokens up to
    and including it (padding after it is not counted)."""
    length = next((i + 1 for i, token in enumerate(new_ids) if token in stop), len(new_ids))
    confidence = float(logprobs[:length].float().exp().mean())
    ids = new_ids[:length]
    if ids and ids[-1] in stop:
        ids = ids[:-1]
    return Decoded(ids=ids, confidence=confidence)
