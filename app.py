"""The Gradio app: a thin UI over the listing pipeline.

    python app.py [--host 127.0.0.1] [--port 7860] [--share]

`import app` is cheap: it builds no interface and loads no model. `main()` creates the Pipeline, whose
models load lazily on first use and stay loaded. Every domain decision (validation, moderation,
routing, checkpoint names) is the pipeline's; this module only turns widgets into a Listing and a
Result into widgets.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

import app_view
from core.listing import Listing
from core.settings import Settings
from pipeline.arguments import RussianParser
from pipeline.cases import Case, list_cases

if TYPE_CHECKING:
    from pipeline import Pipeline

TITLE = "Генератор описаний объявлений"
COMMON_FIELDS = ("Вид одежды", "Предмет одежды", "Состояние", "Вид объявления", "Размер", "Цена")
ATTRIBUTE_HEADERS = ["Поле", "Значение"]
MODEL_QUEUE = "model"  # generation, comparison and downloads share one slot: one heavy job at a time
QUEUE_SIZE = 32
CASES_SECTION = "Тестовые примеры"


def refusal(message: str) -> gr.Error:
    """A Russian error for input the pipeline cannot take (shown as a toast, returned by the API)."""
    return gr.Error(message, title="Ошибка", print_exception=False)


def warn(message: str) -> None:
    """A Russian warning toast."""
    gr.Warning(message, title="Внимание")


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
    raise refusal(f"Строка {row} таблицы характеристик: ячейка должна быть текстом, получено {value!r}.")


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
            raise refusal(f"Строка {number} таблицы характеристик: у значения «{value}» нет названия поля.")
        if key in attributes:
            raise refusal(f"Поле «{key}» указано в таблице дважды (строка {number}).")
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


def progress_reporter(progress: gr.Progress) -> Callable[[float, str], None]:
    """Adapt gr.Progress to the pipeline's `progress(fraction, stage_ru)` callback."""

    def report(fraction: float, stage: str) -> None:
        progress(fraction, desc=stage)

    return report


