"""Command line: python -m pipeline run|batch|cases|download|checkpoints|bench."""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from collections.abc import Sequence
from pathlib import Path

from core.listing import STATUS_RU, Listing, Result, format_score
from core.settings import PROJECT_ROOT, Settings
from core.text import shorten
from pipeline.arguments import (
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_OK,
    VERBOSE,
    VERBOSE_HELP,
    RussianParser,
    configure_logging,
    details_hint,
    run_guarded,
)
from tools.batch import InputError, run_batch
from tools.engines import ENGINES, Engine, EngineError

BENCH_DIR = PROJECT_ROOT / "bench"


def parse_attribute(pair: str) -> tuple[str, str]:
    """"Поле=значение" → (поле, значение)."""
    key, sep, value = pair.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"ожидается «Поле=значение», получено «{shorten(pair)}»")
    return key.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = RussianParser(prog="python -m pipeline", description="Генератор описаний объявлений.")
    parser.add_argument(VERBOSE, action="store_true", help=VERBOSE_HELP + " (в любом месте команды)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=RussianParser)

    run = commands.add_parser("run", help="написать описание для одного объявления")
    run.add_argument("--image", action="append", default=[], type=Path, help="фото (до 10, повторяйте)")
    run.add_argument("--attr", action="append", default=[], type=parse_attribute, help="Поле=значение")
    run.add_argument("--attributes", type=Path, help="JSON-файл с характеристиками {поле: значение}")
    run.add_argument("--text", default="", help="свободный текст продавца")
    run.add_argument("--checkpoint", help="модель для всех маршрутов (по умолчанию template)")
    run.add_argument("--single-checkpoint", help="модель для объявлений с одним фото или без фото")
    run.add_argument("--multi-checkpoint", help="модель для объявлений с несколькими фото")
    run.add_argument("--json", action="store_true", help="вывести весь результат одним JSON-объектом")

    batch = commands.add_parser("batch", help="описать много объявлений из JSONL или CSV (с продолжением)")
    batch.add_argument(
        "--input", required=True, type=Path, help="JSONL или CSV: id, images, attributes, text"
    )
    batch.add_argument("--output", required=True, type=Path, help="JSONL с результатами (дописывается)")
    batch.add_argument("--checkpoint", help="модель для всех маршрутов (по умолчанию template)")
    batch.add_argument("--workers", type=_positive, help="процессов или акторов Ray (по умолчанию по ядрам)")
    batch.add_argument("--engine", choices=ENGINES, default="local", help="local — процессы, ray — Ray Data")
    batch.add_argument("--limit", type=_positive, default=0, help="взять только первые K объявлений")
    batch.add_argument("--ray-address", help="адрес кластера Ray (или RAY_ADDRESS); без него — локальный")

    checkpoints = commands.add_parser("checkpoints", help="папки моделей описаний и их состояние")
    checkpoints.add_argument("--json", action="store_true", help="вывести список одним JSON-массивом")
    commands.add_parser("cases", help="прогнать тестовые примеры", add_help=False)
    commands.add_parser("download", help="скачать модели", add_help=False)
    bench = commands.add_parser("bench", help="запустить бенчмарк из bench/")
    bench.add_argument("name", nargs="?", help="имя скрипта без .py; без имени — список")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code. `--verbose` anywhere prints the tracebacks of
    failures to stderr; otherwise they go to the log file (Settings.log_file) and the user reads one
    Russian line."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = VERBOSE in argv
    argv = [arg for arg in argv if arg != VERBOSE]
    log_file = configure_logging(Settings.from_env().log_file, verbose)
    return run_guarded(lambda: _dispatch(argv, log_file), log_file)


def _dispatch(argv: list[str], log_file: Path | None) -> int:
    # cases and download own their arguments
    if argv and argv[0] == "cases":
        from pipeline.cases import cases_main

        return cases_main(argv[1:])
    if argv and argv[0] == "download":
        from pipeline.downloader import download_main

        return download_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return _run(args, log_file)
    if args.command == "batch":
        return _batch(args)
    if args.command == "checkpoints":
        return _checkpoints(args.json)
    return _bench(args.name)


def _run(args: argparse.Namespace, log_file: Path | None) -> int:
    try:
        attributes = _load_attributes(args.attributes)
    except ValueError as error:
        print(f"Не удалось прочитать файл характеристик {args.attributes}: {error}.", file=sys.stderr)
        return EXIT_ERROR
    attributes.update(dict(args.attr))
    from pipeline.runner import Pipeline

    result = Pipeline(Settings.from_env()).run(
        Listing(list(args.image), attributes, args.text),
        single_checkpoint=args.single_checkpoint or args.checkpoint,
        multi_checkpoint=args.multi_checkpoint or args.checkpoint,
    )
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_result(result))
    if result.status == "error":  # the reasons are in the result; stderr says where the details are
        print(details_hint(log_file), file=sys.stderr)
    return EXIT_CODES[result.status]


