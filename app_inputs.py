"""What the app takes in: widget values → a Listing, and the raw request checks that come first.

Every request, from the page or forged through the API, is checked here before Gradio parses it
(`RequestChecks`), so a malformed one is refused with a specific Russian message instead of Gradio's
English or empty one. Nothing here runs the pipeline; the refusals are `gr.Error`s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder, is_in_or_equal

import app_view
from core.listing import Listing
from core.settings import Limits
from core.text import shorten

COMMON_FIELDS = ("Вид одежды", "Предмет одежды", "Состояние", "Вид объявления", "Размер", "Цена")
ATTRIBUTE_HEADERS = ["Поле", "Значение"]
MAX_NAME_CHARS = 255  # a checkpoint is a folder: no folder name is longer
TABLE_SHAPE = "объект {\"headers\": [\"Поле\", \"Значение\"], \"data\": [[поле, значение], …]}"
Check = Callable[[Any], None]


def refusal(message: str) -> gr.Error:
    """A Russian error for input the app cannot take (a toast on the page, an AppError through the API)."""
    return gr.Error(app_view.toast_html(message), title="Ошибка", print_exception=False)


# -- widgets → Listing ---------------------------------------------------------------------------
def default_rows() -> list[list[str]]:
    """The attribute table as a new listing starts: the common fields, empty."""
    return [[name, ""] for name in COMMON_FIELDS]


def _cell(value: Any, row: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):  # a number sent through the API
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    shown = shorten(repr(value))
    raise refusal(f"Строка {row} таблицы характеристик: ячейка должна быть текстом, получено {shown}.")


def attributes_from_table(rows: Any) -> dict[str, str]:
    """The "Поле / Значение" table as attributes; rows without a value are skipped.

    The table may arrive forged through the API, so its shape is checked here: a list of
    two-cell rows, every value with a field name, no field twice.
    """
    if rows is None:
        return {}
    if not isinstance(rows, list):
        raise refusal("Таблица характеристик должна быть списком строк «Поле — Значение».")
    attributes: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise refusal(
                f"Строка {number} таблицы характеристик: нужны ровно две ячейки — «Поле» и «Значение»."
            )
        key, value = _cell(row[0], number), _cell(row[1], number)
        if not value:
            continue
        if not key:
            shown = shorten(value)
            raise refusal(f"Строка {number} таблицы характеристик: у значения «{shown}» нет названия поля.")
        if key in attributes:
            raise refusal(f"Поле «{shorten(key)}» указано в таблице дважды (строка {number}).")
        attributes[key] = value
    return attributes


def listing_from_inputs(files: Sequence[str] | None, rows: Any, text: str | None) -> Listing:
    """A Listing from the widgets' values (uploaded file paths in upload order, table rows, free text)."""
    if files is not None and (isinstance(files, str) or not all(isinstance(f, str) for f in files)):
        raise refusal("Фото должны приходить списком загруженных файлов.")
    if text is not None and not isinstance(text, str):
        raise refusal("Текст объявления должен быть строкой.")
    return Listing(
        images=[Path(f) for f in files or []], attributes=attributes_from_table(rows), text=text or ""
    )


# -- raw requests ---------------------------------------------------------------------------------
def check_table(limits: Limits) -> Check:
    """The attribute table as a request carries it: {"headers", "data"}, at most `max_attributes` rows."""

    def check(payload: Any) -> None:
        if payload is None:
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            raise refusal(f"Таблица характеристик пришла в неверном виде: нужен {TABLE_SHAPE}.")
        if not isinstance(payload.get("headers"), list):
            raise refusal(f"У таблицы характеристик нет списка заголовков «headers»: нужен {TABLE_SHAPE}.")
        if not isinstance(payload.get("metadata"), dict | None):
            raise refusal("Поле «metadata» таблицы характеристик должно быть объектом или отсутствовать.")
        rows = payload["data"]
        if len(rows) > limits.max_attributes:
            raise refusal(
                f"В таблице характеристик {len(rows)} строк — допустимо не больше {limits.max_attributes}."
            )
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, list):
                raise refusal(f"Строка {number} таблицы характеристик должна быть списком [поле, значение].")

    return check


