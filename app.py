"""The Gradio app: a thin UI over the listing pipeline.

    python app.py [--host 127.0.0.1] [--port 7860] [--share]

`import app` is cheap: it builds no interface and loads no model. `main()` creates the Pipeline and
warms it up in the background (the page is usable meanwhile; the first request waits for its turn),
so the first request is as fast as the next. Every domain decision (validation, moderation, routing,
checkpoint names) is the pipeline's; this module only turns widgets into a Listing and a Result into
widgets (`app_inputs`, `app_view`), and `app_page` makes Gradio's own strings Russian.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

import app_inputs
import app_page
import app_view
from app_inputs import ATTRIBUTE_HEADERS, default_rows, listing_from_inputs, refusal
from core.settings import Settings
from core.text import shorten
from pipeline.arguments import RussianParser
from pipeline.cases import Case, list_cases

if TYPE_CHECKING:
    from pipeline import Pipeline

TITLE = "Генератор описаний объявлений"
CASES_SECTION = "Тестовые примеры"
WAITING = 16  # heavy jobs (generation, comparison, download) waiting for their turn; more are refused
UPLOADS_KEPT_S = 3600  # uploaded photos are deleted this long after upload, and all of them at shutdown
Progress = Callable[[float, str], None]


def warn(message: str) -> None:
    """A Russian warning toast (Gradio shows its text as HTML, so it is escaped)."""
    gr.Warning(app_view.toast_html(message), title="Внимание")


def progress_reporter(progress: gr.Progress) -> Progress:
    """Adapt gr.Progress to the pipeline's `progress(fraction, stage_ru)` callback."""

    def report(fraction: float, stage: str) -> None:
        progress(fraction, desc=stage)

    return report


class Turns:
    """One heavy job at a time, at most `waiting` more in line; past that a request is refused at once.

    The app's own line instead of Gradio's bounded queue, whose «Queue is full» answer is English and
    hard-coded in Gradio's clients: a refusal here reaches the page and gradio_client in Russian.
    """

    def __init__(self, waiting: int = WAITING) -> None:
        self.waiting = waiting
        self._lock = threading.Lock()
        self._guard = threading.Lock()
        self._queued = 0

    @contextmanager
    def turn(self, progress: Progress | None = None) -> Iterator[None]:
        """Wait for this job's turn (reporting how many are ahead) and hold it while the job runs."""
        with self._guard:
            if self._queued > self.waiting:
                raise refusal(
                    f"Очередь заполнена: {self._queued} запросов уже ждут или выполняются. "
                    "Попробуйте через минуту."
                )
            ahead = self._queued
            self._queued += 1
        try:
            if ahead and progress is not None:
                progress(0.0, f"Очередь: перед вами {ahead}")
            with self._lock:
                yield
        finally:
            with self._guard:
                self._queued -= 1


