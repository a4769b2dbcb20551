"""The app's own code without a server: cheap import, request checks, widget values → Listing,
Result → widgets, the line of heavy jobs."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import gradio as gr
import pytest
from gradio.utils import get_upload_folder

import app
import app_inputs
import app_page
import app_view
from captioning.registry import Registry
from core.settings import PROJECT_ROOT, Limits
from pipeline import Listing, Pipeline, Settings
from tests.checkpoint_folders import TEMPLATE, VIT, write_manifest, write_model_files


def test_import_app_builds_nothing_and_loads_no_model() -> None:
    heavy = ["torch", "transformers", "onnxruntime", "nudenet", "pipeline.runner", "captioning.registry"]
    code = (
        "import sys, app, gradio\n"
        "assert gradio.context.Context.root_block is None, 'a Blocks was built at import'\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


# -- widget values → Listing ------------------------------------------------------------------
def test_attribute_table_skips_unfilled_rows_and_keeps_order() -> None:
    rows = [["Вид одежды", ""], ["Размер", " 46 "], ["Цена", 2500], ["Состояние", None], ["Цвет", "синий"]]
    assert app_inputs.attributes_from_table(rows) == {"Размер": "46", "Цена": "2500", "Цвет": "синий"}
    assert list(app_inputs.attributes_from_table(rows)) == ["Размер", "Цена", "Цвет"]
    numbers = [["Цена", 1234567.0], ["Вес", 2.5], ["Год", 2019]]
    assert app_inputs.attributes_from_table(numbers) == {"Цена": "1234567", "Вес": "2.5", "Год": "2019"}
    assert app_inputs.attributes_from_table(app_inputs.default_rows()) == {}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"Цена": "100"}, "списком строк"),
        ([["Цена", "100", "лишнее"]], "Строка 1"),
        (["Цена=100"], "ровно две ячейки"),
        ([["Цена", "100"], ["", "синий"]], "нет названия поля"),
        ([["Цена", "100"], ["Цена", "200"]], "дважды"),
        ([["Цена", {"$gt": 1}]], "должна быть текстом"),
    ],
)
def test_forged_attribute_tables_are_refused_in_russian(rows: object, message: str) -> None:
    with pytest.raises(gr.Error, match=message):
        app_inputs.attributes_from_table(rows)


def test_a_refusal_echoes_at_most_a_hundred_characters_of_a_name_and_escapes_it() -> None:
    key = "<b>" + "я" * 10_000
    with pytest.raises(gr.Error) as refused:
        app_inputs.attributes_from_table([[key, "1"], [key, "2"]])
    message = refused.value.message
    assert "&lt;b&gt;" in message and "<b>" not in message  # a toast renders HTML: shown literally
    assert len(message) < 200


def test_listing_from_inputs_keeps_upload_order() -> None:
    listing = app_inputs.listing_from_inputs(["/tmp/b.jpg", "/tmp/a.jpg"], [["Цена", "10"]], "текст")
    assert listing == Listing([Path("/tmp/b.jpg"), Path("/tmp/a.jpg")], {"Цена": "10"}, "текст")
    with pytest.raises(gr.Error, match="списком"):
        app_inputs.listing_from_inputs("/etc/passwd", None, "")


# -- raw request checks ------------------------------------------------------------------------
LIMITS = Limits()
TABLE = {"headers": ["Поле", "Значение"], "data": [["Цена", "100"]]}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("Цена=100", "неверном виде"),
        ([["Цена", "100"]], "неверном виде"),
        ({"headers": ["Поле", "Значение"], "data": "Цена"}, "неверном виде"),
        ({"data": [["Цена", "100"]]}, "заголовков"),
        ({**TABLE, "metadata": "x"}, "metadata"),
        ({"headers": [], "data": ["Цена=100"]}, "Строка 1"),
        ({"headers": [], "data": [["k", "v"]] * (LIMITS.max_attributes + 1)}, "не больше 50"),
    ],
)
def test_malformed_tables_are_refused_before_gradio_parses_them(payload: object, message: str) -> None:
    check = app_inputs.check_table(LIMITS)
    with pytest.raises(gr.Error, match=message):
        check(payload)
    check(TABLE)
    check(None)


def test_photos_must_be_files_uploaded_to_the_app(tmp_path: Path) -> None:
    check = app_inputs.check_photos(LIMITS)
    uploaded = Path(get_upload_folder()) / "0123abcd" / "front.jpg"
    check([{"path": str(uploaded), "meta": {"_type": "gradio.FileData"}}])
    check(None)
    with pytest.raises(gr.Error, match="вместо загруженного файла"):
        check(["/etc/passwd"])
    with pytest.raises(gr.Error, match="не загружен в приложение"):
        check([{"path": str(tmp_path / "a.jpg")}])
    with pytest.raises(gr.Error, match="допустимы только JPG, JPEG, PNG, GIF"):
        check([{"path": str(uploaded.with_suffix(".svg"))}])
    with pytest.raises(gr.Error, match=f"Загружено 11 фото — допустимо не больше {LIMITS.max_images}"):
        check([{"path": str(uploaded)}] * 11)
    with pytest.raises(gr.Error, match="списком"):
        check("/etc/passwd")


def test_names_and_texts_have_the_right_type_and_a_name_is_echoed_short() -> None:
    app_inputs.check_name("template")
    app_inputs.check_names(["template", "vit-rugpt2"])
    app_inputs.check_text("Текст")
    with pytest.raises(gr.Error) as refused:
        app_inputs.check_name("x" * 1_000_000)
    assert "x" * 99 + "…" in refused.value.message and "x" * 101 not in refused.value.message
    wrong = [(app_inputs.check_name, 5), (app_inputs.check_names, "a"), (app_inputs.check_text, 5)]
    for check, payload in wrong:
        with pytest.raises(gr.Error):
            check(payload)


def test_a_request_with_too_few_values_is_refused_in_russian() -> None:
    with gr.Blocks():
        box = gr.Textbox()
    checks = app_inputs.RequestChecks()
    checks.add(box, app_inputs.check_text)
    checks.run([box], ["текст"])
    with pytest.raises(gr.Error, match="Запрос неполный: нужно 1 значений, пришло 0"):
        checks.run([box], [])
    with pytest.raises(gr.Error, match="строкой"):
        checks.run([box], [5])


def test_launch_options_serve_test_cases_but_never_models_or_the_repo(tmp_path: Path) -> None:
    settings = Settings(models_dir=tmp_path / "models", checkpoints_dir=tmp_path / "ckpt")
    options = app.launch_options(settings)
    assert options["allowed_paths"] == [str(settings.test_cases_dir)]
    assert str(PROJECT_ROOT) not in options["allowed_paths"]
    assert set(options["blocked_paths"]) == {str(tmp_path / "models"), str(tmp_path / "ckpt")}
    assert options["max_file_size"] == settings.limits.max_image_bytes
    assert options["i18n"].translations_dict == {"ru": app_page.TRANSLATIONS}
    assert "Скопировать таблицу" in options["head"]


def test_command_line_defaults_and_options() -> None:
    args = app.parse_args([])
    assert (args.host, args.port, args.share) == ("127.0.0.1", 7860, False)
    args = app.parse_args(["--host", "0.0.0.0", "--port", "8000", "--share"])
    assert (args.host, args.port, args.share) == ("0.0.0.0", 8000, True)


# -- the line of heavy jobs ---------------------------------------------------------------------
def test_turns_run_one_job_and_refuse_past_the_line_in_russian() -> None:
    turns = app.Turns(waiting=1)
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        with turns.turn():
            started.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    started.wait()
    queued: list[str] = []
    waiter = threading.Thread(target=lambda: turns.turn(lambda f, s: queued.append(s)).__enter__())
    waiter.start()
    while not queued:  # the second job is in line and says how many are ahead
        waiter.join(0.01)
    assert queued == ["Очередь: перед вами 1"]
    with pytest.raises(gr.Error, match="Очередь заполнена"), turns.turn():
        pass
    release.set()
    holder.join()
    waiter.join()


# -- Result → widgets -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def text_only_result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A real run of the pipeline with no optional models: a text-only listing with a price."""
    settings = Settings(models_dir=tmp_path_factory.mktemp("models"))
    listing = Listing([], {"Тип": "Чашка", "Цена": "350"}, "Фарфоровая чашка без сколов.")
    return Pipeline(settings).run(listing).to_dict()


