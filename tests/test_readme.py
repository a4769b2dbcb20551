"""The README stays true: its two set-up commands, its links and its table of models."""

from __future__ import annotations

import re

from core.catalogue import download_command
from core.settings import PROJECT_ROOT
from pipeline.downloader import downloadables

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return README.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_quick_start_has_exactly_two_commands_and_the_address() -> None:
    quick_start = _section("Быстрый старт")
    commands = re.findall(r"```bash\n(.*?)```", quick_start, re.S)
    assert [c.strip() for c in commands] == [
        "pip install -r requirements.txt && python app.py",
        "pip install -r requirements-dev.txt && python -m pytest",
    ]
    assert "http://127.0.0.1:7860" in quick_start


def test_every_link_points_inside_the_repository() -> None:
    links = re.findall(r"\]\(([^)]+)\)", README)
    assert "docs/screenshot-1280.png" in links and "docs/architecture.md" in links
    for link in links:
        assert not re.match(r"\w+://", link), link
        assert (PROJECT_ROOT / link).is_file(), link
    assert re.findall(r"https?://\S+", README) == ["http://127.0.0.1:7860."]


def test_every_downloadable_model_has_its_own_row_and_command() -> None:
    table = _section("Модели")
    rows = {row.split("|")[1].strip(" `"): row for row in table.splitlines() if row.startswith("| `")}
    for name in downloadables():
        assert name in rows, name
        assert f"`{download_command(name)}`" in rows[name], rows[name]
    assert rows.keys() - downloadables().keys() == {"template"}


def test_each_score_says_what_it_compares() -> None:
    scores = _section("Что сравнивает каждая оценка")
    bertscore = "BERTScore F1 | сгенерированное описание с собственными характеристиками и текстом продавца"
    assert bertscore in scores
