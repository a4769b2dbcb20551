"""Which torch device the models run on, from the LISTING_DEVICE setting (auto|cpu|cuda)."""

from __future__ import annotations

DEVICE_CHOICES = ("auto", "cpu", "cuda")


class DeviceError(ValueError):
    """LISTING_DEVICE names no usable device; the message is Russian and says what is allowed."""


def resolve_device(setting: str) -> str:
    """'auto' → 'cuda' when a CUDA GPU is available, else 'cpu'; 'cpu' and 'cuda' as given.

    Raises DeviceError for another value, or for 'cuda' on a machine without a CUDA GPU.
    """
    wanted = setting.strip().lower()
    if wanted not in DEVICE_CHOICES:
        raise DeviceError(f"LISTING_DEVICE={setting}: допустимо {', '.join(DEVICE_CHOICES)}")
    if wanted == "cpu":
        return "cpu"
    import torch  # only when a model is about to load: importing the pipeline stays light

    if torch.cuda.is_available():
        return "cuda"
    if wanted == "cuda":
        raise DeviceError("Задано LISTING_DEVICE=cuda, но видеокарта с CUDA недоступна")
    return "cpu"