def test_result_view_of_a_real_run(text_only_result: dict) -> None:
    assert text_only_result["status"] == "ok"
    shown = app.show_result(text_only_result, {"generate": "Генерация описания"})
    status, text, suggestions, route, missing, moderation, masking, removed, scores, timings = shown
    assert status.startswith("### Описание готово")
    assert "недоступно" not in status  # each missing model is said once, below, with its command
    assert "`python -m pipeline download rubert-tiny-toxicity`" in missing
    assert missing.count("download rubert-tiny-toxicity`") == 1
    assert "350" in text
    assert suggestions == ""
    assert "только текст" in route
    assert ["<PRICE>", "350", "поле «Цена»", "вставлен"] in masking
    assert removed == "Выдуманных моделью чисел не найдено."
    scores_by_name = dict(scores)
    # no ruCLIP for a text-only listing and no BERTScore model: shown as unavailable, never as a number
    assert scores_by_name[app_view.SCORES["clip_text_photo_mean"][0]] == app_view.NOT_AVAILABLE
    assert scores_by_name[app_view.SCORES["bertscore_f1"][0]] == app_view.NOT_AVAILABLE
    assert timings[-1][0] == "Всего"
    generate = text_only_result["timings"]["generate"]
    assert ["Генерация описания", app_view.duration(generate)] in timings
    assert all(row[2] for row in moderation)
    assert not any("`" in cell for row in moderation for cell in row)  # table cells are plain text


