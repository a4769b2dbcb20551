"""Input checks: every refusal is a Russian message naming the file or field, never a traceback."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from core.listing import Listing, Photo
from core.placement import in_threads
from core.settings import Limits
from photos import decode_upright

EMPTY_LISTING_MESSAGE = (
    "Объявление пустое: добавьте хотя бы одно фото, характеристики (например, «Цена» и «Размер») "
    "или текст. Готовые примеры есть в списке «Тестовые примеры» в приложении и в `python -m pipeline cases`."
)


class ValidationError(ValueError):
    """The listing is refused; `messages` are Russian and name the offending file or field."""

    def __init__(self, messages: str | list[str]) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


@dataclass
class ValidListing:
    """A listing that passed every check: decoded RGB photos, clean attributes, clean text.

    `decoded_pixels` counts the pixels the photos were decoded at before they were shrunk (a JPEG at its
    reduced decoding scale, any other photo at full size): memory that is freed when validation returns.
    """

    photos: list[Photo]
    attributes: dict[str, str]
    text: str
    decoded_pixels: int = 0


def validate(listing: Listing, limits: Limits | None = None) -> ValidListing:
    """Check and normalise a listing, or raise ValidationError with every problem found."""
    limits = limits or Limits()
    errors: list[str] = []
    attributes = _clean_attributes(listing.attributes, limits, errors)
    text = (listing.text or "").strip()
    if len(text) > limits.max_text_chars:
        errors.append(
            f"Текст слишком длинный: {len(text)} символов, допустимо не больше {limits.max_text_chars}."
        )
    total = len(text) + sum(len(key) + len(value) for key, value in attributes.items())
    if total > limits.max_listing_chars and not errors:
        errors.append(
            f"Объявление слишком длинное: {total} символов в характеристиках и тексте вместе, "
            f"допустимо не больше {limits.max_listing_chars}."
        )
    photos: list[Photo] = []
    decoded = 0
    if len(listing.images) > limits.max_images:
        errors.append(
            f"Слишком много фото: {len(listing.images)}, допустимо не больше {limits.max_images}."
        )
    else:
        photos, decoded = _open_photos([Path(path) for path in listing.images], limits, errors)
    if errors:
        raise ValidationError(errors)
    if not photos and not attributes and not text:
        raise ValidationError(EMPTY_LISTING_MESSAGE)
    return ValidListing(photos, attributes, text, decoded)


def _open_photos(paths: list[Path], limits: Limits, errors: list[str]) -> tuple[list[Photo], int]:
    """Decode the photos, a few at a time (Pillow decodes outside the GIL), and count the pixels they were
    decoded at; refusals go to `errors`."""

    def attempt(path: Path) -> tuple[Image.Image, tuple[int, int], int] | ValidationError:
        try:
            return _open_photo(path, limits)
        except ValidationError as error:
            return error

    outcomes = in_threads(attempt, paths, limits.decode_threads)
    photos: list[Photo] = []
    decoded = 0
    for number, (path, outcome) in enumerate(zip(paths, outcomes, strict=True), start=1):
        if isinstance(outcome, ValidationError):
            errors.extend(f"Фото {number} ({path.name}): {m}" for m in outcome.messages)
        else:
            image, size, pixels = outcome
            photos.append(Photo(number, path.name, image, size if size != image.size else None))
            decoded += pixels
    return photos, decoded


def _clean_attributes(raw: Mapping[Any, Any] | None, limits: Limits, errors: list[str]) -> dict[str, str]:
    """Trim keys and values, drop empty values, refuse too many, over-long or nameless fields."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        errors.append("Характеристики должны быть набором пар «поле — значение».")
        return {}
    filled = sum(1 for value in raw.values() if value is not None and str(value).strip())
    if filled > limits.max_attributes:
        errors.append(
            f"Слишком много характеристик: {filled}, допустимо не больше {limits.max_attributes}."
        )
        return {}
    clean: dict[str, str] = {}
    for raw_key, raw_value in raw.items():
        key = "" if raw_key is None else str(raw_key).strip()
        value = "" if raw_value is None else str(raw_value).strip()
        if not value:
            continue
        if not key:
            errors.append(f"У значения «{value[:50]}» не указано название поля.")
        elif len(key) > limits.max_key_chars:
            errors.append(
                f"Название поля «{key[:40]}…» слишком длинное: {len(key)} символов, "
                f"допустимо не больше {limits.max_key_chars}."
            )
        elif len(value) > limits.max_value_chars:
            errors.append(
                f"Значение поля «{key}» слишком длинное: {len(value)} символов, "
                f"допустимо не больше {limits.max_value_chars}."
            )
        else:
            clean[key] = value
    return clean


def load_image(path: Path, limits: Limits | None = None) -> Image.Image:
    """Open, check and normalise one photo: format by content, size, pixel count, EXIF, RGB, shrunk to
    about `limits.working_side` (see photos.decode_upright)."""
    return _open_photo(path, limits or Limits())[0]


def _open_photo(path: Path, limits: Limits) -> tuple[Image.Image, tuple[int, int], int]:
    """The checked, decoded and shrunk photo, the upright size of the uploaded file, and the pixels it
    was decoded at."""
    if not path.is_file():
        raise ValidationError("файл не найден.")
    if path.suffix.lower() not in limits.allowed_extensions:
        allowed = ", ".join(limits.allowed_extensions)
        raise ValidationError(f"недопустимое расширение «{path.suffix or 'нет'}», допустимы {allowed}.")
    size = path.stat().st_size
    if size > limits.max_image_bytes:
        raise ValidationError(
            f"файл слишком большой: {size / 2**20:.1f} МБ, "
            f"допустимо не больше {limits.max_image_bytes / 2**20:.0f} МБ."
        )
    if size == 0:
        raise ValidationError("файл пустой.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own, stricter check below
            with Image.open(path) as image:
                image_format = image.format or ""
                if image_format not in limits.allowed_formats:
                    actual = image_format or "неизвестный"
                    raise ValidationError(
                        f"это не JPEG, PNG или GIF (по содержимому файла формат: {actual})."
                    )
                width, height = image.size
                if width * height > limits.max_pixels:
                    raise ValidationError(
                        f"слишком большое разрешение {width}×{height} ({width * height / 1e6:.0f} Мп), "
                        f"допустимо не больше {limits.max_pixels / 1e6:.0f} Мп."
                    )
                shrunk, size = decode_upright(image, limits.working_side)
                return shrunk, size, image.width * image.height  # decoded: a JPEG at its draft scale
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError("слишком большое разрешение: файл похож на «декомпрессионную бомбу».") from None
    except UnidentifiedImageError:
        raise ValidationError("это не JPEG, PNG или GIF: содержимое не похоже на изображение.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError("файл повреждён или обрезан, изображение не читается.") from None
