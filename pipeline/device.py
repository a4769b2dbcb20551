"""Which torch device the models run on, from the LISTING_DEVICE setting (auto|cpu|cuda)."""

from __future__ import annotations


def resolve_device(setting: str) -> str:
    """'auto' → 'cuda' when a CUDA GPU is available, else 'cpu'; other values pass through."""
    if setting == "auto":
        import torch  # only when a model is about to load: `import pipeline` stays light

        return "cuda" if torch.cuda.is_available() else "cpu"
    return setting