def test_suggestions_are_shown_under_the_text_apart_from_warnings() -> None:
    result = {"status": "ok", "warnings": ["Не указано, что продаётся"]}
    result["suggestions"] = ["По фото похоже на синий"]
    assert "- Не указано, что продаётся" in app_view.status_markdown(result)
    assert "синий" not in app_view.status_markdown(result)
    assert app_view.suggestions_markdown(result) == "**Советы продавцу:**\n- По фото похоже на синий"
    assert app_view.suggestions_markdown({"status": "ok"}) == ""


def test_rejection_view_lists_every_reason_and_says_no_route_was_chosen() -> None:
    result = {
        "status": "rejected",
        "reasons": ["Фото 2 (b.jpg): не изображение", "Текст: телефон"],
        "photos": [{"number": 1, "name": "a.jpg", "hints": []}],
        "masking": {},
    }
    status = app_view.status_markdown(result)
    assert "отклонено" in status
    assert "- Фото 2 (b.jpg): не изображение" in status
    assert "- Текст: телефон" in status
    assert app_view.route_markdown(result).startswith("- Маршрут не выбран")
    assert app_view.masking_markdown(result) == ""  # no model ran, so nothing was invented or removed
    toast = "Объявление отклонено: Фото 2 (b.jpg): не изображение; Текст: телефон"
    assert app_view.toast_message(result) == toast
    assert app_view.toast_message({"status": "ok"}) is None