# -- the app's actions ---------------------------------------------------------------------------
class Actions:
    """Event handlers bound to one Pipeline; each is a thin call into it."""

    def __init__(self, pipeline: Pipeline, turns: Turns | None = None) -> None:
        self.pipeline = pipeline
        self.limits = pipeline.settings.limits
        self.turns = turns or Turns()

    def checkpoint_choices(self, route: str | None) -> list[tuple[str, str]]:
        """Dropdown entries (label, name) for a route, or every checkpoint when route is None."""
        return app_view.checkpoint_choices(self.pipeline.checkpoints(route))

    def default_checkpoint(self, route: str) -> str | None:
        """The preselected checkpoint of a route's dropdown: the configured default when it serves it."""
        names = [name for _, name in self.checkpoint_choices(route)]
        default = self.pipeline.settings.default_checkpoint
        return default if default in names else next(iter(names), None)

    def details(self, name: str | None) -> str:
        """The line under a model dropdown: the chosen model's full title, name and state."""
        return app_view.checkpoint_details(self.pipeline.checkpoints(), name)

    def show_photos(self, files: list[str] | None) -> list[tuple[str, str]]:
        """The gallery in upload order, captioned with the numbers messages use; warns past the limit."""
        files = files or []
        if len(files) > self.limits.max_images:
            warn(
                f"Загружено {len(files)} фото — допустимо не больше {self.limits.max_images}. "
                "Удалите лишние, иначе объявление будет отклонено."
            )
        return [
            (f, f"{number}. {app_view.short_file_name(Path(f).name)}")
            for number, f in enumerate(files, start=1)
        ]

    def add_row(self, rows: list[list[Any]] | None) -> list[list[Any]]:
        """The attribute table with one more empty row, up to the row limit."""
        rows = list(rows or [])
        if len(rows) >= self.limits.max_attributes:
            warn(f"В таблице характеристик не больше {self.limits.max_attributes} строк.")
            return rows
        return [*rows, ["", ""]]

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
        report = progress_reporter(progress)
        with self.turns.turn(report):
            result = self.pipeline.run(
                listing, single_checkpoint=single or None, multi_checkpoint=multi or None, progress=report
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
        report = progress_reporter(progress)
        with self.turns.turn(report):
            results = self.pipeline.compare(listing, names, progress=report)
        return [
            {"name": name, "result": result.to_dict()} for name, result in zip(names, results, strict=True)
        ]

    def compare_plan(self, names: list[str] | None) -> tuple[str, Any]:
        """Before comparing: which models really run, which fall back to the template; the button is
        off while the chosen ones would all write the same template text."""
        note, runnable = app_view.compare_plan(
            self.pipeline.checkpoints(), names or [], self.pipeline.settings.default_checkpoint
        )
        return note, gr.update(interactive=runnable)

    def choose_checkpoint(self, name: str | None) -> tuple[Any, Any, Any, str]:
        """A model chosen in a dropdown: its details below it, and the download offer when its weights
        are missing or broken (and it has a source to download from)."""
        details = gr.update(info=self.details(name))
        chosen = next((c for c in self.pipeline.checkpoints() if c.name == name), None)
        if chosen is None or (chosen.present and not chosen.problem) or not chosen.source:
            return details, gr.update(value="", visible=False), gr.update(visible=False), ""
        title = f"Модель **{app_view.markdown_text(chosen.title or chosen.name)}** (`{shorten(chosen.name)}`)"
        if not chosen.present:
            note = f"{title} не скачана: пока её нет, описание напишет шаблон. Скачать веса сейчас?"
        else:
            problem = app_view.markdown_text(chosen.problem or "")
            note = f"{title} повреждена ({problem}): пока её нет, описание напишет шаблон. Скачать заново?"
        return (
            details,
            gr.update(value=note, visible=True),
            gr.update(value=f"Скачать «{shorten(chosen.name, 40)}»", visible=True),
            chosen.name,
        )

    def folders(self) -> str:
        """Which folders under the checkpoints folder are not models, and why."""
        return app_view.folders_markdown(self.pipeline.registry.folders())

    def model_lists(self) -> tuple[Any, ...]:
        """Every model list as the checkpoints folder is now (a page load rescans it): both dropdowns,
        the compare choices, the folders that are not models, and the compare plan."""
        folders = self.folders()
        return (
            gr.update(choices=self.checkpoint_choices("single")),
            gr.update(choices=self.checkpoint_choices("multi")),
            gr.update(choices=self.checkpoint_choices(None)),
            folders,
            folders,
            self.compare_plan([])[0],
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
            raise refusal(
                f"Неизвестная модель «{shorten(name)}». Доступные модели: {', '.join(known)}."
            )
        report = progress_reporter(progress)
        try:
            with self.turns.turn(report):
                download(name, self.pipeline.settings, progress=report)
        except DownloadError as error:  # offline or a hub failure: a Russian message, not a traceback
            warn(str(error))
            message, retry = f"Не удалось скачать «{name}»: {error}", True
        else:
            message, retry = f"Модель «{name}» скачана и готова к работе.", False
        return (
            app_view.markdown_text(message),
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
        return files, rows, case.listing.text, app_view.markdown_text(case.description_ru)


def show_result(result: dict[str, Any], stage_names: dict[str, str]) -> tuple[Any, ...]:
    """Every result widget's value from a Result's JSON (in RESULT_WIDGETS order); a toast when not ok."""
    toast = app_view.toast_message(result)
    if toast:
        gr.Warning(toast, title="Внимание")
    return (
        app_view.status_markdown(result),
        result.get("text", ""),
        app_view.suggestions_markdown(result),
        app_view.route_markdown(result),
        app_view.unavailable_markdown(result),
        app_view.moderation_rows(result),
        app_view.masking_rows(result),
        app_view.masking_markdown(result),
        app_view.score_rows(result),
        app_view.timing_rows(result, stage_names),
    )


def cleared() -> tuple[Any, ...]:
    """What «Очистить» leaves: no case, no photos, the empty table and text, no result, no comparison
    (in the order of the clear button's outputs)."""
    inputs = (None, None, default_rows(), "", "")
    result = ("", "", "", "", "", [], [], "", [], [], None)
    return (*inputs, *result, [], None, gr.update(visible=False))


def warm_up(pipeline: Pipeline, turns: Turns) -> None:
    """Load what the first request needs, holding the turn: a request made meanwhile waits for it.

    That is the pipeline's models and, for Gradio's part, matplotlib: Gradio imports it and reads its
    backend around every event, and the first time costs more than a whole warm request.
    """
    with turns.turn():
        started = time.perf_counter()
        pipeline.warm_up()
        with contextlib.suppress(ImportError):
            import matplotlib

            matplotlib.get_backend()
        seconds = time.perf_counter() - started
    print(f"Модели загружены за {seconds:.1f} с: приложение готово к работе.", flush=True)


def launch_options(settings: Settings) -> dict[str, Any]:
    """launch() arguments: serve only the test cases' photos, never models or checkpoints; cap uploads;
    Russian for Gradio's own strings."""
    return {
        "allowed_paths": [str(settings.test_cases_dir)],
        "blocked_paths": [str(settings.models_dir), str(settings.checkpoints_dir)],
        "max_file_size": settings.limits.max_image_bytes,
        "i18n": app_page.i18n(),
        "head": app_page.head(),
        "css": app_page.CSS,
    }


# -- the interface -------------------------------------------------------------------------------
def _table(headers: list[str], label: str, widths: list[str], **options: Any) -> gr.Dataframe:
    """A read-only results table."""
    return gr.Dataframe(
        headers=headers,
        value=[],
        label=label,
        interactive=False,
        wrap=True,
        type="array",
        column_widths=widths,  # type: ignore[arg-type]
        **options,
    )


def _markdown(**options: Any) -> gr.Markdown:
    """A Markdown widget for texts that quote the seller: no LaTeX, no raw HTML (the texts are escaped)."""
    return gr.Markdown(latex_delimiters=[], sanitize_html=True, **options)


def build_demo(
    pipeline: Pipeline, turns: Turns | None = None, delete_after_s: int = UPLOADS_KEPT_S
) -> gr.Blocks:
    """The whole interface bound to `pipeline`: uploads deleted `delete_after_s` after upload (checked
    as often) and all at shutdown; heavy jobs one at a time through `turns`."""
    from pipeline.runner import STAGES_RU

    actions = Actions(pipeline, turns)
    limits = pipeline.settings.limits
    cases = actions.cases()
    private: dict[str, Any] = {"api_visibility": "private"}
    heavy: dict[str, Any] = {"concurrency_limit": None}  # they line up in `turns`, not in Gradio's queue

    demo = app_inputs.CheckedBlocks(
        title=TITLE, analytics_enabled=False, delete_cache=(delete_after_s, delete_after_s)
    )
    with demo:
        gr.Markdown(
            f"# {TITLE}\nЗагрузите фото, заполните характеристики и получите описание для "
            "объявления. Числа (цена, размер, год) берутся только из ваших данных."
        )
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=5, min_width=320):
                with gr.Group():
                    case_picker = gr.Dropdown(
                        choices=[(c.title_ru, c.name) for c in cases],
                        value=None,
                        label=CASES_SECTION,
                        info="Заполнит фото, характеристики и текст готовым примером.",
                        elem_id="case-picker",
                    )
                    case_note = _markdown(elem_id="case-note")
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
                    column_count=2,
                    interactive=True,
                    label=f"Характеристики (до {limits.max_attributes} строк)",
                    elem_id="attributes",
                )
                add_row = gr.Button("+ строка", size="sm", variant="secondary", elem_id="add-row")
                text = gr.Textbox(
                    lines=4,
                    max_length=limits.max_text_chars,
                    label="Текст продавца",
                    placeholder="Например: почти новая, носила один сезон",
                    elem_id="seller-text",
                )
                clear = gr.Button("Очистить", variant="secondary", elem_id="clear-button")
            with gr.Column(scale=6, min_width=320), gr.Tabs():
                with gr.Tab("Генерация", id="generate"):
                    with gr.Row():
                        single = gr.Dropdown(
                            choices=actions.checkpoint_choices("single"),
                            value=actions.default_checkpoint("single"),
                            label="Модель для одного фото (и без фото)",
                            info=actions.details(actions.default_checkpoint("single")),
                            allow_custom_value=True,
                            elem_id="single-checkpoint",
                        )
                        multi = gr.Dropdown(
                            choices=actions.checkpoint_choices("multi"),
                            value=actions.default_checkpoint("multi"),
                            label="Модель для нескольких фото",
                            info=actions.details(actions.default_checkpoint("multi")),
                            allow_custom_value=True,
                            elem_id="multi-checkpoint",
                        )
                    folders = _markdown(value=actions.folders(), elem_id="model-folders")
                    offer = _markdown(visible=False, elem_id="download-offer")
                    download_button = gr.Button(visible=False, variant="secondary")
                    pending = gr.Textbox(visible=False, label="Модель для загрузки")
                    generate = gr.Button("Сгенерировать", variant="primary", elem_id="generate-button")
                    status = _markdown(elem_id="status")
                    description = gr.Textbox(
                        label="Описание", lines=8, interactive=False, buttons=["copy"], elem_id="description"
                    )
                    suggestions = _markdown(elem_id="suggestions")
                    route = _markdown(elem_id="route")
                    missing = _markdown(elem_id="missing-models")
                    with gr.Accordion("Модерация", open=True):
                        moderation = _table(
                            app_view.MODERATION_HEADERS, "Проверки", app_view.MODERATION_WIDTHS,
                            elem_id="moderation", elem_classes=["wide-table"], max_height=800,
                        )  # fmt: skip
                    with gr.Accordion("Оценки качества", open=True):
                        scores = _table(
                            app_view.SCORE_HEADERS, "Оценки", app_view.SCORE_WIDTHS, elem_id="scores"
                        )
                        gr.Markdown(
                            "ruCLIP сравнивает описание и текст продавца с фото; BERTScore — описание с "
                            "характеристиками и текстом продавца; покрытие — сколько характеристик "
                            "названо в описании."
                        )
                    with gr.Accordion("Маскирование чисел", open=True):
                        masking = _table(
                            app_view.MASKING_HEADERS, "Токены", ["18%", "27%", "30%", "25%"],
                            elem_id="masking", elem_classes=["wide-table"],
                        )  # fmt: skip
                        removed = _markdown(elem_id="removed")
                    with gr.Accordion("Время по этапам", open=True):
                        timings = _table(app_view.TIMING_HEADERS, "Этапы", ["65%", "35%"], elem_id="timings")
                    with gr.Accordion("Результат в JSON", open=False):
                        result_json = gr.JSON(label="Результат (JSON)")
                with gr.Tab("Сравнение моделей", id="compare"):
                    chosen = gr.CheckboxGroup(
                        choices=actions.checkpoint_choices(None),
                        label="Модели (две или больше)",
                        elem_id="compare-checkpoints",
                    )
                    plan = _markdown(value=actions.compare_plan([])[0], elem_id="compare-plan")
                    compare_folders = _markdown(value=actions.folders())
                    run_compare = gr.Button(  # off until two models that write different texts are chosen
                        "Сравнить", variant="primary", interactive=False, elem_id="compare-button"
                    )
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
                app_view.compare_widths(),
                elem_id="comparison",
                elem_classes=["wide-table"],
                max_height=800,
            )
            with gr.Accordion("Результаты в JSON", open=False):
                comparison_json = gr.JSON(label="Результаты (JSON)")

        result_widgets = [status, description, suggestions, route, missing, moderation, masking, removed]
        result_widgets += [scores, timings]
        listing_inputs = [photos, table, text]
        demo.checks.add(photos, app_inputs.check_photos(limits))
        demo.checks.add(table, app_inputs.check_table(limits))
        demo.checks.add(text, app_inputs.check_text)
        for name_input in (single, multi, pending):
            demo.checks.add(name_input, app_inputs.check_name)
        demo.checks.add(chosen, app_inputs.check_names)

        demo.load(
            actions.model_lists, None, [single, multi, chosen, folders, compare_folders, plan], **private
        )
        photos.change(actions.show_photos, photos, gallery, **private)
        case_picker.change(actions.pick_case, case_picker, [photos, table, text, case_note], **private)
        add_row.click(actions.add_row, table, table, **private)
        comparison_widgets = [comparison, comparison_json, comparison_box]
        clear.click(
            cleared,
            None,
            [case_picker, photos, table, text, case_note, *result_widgets, result_json, *comparison_widgets],
            **private,
        )
        for dropdown in (single, multi):
            dropdown.change(
                actions.choose_checkpoint, dropdown, [dropdown, offer, download_button, pending], **private
            )
        download_button.click(
            actions.download_checkpoint,
            pending,
            [offer, download_button, single, multi, chosen],
            api_name="download",
            **heavy,
        )
        generate.click(
            actions.generate,
            [*listing_inputs, single, multi],
            result_json,
            api_name="generate",
            show_progress_on=[status, description],
            **heavy,
        ).success(lambda result: show_result(result, STAGES_RU), result_json, result_widgets, **private)
        chosen.change(actions.compare_plan, chosen, [plan, run_compare], **private)
        run_compare.click(
            actions.compare,
            [*listing_inputs, chosen],
            comparison_json,
            api_name="compare",
            show_progress_on=[compare_note],
            **heavy,
        ).success(
            lambda entries: (app_view.compare_rows(entries), gr.update(visible=True)),
            comparison_json,
            [comparison, comparison_box],
            scroll_to_output=True,
            **private,
        )
    demo.queue(default_concurrency_limit=1, max_size=None)
    return demo


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = RussianParser(prog="python app.py", description=TITLE)
    parser.add_argument("--host", default="127.0.0.1", help="адрес сервера (0.0.0.0 — доступ из сети)")
    parser.add_argument("--port", type=int, default=7860, help="порт сервера")
    parser.add_argument("--share", action="store_true", help="публичная ссылка через gradio.live")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Start the app: `python app.py [--host] [--port] [--share]`; the models load in the background."""
    from pipeline import Pipeline  # the stages (and torch) load when the app starts, not on `import app`

    args = parse_args(argv)
    settings = Settings.from_env()
    pipeline, turns = Pipeline(settings), Turns()
    demo = build_demo(pipeline, turns)
    threading.Thread(target=warm_up, args=(pipeline, turns), name="warm-up", daemon=True).start()
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, **launch_options(settings))


if __name__ == "__main__":
    main()