# -- the app's actions ---------------------------------------------------------------------------
class Actions:
    """Event handlers bound to one Pipeline; each is a thin call into it."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.limits = pipeline.settings.limits

    def checkpoint_choices(self, route: str | None) -> list[tuple[str, str]]:
        """Dropdown entries (label, name) for a route, or every checkpoint when route is None."""
        return [
            (app_view.checkpoint_label(c.name, c.title, c.present), c.name)
            for c in self.pipeline.checkpoints(route)
        ]

    def default_checkpoint(self, route: str) -> str | None:
        """The preselected checkpoint of a route's dropdown: the configured default when it serves it."""
        names = [name for _, name in self.checkpoint_choices(route)]
        default = self.pipeline.settings.default_checkpoint
        return default if default in names else next(iter(names), None)

    def show_photos(self, files: list[str] | None) -> list[tuple[str, str]]:
        """The gallery in upload order, captioned with the numbers messages use; warns past the limit."""
        files = files or []
        if len(files) > self.limits.max_images:
            warn(
                f"Загружено {len(files)} фото — допустимо не больше {self.limits.max_images}. "
                "Удалите лишние, иначе объявление будет отклонено."
            )
        return [(f, f"{number}. {Path(f).name}") for number, f in enumerate(files, start=1)]

    def generate(
        self,
        files: list[str] | None,
        rows: Any,
        text: str | None,
        single: str | None,
        multi: str | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 — Gradio injects the tracker through the default
    ) -> dict[str, Any]:
        """Run the pipeline on the listing; the Result as JSON (also the `/generate` API endpoint)."""
        listing = listing_from_inputs(files, rows, text)
        result = self.pipeline.run(
            listing,
            single_checkpoint=single or None,
            multi_checkpoint=multi or None,
            progress=progress_reporter(progress),
        )
        return result.to_dict()

    def compare(
        self,
        files: list[str] | None,
        rows: Any,
        text: str | None,
        names: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> list[dict[str, Any]]:
        """Run the listing through every chosen checkpoint: [{"name", "result"}] (the `/compare` endpoint)."""
        names = list(dict.fromkeys(names or []))
        if len(names) < 2:
            raise refusal("Выберите хотя бы две модели для сравнения.")
        listing = listing_from_inputs(files, rows, text)
        results = self.pipeline.compare(listing, names, progress=progress_reporter(progress))
        return [
            {"name": name, "result": result.to_dict()} for name, result in zip(names, results, strict=True)
        ]

    def offer_download(self, name: str | None) -> tuple[Any, Any, str]:
        """When the chosen checkpoint has no weights yet: say so and show the download button."""
        missing = next((c for c in self.pipeline.checkpoints() if c.name == name and not c.present), None)
        if missing is None:
            return gr.update(value="", visible=False), gr.update(visible=False), ""
        note = (
            f"Модель **{missing.title}** (`{missing.name}`) не скачана: пока её нет, описание напишет "
            "встроенный шаблон. Скачать веса сейчас?"
        )
        return (
            gr.update(value=note, visible=True),
            gr.update(value=f"Скачать «{missing.name}»", visible=True),
            name,
        )

    def download_checkpoint(
        self,
        name: str | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, Any, Any, Any, Any]:
        """Download a checkpoint's weights, then refresh every model list (the `/download` endpoint).

        The download button stays for a retry when the download failed and goes away when it worked.
        """
        from pipeline.downloader import DownloadError, download  # the hub client loads on the first download

        known = [c.name for c in self.pipeline.checkpoints()]
        if name not in known:
            raise refusal(f"Неизвестная модель «{name}». Доступные модели: {', '.join(known)}.")
        try:
            download(name, self.pipeline.settings, progress=progress_reporter(progress))
        except DownloadError as error:  # offline or a hub failure: a Russian message, not a traceback
            warn(str(error))
            message, retry = f"Не удалось скачать «{name}»: {error}", True
        else:
            message, retry = f"Модель «{name}» скачана и готова к работе.", False
        return (
            message,
            gr.update(visible=retry),
            gr.update(choices=self.checkpoint_choices("single")),
            gr.update(choices=self.checkpoint_choices("multi")),
            gr.update(choices=self.checkpoint_choices(None)),
        )

    def cases(self) -> list[Case]:
        """The preloaded test cases."""
        return list_cases(self.pipeline.settings)

    def pick_case(self, name: str | None) -> tuple[Any, list[list[str]], str, str]:
        """Fill the photos, the attribute table and the text from a test case."""
        case = next((c for c in self.cases() if c.name == name), None)
        if case is None:
            return None, default_rows(), "", ""
        rows = [[key, value] for key, value in case.listing.attributes.items()] or default_rows()
        files = [str(path) for path in case.listing.images] or None
        return files, rows, case.listing.text, case.description_ru


def show_result(result: dict[str, Any], stage_names: dict[str, str]) -> tuple[Any, ...]:
    """Every result widget's value from a Result's JSON."""
    if result.get("status") != "ok":
        warn(
            app_view.STATUS_TITLES.get(result.get("status", "error"), "")
            + ": "
            + "; ".join(result.get("reasons") or [])
        )
    return (
        app_view.status_markdown(result),
        result.get("text", ""),
        app_view.route_markdown(result),
        app_view.moderation_rows(result),
        app_view.masking_rows(result),
        app_view.masking_markdown(result),
        app_view.score_rows(result),
        app_view.unavailable_markdown(result),
        app_view.timing_rows(result, stage_names),
    )


def launch_options(settings: Settings) -> dict[str, Any]:
    """launch() arguments: serve only the test cases' photos, never models or checkpoints; cap uploads."""
    return {
        "allowed_paths": [str(settings.test_cases_dir)],
        "blocked_paths": [str(settings.models_dir), str(settings.checkpoints_dir)],
        "max_file_size": settings.limits.max_image_bytes,
    }


# -- the interface -------------------------------------------------------------------------------
def _table(headers: list[str], label: str, **options: Any) -> gr.Dataframe:
    """A read-only results table."""
    return gr.Dataframe(
        headers=headers, value=[], label=label, interactive=False, wrap=True, type="array", **options
    )


def build_demo(pipeline: Pipeline) -> gr.Blocks:
    """The whole interface bound to `pipeline`, with its queue configured."""
    from pipeline.runner import STAGES_RU

    actions = Actions(pipeline)
    limits = pipeline.settings.limits
    cases = actions.cases()
    model_events: dict[str, Any] = {"concurrency_id": MODEL_QUEUE, "concurrency_limit": 1}
    private: dict[str, Any] = {"api_visibility": "private"}

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(
            f"# {TITLE}\nЗагрузите фото, заполните характеристики и получите описание для "
            "объявления. Числа (цена, размер, год) берутся только из ваших данных."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                with gr.Group():
                    case_picker = gr.Dropdown(
                        choices=[(c.title_ru, c.name) for c in cases],
                        value=None,
                        label=CASES_SECTION,
                        info="Заполнит фото, характеристики и текст готовым примером.",
                        elem_id="case-picker",
                    )
                    case_note = gr.Markdown(elem_id="case-note")
                photos = gr.File(
                    file_count="multiple",
                    file_types=list(limits.allowed_extensions),
                    type="filepath",
                    label=f"Фото (до {limits.max_images}, JPG/PNG/GIF, до "
                    f"{limits.max_image_bytes / 2**20:.3g} МБ каждое)",
                    elem_id="photos",
                )
                gallery = gr.Gallery(
                    label="Фото в порядке загрузки",
                    columns=5,
                    height=220,
                    object_fit="cover",
                    interactive=False,
                    elem_id="gallery",
                )
                table = gr.Dataframe(
                    value=default_rows(),
                    headers=ATTRIBUTE_HEADERS,
                    datatype=["str", "str"],
                    type="array",
                    column_count=(2, "fixed"),  # type: ignore[arg-type] — Gradio 6.31 ignores column_limits
                    interactive=True,
                    label="Характеристики (строки можно добавлять)",
                    elem_id="attributes",
                )
                text = gr.Textbox(
                    lines=4,
                    max_length=limits.max_text_chars,
                    label="Текст продавца",
                    placeholder="Например: почти новая, носила один сезон",
                    elem_id="seller-text",
                )
                clear = gr.Button("Очистить", variant="secondary")
            with gr.Column(scale=6), gr.Tabs():
                with gr.Tab("Генерация", id="generate"):
                    with gr.Row():
                        single = gr.Dropdown(
                            choices=actions.checkpoint_choices("single"),
                            value=actions.default_checkpoint("single"),
                            label="Модель для одного фото (и без фото)",
                            allow_custom_value=True,
                            elem_id="single-checkpoint",
                        )
                        multi = gr.Dropdown(
                            choices=actions.checkpoint_choices("multi"),
                            value=actions.default_checkpoint("multi"),
                            label="Модель для нескольких фото",
                            allow_custom_value=True,
                            elem_id="multi-checkpoint",
                        )
                    offer = gr.Markdown(visible=False, elem_id="download-offer")
                    download_button = gr.Button(visible=False, variant="secondary")
                    pending = gr.Textbox(visible=False, label="Модель для загрузки")
                    generate = gr.Button("Сгенерировать", variant="primary", elem_id="generate-button")
                    status = gr.Markdown(elem_id="status")
                    description = gr.Textbox(
                        label="Описание", lines=8, interactive=False, buttons=["copy"], elem_id="description"
                    )
                    route = gr.Markdown(elem_id="route")
                    with gr.Accordion("Модерация", open=True):
                        moderation = _table(
                            app_view.MODERATION_HEADERS,
                            "Проверки",
                            column_widths=["18%", "8%", "14%", "9%", "41%", "10%"],
                        )
                    with gr.Accordion("Оценки качества", open=True):
                        scores = _table(app_view.SCORE_HEADERS, "Оценки")
                        unavailable = gr.Markdown()
                    with gr.Accordion("Маскирование чисел", open=True):
                        masking = _table(app_view.MASKING_HEADERS, "Токены")
                        removed = gr.Markdown()
                    with gr.Accordion("Время по этапам", open=True):
                        timings = _table(app_view.TIMING_HEADERS, "Этапы")
                    with gr.Accordion("Результат в JSON", open=False):
                        result_json = gr.JSON(label="Result")
                with gr.Tab("Сравнение моделей", id="compare"):
                    chosen = gr.CheckboxGroup(
                        choices=actions.checkpoint_choices(None),
                        label="Модели (две или больше)",
                        elem_id="compare-checkpoints",
                    )
                    run_compare = gr.Button("Сравнить", variant="primary", elem_id="compare-button")
                    compare_note = gr.Markdown(
                        "Все модели получат одно и то же объявление из формы слева. "
                        "Таблица сравнения появится под формой, на всю ширину страницы.",
                        elem_id="compare-note",
                    )
        with gr.Column(visible=False, elem_id="comparison-box") as comparison_box:
            gr.Markdown("## Сравнение моделей")
            comparison = _table(
                app_view.compare_headers(),
                "Модели на одном объявлении",
                column_widths=app_view.compare_widths(),
                elem_id="comparison",
            )
            with gr.Accordion("Результаты в JSON", open=False):
                comparison_json = gr.JSON(label="Results")

        listing_inputs = [photos, table, text]
        photos.change(actions.show_photos, photos, gallery, **private)
        case_picker.change(actions.pick_case, case_picker, [photos, table, text, case_note], **private)
        clear.click(
            lambda: (None, None, default_rows(), "", ""),
            None,
            [case_picker, photos, table, text, case_note],
            **private,
        )
        for dropdown in (single, multi):
            dropdown.change(actions.offer_download, dropdown, [offer, download_button, pending], **private)
        download_button.click(
            actions.download_checkpoint,
            pending,
            [offer, download_button, single, multi, chosen],
            api_name="download",
            **model_events,
        )
        generate.click(
            actions.generate,
            [*listing_inputs, single, multi],
            result_json,
            api_name="generate",
            show_progress_on=[status, description],
            **model_events,
        ).success(
            lambda result: show_result(result, STAGES_RU),
            result_json,
            [status, description, route, moderation, masking, removed, scores, unavailable, timings],
            **private,
        )
        run_compare.click(
            actions.compare,
            [*listing_inputs, chosen],
            comparison_json,
            api_name="compare",
            show_progress_on=[compare_note],
            **model_events,
        ).success(
            lambda entries: (app_view.compare_rows(entries), gr.update(visible=True)),
            comparison_json,
            [comparison, comparison_box],
            scroll_to_output=True,
            **private,
        )
    demo.queue(default_concurrency_limit=1, max_size=QUEUE_SIZE)
    return demo


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = RussianParser(prog="python app.py", description=TITLE)
    parser.add_argument("--host", default="127.0.0.1", help="адрес сервера (0.0.0.0 — доступ из сети)")
    parser.add_argument("--port", type=int, default=7860, help="порт сервера")
    parser.add_argument("--share", action="store_true", help="публичная ссылка через gradio.live")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Start the app: `python app.py [--host] [--port] [--share]`."""
    from pipeline import Pipeline  # the stages (and torch) load when the app starts, not on `import app`

    args = parse_args(argv)
    settings = Settings.from_env()
    demo = build_demo(Pipeline(settings))
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, **launch_options(settings))


if __name__ == "__main__":
    main()
