"""Where model folders live, whether they are present, and how to get them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import Settings


@dataclass(frozen=True)
class KnownModel:
    """A moderation or scoring model the pipeline can use when its folder exists."""

    name: str
    hub_id: str
    revision: str
    purpose_ru: str
    required_files: tuple[str, ...] = ("config.json",)


KNOWN_MODELS: dict[str, KnownModel] = {
    m.name: m
    for m in (
        KnownModel(
            "ruclip-vit-base-patch32-384",
            "ai-forever/ruclip-vit-base-patch32-384",
            "main",
            "сходство фото и текста (ruCLIP)",
            ("config.json", "pytorch_model.bin", "bpe.model"),
        ),
        KnownModel(
            "rubert-tiny-toxicity",
            "cointegrated/rubert-tiny-toxicity",
            "main",
            "нейросетевая проверка токсичности текста",
        ),
        KnownModel(
            "bert-base-multilingual-cased",
            "google-bert/bert-base-multilingual-cased",
            "main",
            "BERTScore",
        ),
    )
}


def model_dir(name: str, settings: Settings | None = None) -> Path:
    """The folder a known model lives in (it may not exist)."""
    settings = settings or Settings.from_env()
    return settings.models_dir / name


def is_present(name: str, settings: Settings | None = None) -> bool:
    """Whether the model's folder holds the files it needs."""
    folder = model_dir(name, settings)
    return all((folder / f).is_file() for f in KNOWN_MODELS[name].required_files)


def download_command(name: str) -> str:
    """The shell command that downloads a model."""
    return f"python -m pipeline download {name}"


def missing_message(name: str) -> str:
    """Russian explanation shown where a model is missing."""
    model = KNOWN_MODELS.get(name)
    purpose = f" ({model.purpose_ru})" if model else ""
    return f"недоступно: модель {name}{purpose} не скачана — выполните `{download_command(name)}`"
