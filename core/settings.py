"""All run-time settings in one place, read from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else default


@dataclass(frozen=True)
class Limits:
    """Input limits enforced by validation (and by the app's upload widget)."""

    max_images: int = 10
    max_image_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_key_chars: int = 100
    max_value_chars: int = 500
    max_text_chars: int = 5000
    max_attributes: int = 50  # attribute rows with a value
    max_listing_chars: int = 10_000  # attribute names, values and the text together
    # photos are decoded at least this large on the longer side and half of it on the shorter (no
    # larger than whole-factor scaling needs): what the models read (photos.MODEL_SIDE and
    # MODEL_SHORT_SIDE); the pipeline raises it to the largest `max_image_side` of its checkpoints
    working_side: int = 448
    decode_threads: int = 2  # photos decoded at once (each holds its full-size decoded copy meanwhile)
    allowed_formats: tuple[str, ...] = ("JPEG", "PNG", "GIF")
    allowed_extensions: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".gif")


@dataclass(frozen=True)
class Settings:
    """Where things live and how the pipeline behaves.

    Environment variables: LISTING_MODELS_DIR, LISTING_CHECKPOINTS_DIR, LISTING_TEST_CASES_DIR,
    LISTING_DEFAULT_CHECKPOINT, LISTING_DEVICE (cpu|cuda|auto), LISTING_TOXICITY_MODEL
    (rubert-tiny-toxicity|detoxify-multilingual; checked by the toxicity check, as LISTING_DEVICE is
    when a model loads), LISTING_LOG_FILE (the command line's log of failures with their tracebacks),
    LISTING_QUANTIZE (int8|none: int8 Linear layers of the scoring and moderation models on the CPU, the
    default; a caption checkpoint has its own option), LISTING_THREADS (CPU threads for torch and ONNX
    Runtime: a number, or auto = every CPU the process may use). Device, quantize and threads are
    checked when the first model loads.
    """

    models_dir: Path = PROJECT_ROOT / "models"
    checkpoints_dir: Path = PROJECT_ROOT / "checkpoints"
    test_cases_dir: Path = PROJECT_ROOT / "test_cases"
    default_checkpoint: str = "template"
    device: str = "auto"
    toxicity_model: str = "rubert-tiny-toxicity"
    log_file: Path = PROJECT_ROOT / "logs" / "pipeline.log"
    quantize: str = "int8"
    threads: str = "auto"
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls) -> Settings:
        """Build settings from the environment, falling back to the project folders."""
        return cls(
            models_dir=_env_path("LISTING_MODELS_DIR", PROJECT_ROOT / "models"),
            checkpoints_dir=_env_path("LISTING_CHECKPOINTS_DIR", PROJECT_ROOT / "checkpoints"),
            test_cases_dir=_env_path("LISTING_TEST_CASES_DIR", PROJECT_ROOT / "test_cases"),
            default_checkpoint=os.environ.get("LISTING_DEFAULT_CHECKPOINT", "template").strip() or "template",
            device=os.environ.get("LISTING_DEVICE", "auto").strip() or "auto",
            toxicity_model=os.environ.get("LISTING_TOXICITY_MODEL", "").strip() or "rubert-tiny-toxicity",
            log_file=_env_path("LISTING_LOG_FILE", PROJECT_ROOT / "logs" / "pipeline.log"),
            quantize=os.environ.get("LISTING_QUANTIZE", "int8").strip().lower() or "int8",
            threads=os.environ.get("LISTING_THREADS", "auto").strip().lower() or "auto",
        )
