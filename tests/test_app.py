"""The app's own code without a server: cheap import, widget values → Listing, Result → widgets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest

import app
import app_view
from core.settings import PROJECT_ROOT
from pipeline import Listing, Pipeline, Settings


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


def test_attribute_table_skips_unfilled_rows_and_keeps_order() -> None:
    rows = [["Вид одежды", ""], ["Размер", " 46 "], ["Цена", 2500], ["Состояние", None], ["Цвет", "синий"]]
    assert app.attributes_from_table(rows) == {"Размер": "46", "Цена": "2500", "Цвет": "синий"}
    assert list(app.attributes_from_table(rows)) == ["Размер", "Цена", "Цвет"]
    numbers = [["Цена", 1234567.0], ["Вес", 2.5], ["Год", 2019]]
    assert app.attributes_from_table(numbers) == {"Цена": "1234567", "Вес": "2.5", "Год": "2019"}
    assert app.attributes_from_table(app.default_rows()) == {}


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
        app.attributes_from_table(rows)


def test_listing_from_inputs_keeps_upload_order() -> None:
    listing = app.listing_from_inputs(["/tmp/b.jpg", "/tmp/a.jpg"], [["Цена", "10"]], "текст")
    assert listing == Listing([Path("/tmp/b.jpg"), Path("/tmp/a.jpg")], {"Цена": "10"}, "текст")
    with pytest.raises(gr.Error, match="списком"):
        app.listing_from_inputs("/etc/passwd", None, "")


def test_launch_options_serve_test_cases_but_never_models_or_the_repo(tmp_path: Path) -> None:
    settings = Settings(models_dir=tmp_path / "models", checkpoints_dir=tmp_path / "ckpt")
    options = app.launch_options(settings)
    assert options["allowed_paths"] == [str(settings.test_cases_dir)]
    assert str(PROJECT_ROOT) not in options["allowed_paths"]
    assert set(options["blocked_paths"]) == {str(tmp_path / "models"), str(tmp_path / "ckpt")}
    assert options["max_file_size"] == settings.limits.max_image_bytes


def test_command_line_defaults_and_options() -> None:
    args = app.parse_args([])
    assert (args.host, args.port, args.share) == ("127.0.0.1", 7860, False)
    args = app.parse_args(["--host", "0.0.0.0", "--port", "8000", "--share"])
    assert (args.host, args.port, args.share) == ("0.0.0.0", 8000, True)


@pytest.fixture(scope="module")
def text_only_result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A real run of the pipeline with no optional models: a text-only listing with a price."""
    settings = Settings(models_dir=tmp_path_factory.mktemp("models"))
    listing = Listing([], {"Тип": "Чашка", "Цена": "350"}, "Фарфоровая чашка без сколов.")
    return Pipeline(settings).run(listing).to_dict()


def test_result_view_of_a_real_run(text_only_result: dict) -> None:
    assert text_only_result["status"] == "ok"
    status, text, route, moderation, masking, removed, scores, unavailable, timings = app.show_result(
        text_only_result, {"generate": "Генерация описания"}
    )
    assert status.startswith("### Описание готово")
    assert "350" in text
    assert "только текст" in route
    assert ["<PRICE>", "350", "поле «Цена»", "вставлен"] in masking
    assert removed == "Выдуманных моделью чисел не найдено."
    scores_by_name = dict(scores)
    # no ruCLIP for a text-only listing and no BERTScore model: shown as unavailable, never as a number
    assert scores_by_name[app_view.SCORES["clip_text_photo_mean"][0]] == app_view.NOT_AVAILABLE
    assert scores_by_name[app_view.SCORES["bertscore_f1"][0]] == app_view.NOT_AVAILABLE
    assert "bert" in unavailable.lower()
    assert timings[-1][0] == "Всего"
    assert ["Генерация описания", f"{text_only_result['timings']['generate']:.2f}"] in timings
    assert all(row[2] for row in moderation)


def test_suggestions_are_shown_apart_from_warnings() -> None:
    result = {
        "status": "ok", "warnings": ["Не указано, что продаётся"], "suggestions": ["По фото похоже на синий"]
    }
    status = app_view.status_markdown(result)
    assert status.index("**Предупреждения:**") < status.index("- Не указано, что продаётся")
    assert status.index("**Советы продавцу:**") < status.index("- По фото похоже на синий")


def test_rejection_view_lists_every_reason() -> None:
    result = {"status": "rejected", "reasons": ["Фото 2 (b.jpg): не изображение", "Текст: телефон"]}
    status = app_view.status_markdown(result)
    assert "отклонено" in status
    assert "- Фото 2 (b.jpg): не изображение" in status
    assert "- Текст: телефон" in status


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
                "timings": {"total": 0.25},
                "scores": {"confidence": 0.75},
            },
        },
    ]
    rows = app_view.compare_rows(entries)
    headers = app_view.compare_headers()
    assert [len(r) for r in rows] == [len(headers), len(headers)]
    assert rows[0][0] == "template"
    assert rows[1][0] == "vit-rugpt2 (текст написала template)"
    confidence = headers.index(app_view.SCORES["confidence"][1])
    assert (rows[0][confidence], rows[1][confidence]) == (app_view.NOT_AVAILABLE, "0.750")
