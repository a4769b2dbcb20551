"""Preloaded test cases: one folder each in test_cases/ with listing.json, images and expect.json.

An expectation may name the models it needs (`"requires": [...]`, checked only when they are present)
or the models whose absence it describes (`"when_missing": [...]`), so every case runs everywhere
and checks more where more models exist; `"checkpoint": NAME` checks it only when that caption model
wrote the text (an exact expected text belongs to one model).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.catalogue import KNOWN_MODELS, is_present
from core.listing import Listing, Result
from core.settings import Settings
from pipeline.arguments import RussianParser


@dataclass
class Case:
    """One preloaded listing and what must happen to it."""

    name: str
    title_ru: str
    description_ru: str
    listing: Listing
    expectations: list[dict[str, Any]]
    folder: Path


@dataclass
class Outcome:
    """How a Result measured up to a case's expectations."""

    met: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def load_case(folder: Path) -> Case:
    """Read one case folder."""
    listing = json.loads((folder / "listing.json").read_text(encoding="utf-8"))
    expect = json.loads((folder / "expect.json").read_text(encoding="utf-8"))
    return Case(
        name=folder.name,
        title_ru=listing["title"],
        description_ru=listing.get("description", ""),
        listing=Listing(
            images=[folder / name for name in listing.get("images", [])],
            attributes=dict(listing.get("attributes", {})),
            text=listing.get("text", ""),
        ),
        expectations=list(expect["expectations"]),
        folder=folder,
    )


def list_cases(settings: Settings | None = None) -> list[Case]:
    """Every case folder under the test cases directory, by name."""
    settings = settings or Settings.from_env()
    return [load_case(p.parent) for p in sorted(settings.test_cases_dir.glob("*/listing.json"))]


def present_models(settings: Settings) -> set[str]:
    """Names of the known models whose folders are present."""
    return {name for name in KNOWN_MODELS if is_present(name, settings)}


def describe(expectation: dict[str, Any]) -> str:
    """A short human label for an expectation."""
    target = expectation.get("equals", expectation.get("values"))
    return f"{expectation['check']} = {target}"


def check(case: Case, result: Result, present: set[str]) -> Outcome:
    """Compare a Result with the case's expectations, skipping those whose models don't match."""
    outcome = Outcome()
    for expectation in case.expectations:
        label = describe(expectation)
        needs = set(expectation.get("requires", []))
        absent = set(expectation.get("when_missing", []))
        used = result.checkpoint.get("used")
        if not needs <= present or absent & present or expectation.get("checkpoint", used) != used:
            outcome.skipped.append(label)
        elif _holds(expectation, result):
            outcome.met.append(label)
        else:
            outcome.failed.append(f"{label}; получено: {_actual(expectation, result)}")
    return outcome


def _actual(expectation: dict[str, Any], result: Result) -> Any:
    kind = expectation["check"]
    if kind == "status":
        return f"{result.status} {result.reasons}"
    if kind == "route":
        return result.route.get("name")
    if kind == "diversity":
        return result.diversity.get("label")
    if kind in ("text_contains", "text_equals"):
        return result.text
    if kind == "reasons_contain":
        return result.reasons
    if kind == "warnings_contain":
        return result.warnings
    if kind == "suggestions_contain":
        return result.suggestions
    raise ValueError(f"unknown expectation check: {kind}")


def _holds(expectation: dict[str, Any], result: Result) -> bool:
    kind = expectation["check"]
    if kind == "status":
        return result.status == expectation["equals"]
    if kind in ("route", "diversity"):
        return _actual(expectation, result) == expectation["equals"]
    if kind == "text_contains":
        return all(value in result.text for value in expectation["values"])
    if kind == "text_equals":
        return result.text == expectation["equals"]
    if kind in ("reasons_contain", "warnings_contain", "suggestions_contain"):
        said = " ".join(_actual(expectation, result))
        return all(value in said for value in expectation["values"])
    raise ValueError(f"unknown expectation check: {kind}")


def cases_main(argv: Sequence[str]) -> int:
    """`python -m pipeline cases [--checkpoint NAME] [--case NAME] [--json]`: run cases, print a table."""
    from pipeline.runner import Pipeline  # the stages (and torch) load only when cases run

    parser = RussianParser(prog="python -m pipeline cases", description="Прогнать тестовые примеры.")
    parser.add_argument("--checkpoint", help="модель описаний для всех маршрутов")
    parser.add_argument("--case", action="append", default=[], help="только этот пример (можно повторять)")
    parser.add_argument("--json", action="store_true", help="вывести результаты JSON-ом")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    pipeline = Pipeline(settings)
    present = present_models(settings)
    rows = []
    awaited: set[str] = set()  # models that skipped expectations need
    for case in list_cases(settings):
        if args.case and case.name not in args.case:
            continue
        awaited |= {m for e in case.expectations for m in e.get("requires", [])} - present
        started = time.perf_counter()
        result = pipeline.run(case.listing, args.checkpoint, args.checkpoint)
        outcome = check(case, result, present)
        rows.append({
            "case": case.name, "title": case.title_ru, "route": result.route.get("name"),
            "diversity": result.diversity.get("label"), "status": result.status,
            "met": len(outcome.met), "failed": outcome.failed, "skipped": len(outcome.skipped),
            "seconds": round(time.perf_counter() - started, 3),
        })
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _print_table(rows, sorted(awaited))
    return 1 if any(row["failed"] for row in rows) else 0


def _print_table(rows: list[dict[str, Any]], missing: list[str]) -> None:
    columns = (
        ("пример", 30), ("маршрут", 7), ("разнообразие", 12), ("статус", 9), ("ок/всего", 9), ("пропущ.", 7)
    )
    header = " ".join(f"{name:<{width}}" for name, width in columns) + f" {'с':>6}"
    print(header)
    print("-" * len(header))
    for row in rows:
        total = row["met"] + len(row["failed"])
        print(
            f"{row['case']:<30} {row['route'] or '—':<7} {row['diversity'] or '—':<12} {row['status']:<9} "
            f"{row['met']}/{total:<7} {row['skipped']:<7} {row['seconds']:>6.2f}"
        )
        for failure in row["failed"]:
            print(f"    не выполнено: {failure}")
    if missing:
        print(f"\nПропущенные проверки ждут моделей, которых нет: {', '.join(missing)} "
              "(python -m pipeline download --list).")