@pytest.mark.parametrize(
    ("text", "markdown", "html", "plain"),
    [
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;", "&lt;b&gt;x&lt;/b&gt;", "<b>x</b>"),
        ("**жир** [ссылка](javascript:1)", "\\*\\*жир\\*\\* \\[ссылка\\](javascript:1)", None, None),
        ("выполните `python -m pipeline download x`", "выполните `python -m pipeline download x`",
         "выполните <code>python -m pipeline download x</code>", "выполните python -m pipeline download x"),
        ("строка\n# заголовок", "строка # заголовок", None, None),
        ("# заголовок", "\\# заголовок", None, None),
        ("2019. Год", "2019\\. Год", None, None),
        ("- пункт", "\\- пункт", None, None),
        ("vit-rugpt2 (tuman/vit) my_model", "vit-rugpt2 (tuman/vit) my\\_model", None, None),
    ],
)  # fmt: skip
def test_text_is_rendered_as_what_it_is(
    text: str, markdown: str, html: str | None, plain: str | None
) -> None:
    assert app_view.markdown_text(text) == markdown
    if html is not None:
        assert app_view.toast_html(text) == html
    if plain is not None:
        assert app_view.plain_text(text) == plain


def test_an_empty_listing_sends_a_web_user_to_the_test_cases_not_the_command_line() -> None:
    result = Pipeline(Settings()).run(Listing()).to_dict()
    for shown in (app_view.status_markdown(result), app_view.toast_message(result)):
        assert shown is not None
        assert "«Тестовых примерах»" in shown and "python -m" not in shown


def test_short_names_keep_their_start_and_extension() -> None:
    name = "07cddef1-1fc8-47e4-a28a-613e60912590.jpg"
    shown = app_view.short_file_name(name)
    assert len(shown) <= app_view.FILE_NAME_CHARS
    assert shown.startswith("07cddef1") and shown.endswith(".jpg") and "…" in shown
    assert app_view.short_file_name("cup.jpg") == "cup.jpg"


def test_durations_are_milliseconds_under_a_second() -> None:
    assert [app_view.duration(s) for s in (0.0004, 0.012, 0.5, 1.234, None)] == [
        "< 1 мс", "12 мс", "500 мс", "1.23 с", "—",
    ]  # fmt: skip


def _checks(name: str, verdict: str, photos: list, reason: str = "", score: float | None = None) -> list:
    """Moderation checks as a Result's JSON carries them, one per photo (None: a text check)."""
    check = {"name": name, "verdict": verdict, "score": score, "reason_ru": reason, "seconds": 0.05}
    return [{**check, "photo": photo} for photo in photos]


def test_moderation_rows_give_an_unavailable_model_one_line_not_one_per_photo() -> None:
    missing = "недоступно: модель ruclip не скачана — выполните `python -m pipeline download ruclip`"
    result = {
        "moderation": _checks("nudity", "pass", list(range(1, 11)), score=0.1)
        + _checks("nudity", "warn", [4], "фото 4: бельё", 0.5)
        + _checks("contacts", "pass", [None], score=0.0)
        + _checks("photo_text_match", "unavailable", list(range(1, 11)), missing)
    }
    rows = app_view.moderation_rows(result)
    assert len(rows) == 4
    nudity, warning, contacts, match = rows
    assert nudity[1:3] == ["фото 1–10", "пройдена, до 0.10"]
    assert warning[1:4] == ["фото 4", "предупреждение, 0.50", "фото 4: бельё"]
    assert contacts[1] == "ввод продавца"
    assert match[1:4] == ["фото 1–10", "недоступна", app_view.MISSING_MODEL]
    assert all(row[4] == "50 мс" for row in rows)
    assert app_view.unavailable_markdown(result).count("python -m pipeline download ruclip") == 1


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    """Real checkpoint folders: the template, a model not downloaded, one with garbage weights, one with
    a broken manifest and one whose name breaks the rule."""
    root = tmp_path / "checkpoints"
    write_manifest(root, "template", {**TEMPLATE, "title": "Шаблон (встроенный, без загрузки моделей)"})
    write_manifest(root, "vit-rugpt2", {**VIT, "title": "ViT + ruGPT-2: подпись к одному фото"})
    write_model_files(write_manifest(root, "broken", {**VIT, "title": "Сломанная"}), weights=b"garbage")
    write_manifest(root, "bad-manifest", "{not json")
    write_manifest(root, "my model", TEMPLATE)
    return Registry(Settings(checkpoints_dir=root))