def _positive(value: str) -> int:
    number = int(value) if value.strip().isdigit() else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"нужно целое число больше нуля, получено «{value}»")
    return number


def _batch(args: argparse.Namespace) -> int:
    engine = Engine(args.engine, args.workers, args.ray_address)
    try:
        summary = run_batch(args.input, args.output, Settings.from_env(), engine, args.checkpoint, args.limit)
    except (InputError, EngineError) as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:  # run_guarded reports it; the seller's work so far is kept
        print(f"\nГотовое уже в {args.output}; та же команда продолжит с места остановки.", file=sys.stderr)
        raise
    print("\n".join(summary.lines()))
    return EXIT_OK


def _load_attributes(path: Path | None) -> dict[str, str]:
    """The attributes of a JSON file; ValueError with a Russian reason when it can't be used."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError("такого файла нет") from None
    except PermissionError:
        raise ValueError("нет прав на чтение") from None
    except UnicodeDecodeError:
        raise ValueError("файл не в кодировке UTF-8") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"это не JSON (строка {error.lineno}, столбец {error.colno})") from None
    except OSError:
        raise ValueError("файл не читается") from None
    if not isinstance(data, dict):
        raise ValueError("ожидается JSON-объект {поле: значение}")
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


def format_result(result: Result) -> str:
    """A readable Russian summary of a Result."""
    lines = [f"Статус: {STATUS_RU[result.status]}"]
    lines += [f"  • {reason}" for reason in result.reasons]
    if result.text:
        lines += ["", result.text, ""]
    if result.route:
        lines.append(f"Маршрут: {result.route['name_ru']}; модель: {result.route['checkpoint']}")
    if result.diversity:
        score = format_score(result.diversity.get("score"))
        lines.append(f"Разнообразие: {result.diversity.get('label')} ({score})")
    lines += [f"Внимание: {warning}" for warning in result.warnings]
    lines += [f"Совет: {suggestion}" for suggestion in result.suggestions]
    for name, value in result.scores.items():
        if name != "unavailable" and not isinstance(value, dict):
            lines.append(f"{name}: {format_score(value)}")
    lines.append("Время, с: " + ", ".join(f"{k} {v:.3f}" for k, v in result.timings.items()))
    return "\n".join(lines)


def _checkpoints(as_json: bool) -> int:
    """Every folder under the checkpoints folder with its state (готов / не скачан / повреждён: …)."""
    from captioning.registry import Registry

    registry = Registry(Settings.from_env())
    missing = registry.missing_folder_message()
    if missing:
        print(f"Ошибка: {missing}.", file=sys.stderr)
        return EXIT_ERROR
    folders = registry.folders()
    if as_json:
        print(json.dumps([entry.to_dict() for entry in folders], ensure_ascii=False, indent=2))
        return EXIT_OK
    for entry in folders:
        line = f"{entry.shown_name:<20} {entry.status_ru}"
        if entry.info is not None:
            routes = ", ".join(entry.info.routes)
            line = f"{line:<31} {entry.info.kind:<16} маршруты: {routes} — {entry.info.title}"
        if entry.command and entry.state != "готов":
            line += f" (скачать: {entry.command})"
        print(line)
    return EXIT_OK


def _bench(name: str | None) -> int:
    scripts = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    if name is None:
        print("Бенчмарки:", *scripts, sep="\n  ")
        return EXIT_OK
    stem = name if name.startswith("bench_") else f"bench_{name}"
    if stem not in scripts:
        print(f"Нет бенчмарка «{shorten(name)}». Есть: {', '.join(scripts)}", file=sys.stderr)
        return EXIT_ERROR
    sys.path.insert(0, str(PROJECT_ROOT))
    runpy.run_path(str(BENCH_DIR / f"{stem}.py"), run_name="__main__")
    return EXIT_OK
