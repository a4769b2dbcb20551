"""What the stages of a request share about a photo, computed once: the photo at model scale, and a memo
that keeps per-photo values (such as ruCLIP features) while the photo lives.

Every model reads a photo much smaller than an upload (ruCLIP 384 px and NudeNet 320 px on the longer
side, a ViT 224×224 squashed from the whole photo, the quality hints a 400 px thumbnail), and each used to
shrink the full-size photo itself. `model_copy` shrinks it once, by a whole factor (a box filter: fast
and free of aliasing), as far as every one of them allows: the longer side no less than MODEL_SIDE and
the shorter no less than MODEL_SHORT_SIDE; each model's own resize then starts from that copy.
"""

from __future__ import annotations

import threading
import weakref
from typing import Generic, TypeVar

from PIL import Image

from photos.upright import ORIENTATION, reduction_factor, upright_rgb

MODEL_SIDE = 448  # longer side: ≥ the most a model reads (ruCLIP B/32-384: 384, quality hints: 400)
MODEL_SHORT_SIDE = 224  # shorter side: ≥ a ViT's 224×224 (it squashes the whole photo)

Value = TypeVar("Value")


class PhotoMemo(Generic[Value]):
    """Values computed from photos, kept while each photo object lives (by identity; an entry goes when
    its photo is garbage-collected), so a value is computed once however many stages ask for it."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[weakref.ref, Value]] = {}
        self._lock = threading.RLock()  # re-entrant: a collected photo's callback may run while held

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def get(self, image: Image.Image) -> Value | None:
        """The value kept for this very photo object, or None."""
        with self._lock:
            item = self._items.get(id(image))
        return item[1] if item is not None and item[0]() is image else None

    def put(self, image: Image.Image, value: Value) -> None:
        """Keep `value` for `image` until the photo object is collected."""
        key = id(image)

        def forget(ref: weakref.ref) -> None:
            with self._lock:
                if self._items.get(key, (None,))[0] is ref:
                    del self._items[key]

        with self._lock:
            self._items[key] = (weakref.ref(image, forget), value)


_COPIES: PhotoMemo[Image.Image] = PhotoMemo()


def model_copy(image: Image.Image) -> Image.Image:
    """The photo upright and in RGB, reduced by the largest whole factor that keeps its longer side at
    least MODEL_SIDE and its shorter side at least MODEL_SHORT_SIDE (a smaller photo as it is); made once
    per photo object while it lives."""
    copy = _COPIES.get(image)
    if copy is None:
        upright = image.mode == "RGB" and image.getexif().get(ORIENTATION, 1) == 1  # as validated photos
        copy = image if upright else upright_rgb(image)
        factor = reduction_factor(copy.size, MODEL_SIDE, MODEL_SHORT_SIDE)
        if factor > 1:
            copy = copy.reduce(factor)
        if copy is image:  # nothing to do; keeping it would keep the photo alive
            return image
        _COPIES.put(image, copy)
    return copy