def test_model_lists_show_short_titles_states_and_the_details_below(registry: Registry) -> None:
    checkpoints = registry.list_checkpoints()
    assert app_view.checkpoint_choices(checkpoints) == [
        ("Шаблон", "template"),
        ("Сломанная — повреждён", "broken"),
        ("ViT + ruGPT-2 — не скачан", "vit-rugpt2"),
    ]
    details = app_view.checkpoint_details(checkpoints, "vit-rugpt2")
    assert details == "ViT + ruGPT-2: подпись к одному фото · vit-rugpt2 · не скачан"
    assert app_view.checkpoint_details(checkpoints, "broken").startswith("Сломанная · broken · повреждён: ")
    write_manifest(registry.settings.checkpoints_dir, "my-template", {**TEMPLATE, "title": "Шаблон: мой"})
    choices = app_view.checkpoint_choices(registry.list_checkpoints())
    assert ("Шаблон (my-template)", "my-template") in choices  # two «Шаблон»s: the name tells them apart


def test_every_folder_that_is_not_a_model_is_named_with_why(registry: Registry) -> None:
    folders = app_view.folders_markdown(registry.folders())
    assert "«bad-manifest» — повреждён: checkpoint.json" in folders
    assert "«my model» — повреждён: имя папки не подходит" in folders
    assert "broken" not in folders  # a broken model is in the model lists, with its reason
    assert app_view.folders_markdown([f for f in registry.folders() if f.info is not None]) == ""


def test_compare_plan_says_what_falls_back_and_refuses_identical_fallbacks(registry: Registry) -> None:
    checkpoints = registry.list_checkpoints()
    note, runnable = app_view.compare_plan(checkpoints, ["template", "vit-rugpt2"], "template")
    assert not runnable
    assert "Готовы: Шаблон" in note and "вместо них текст напишет «Шаблон»: ViT + ruGPT-2" in note
    assert "Повреждены, вместо них текст напишет «Шаблон»: Сломанная" in note
    assert "сравнивать нечего" in note
    assert not app_view.compare_plan(checkpoints, ["template", "broken"], "template")[1]
    write_manifest(registry.settings.checkpoints_dir, "short", {**TEMPLATE, "title": "Короткий"})
    checkpoints = registry.list_checkpoints()
    assert app_view.compare_plan(checkpoints, ["template", "short"], "template")[1]
    assert not app_view.compare_plan(checkpoints, ["short"], "template")[1]


def test_compare_rows_name_the_fallback_model() -> None:
    entries = [
        {
            "name": "template",
            "result": {
                "status": "ok",
                "text": "Чашка",
                "checkpoint": {"used": "template"},
                "timings": {"total": 0.5},
                "scores": {"confidence": None},
            },
        },
        {
            "name": "vit-rugpt2",
            "result": {
                "status": "ok",
                "text": "Чашка",
                "checkpoint": {"used": "template"},
                "timings": {"total": 1.25},
                "scores": {"confidence": 0.75},
            },
        },
    ]
    rows = app_view.compare_rows(entries)
    headers = app_view.compare_headers()
    assert [len(r) for r in rows] == [len(headers), len(headers)]
    assert rows[0][0] == "template"
    assert rows[1][0] == "vit-rugpt2 (текст написала template)"
    assert (rows[0][3], rows[1][3]) == ("500 мс", "1.25 с")
    confidence = headers.index(app_view.SCORES["confidence"][1])
    assert (rows[0][confidence], rows[1][confidence]) == (app_view.NOT_AVAILABLE, "0.750")


def test_clearing_resets_every_result_widget() -> None:
    cleared = app.cleared()
    inputs, result = cleared[:5], cleared[5:-3]
    assert inputs == (None, None, app_inputs.default_rows(), "", "")
    assert all(value in ("", [], None) for value in result)
    assert len(result) == 11  # the ten result widgets and the result's JSON