def check_photos(limits: Limits) -> Check:
    """The photos as a request carries them: at most `max_images` files uploaded to this app, each
    with an allowed extension; a path typed into a request is refused, not looked up."""
    allowed = ", ".join(e.lstrip(".").upper() for e in limits.allowed_extensions)

    def check(payload: Any) -> None:
        if payload is None:
            return
        if not isinstance(payload, list):
            raise refusal("Фото должны приходить списком загруженных файлов.")
        if len(payload) > limits.max_images:
            raise refusal(f"Загружено {len(payload)} фото — допустимо не больше {limits.max_images}.")
        for number, item in enumerate(payload, start=1):
            path = item.get("path") if isinstance(item, dict) else None
            if not isinstance(path, str) or not path:
                shown = shorten(repr(item))
                raise refusal(
                    f"Фото {number}: вместо загруженного файла пришло {shown}. Загрузите файл через "
                    "приложение (в gradio_client — handle_file(путь))."
                )
            if not is_in_or_equal(path, get_upload_folder()):
                raise refusal(
                    f"Фото {number}: файл «{shorten(path)}» не загружен в приложение, а чужие пути "
                    "не открываются. Загрузите файл (в gradio_client — handle_file(путь))."
                )
            if Path(path).suffix.lower() not in limits.allowed_extensions:
                raise refusal(
                    f"Фото {number} («{shorten(Path(path).name)}»): допустимы только {allowed}."
                )

    return check


def check_text(payload: Any) -> None:
    """The seller's text: a string or nothing (its length is validation's to check)."""
    if payload is not None and not isinstance(payload, str):
        raise refusal("Текст продавца должен быть строкой.")


def check_name(payload: Any) -> None:
    """A model name: a string of folder-name length or nothing (whether it exists is the pipeline's)."""
    if payload is None:
        return
    if not isinstance(payload, str):
        raise refusal(f"Имя модели должно быть строкой, получено {shorten(repr(payload))}.")
    if len(payload) > MAX_NAME_CHARS:
        raise refusal(
            f"Неизвестная модель «{shorten(payload)}»: имя длиннее {MAX_NAME_CHARS} символов."
        )


def check_names(payload: Any) -> None:
    """The models to compare: a list of names."""
    if payload is None:
        return
    if not isinstance(payload, list):
        raise refusal("Модели для сравнения должны приходить списком имён.")
    for name in payload:
        check_name(name)


class RequestChecks:
    """Checks of raw request values, one per input component, run before Gradio parses them."""

    def __init__(self) -> None:
        self._checks: dict[int, Check] = {}

    def add(self, component: gr.components.Component, check: Check) -> None:
        """Check every value `component` receives with `check` (which raises a refusal)."""
        self._checks[component._id] = check

    def run(self, components: Sequence[Any], values: Sequence[Any]) -> None:
        """Refuse a request whose values don't fit its event's inputs (too few, or a check fails)."""
        if len(values) < len(components):
            raise refusal(f"Запрос неполный: нужно {len(components)} значений, пришло {len(values)}.")
        for component, value in zip(components, values, strict=False):
            check = self._checks.get(getattr(component, "_id", -1))
            if check is not None:
                check(value)


class CheckedBlocks(gr.Blocks):
    """gr.Blocks whose events check their raw inputs (`checks`) before Gradio parses them: Gradio's own
    parse errors reach a client as English or as an empty error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = RequestChecks()

    def validate_inputs(self, block_fn: Any, inputs: list[Any]) -> None:
        """Gradio's hook before any input is parsed: our checks first, then Gradio's own."""
        self.checks.run(block_fn.inputs, inputs)
        super().validate_inputs(block_fn, inputs)
