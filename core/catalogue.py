"""The catalogue of known models: what each is for, where it comes from, where its folder lives,
whether it is there, and the one command that downloads it.

Moderation and scoring models live one folder each under the models folder (`models/` or
`$LISTING_MODELS_DIR`); caption checkpoints live under the checkpoints folder and describe themselves
in `checkpoint.json` (read by `captioning.registry`). Downloading is `pipeline.downloader`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings


@dataclass(frozen=True)
class PublishedFile:
    """A model file published at a plain address (a GitHub release asset) rather than on a hub."""

    url: str
    sha256_prefix: str  # the start of its SHA-256, which the publisher put in the file name (torch.hub's way)

    @property
    def name(self) -> str:
        """The file name, as it is saved in the model's folder."""
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class KnownModel:
    """A moderation, scoring or training model the pipeline can use when its folder exists."""

    name: str
    hub_id: str
    revision: str
    purpose_ru: str
    required_files: tuple[str, ...] = ("config.json",)
    allow_patterns: tuple[str, ...] = ()
    size_hint_mb: int | None = None
    files: tuple[PublishedFile, ...] = ()  # files published outside the hub, fetched into the folder
    hub_subfolder: str = ""  # where inside the folder the hub repository's files go


RUCLIP_MODEL = "ruclip-vit-base-patch32-384"
TOXICITY_MODEL = "rubert-tiny-toxicity"
BERTSCORE_MODEL = "bert-base-multilingual-cased"
DECODER_MODEL = "rugpt3small_based_on_gpt2"
DETOXIFY_MODEL = "detoxify-multilingual"
# Detoxify's multilingual checkpoint, at the address detoxify 0.5.4 loads it from (`MODEL_URLS`).
DETOXIFY_CHECKPOINT = PublishedFile(
    "https://github.com/unitaryai/detoxify/releases/download/v0.4-alpha/multilingual_debiased-0b549669.ckpt",
    "0b549669",
)
# The transformer the checkpoint names as its `model_type`: its config and tokenizer live in a subfolder
# of that name, where Detoxify finds them without the network (moderation.text.toxicity_detoxify).
DETOXIFY_BASE = "xlm-roberta-base"

KNOWN_MODELS: dict[str, KnownModel] = {
    m.name: m
    for m in (
        KnownModel(
            RUCLIP_MODEL,
            "ai-forever/ruclip-vit-base-patch32-384",
            "main",
            "сходство фото и текста (ruCLIP)",
            ("config.json", "pytorch_model.bin", "bpe.model"),
            ("config.json", "pytorch_model.bin", "bpe.model"),
            600,
        ),
        KnownModel(
            TOXICITY_MODEL,
            "cointegrated/rubert-tiny-toxicity",
            "main",
            "нейросетевая проверка токсичности текста",
            ("config.json",),
            ("*.json", "vocab.txt", "*.safetensors", "pytorch_model.bin"),
            50,
        ),
        KnownModel(
            BERTSCORE_MODEL,
            "google-bert/bert-base-multilingual-cased",
            "main",
            "BERTScore",
            ("config.json", "vocab.txt", "model.safetensors"),
            ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt"),
            720,
        ),
        KnownModel(
            DECODER_MODEL,
            "ai-forever/rugpt3small_based_on_gpt2",
            "main",
            "декодер GPT-2 для обучения префиксной модели описаний",
            ("config.json",),
            ("*.json", "*.txt", "*.safetensors", "pytorch_model.bin"),
            550,
        ),
        KnownModel(
            DETOXIFY_MODEL,
            "FacebookAI/xlm-roberta-base",
            "main",
            "нейросетевая проверка токсичности текста (Detoxify, многоязычная XLM-RoBERTa)",
            (DETOXIFY_CHECKPOINT.name, f"{DETOXIFY_BASE}/config.json", f"{DETOXIFY_BASE}/tokenizer.json"),
            ("config.json", "tokenizer.json", "sentencepiece.bpe.model"),
            1130,
            files=(DETOXIFY_CHECKPOINT,),
            hub_subfolder=DETOXIFY_BASE,
        ),
    )
}


def model_dir(name: str, settings: Settings) -> Path:
    """The folder a known model lives in (it may not exist)."""
    return settings.models_dir / name


def has_required_files(name: str, folder: Path) -> bool:
    """Whether `folder` holds every file the known model `name` needs."""
    return all((folder / f).is_file() for f in KNOWN_MODELS[name].required_files)


def is_present(name: str, settings: Settings) -> bool:
    """Whether the known model's folder holds the files it needs."""
    return has_required_files(name, model_dir(name, settings))


def download_command(name: str) -> str:
    """The shell command that downloads a model or a caption checkpoint."""
    return f"python -m pipeline download {name}"


def missing_message(name: str) -> str:
    """Russian explanation shown where a model is missing."""
    model = KNOWN_MODELS.get(name)
    purpose = f" ({model.purpose_ru})" if model else ""
    return f"недоступно: модель {name}{purpose} не скачана — выполните `{download_command(name)}`"
