"""`python -m diversity --evaluate FILE`: accuracy, per-class precision/recall and the confusion matrix."""

from __future__ import annotations

import argparse
import sys

from diversity.evaluation import evaluate, format_report, load_records


def main(argv: list[str] | None = None) -> int:
    """Evaluate the text classifier on a labelled JSONL set, split by split."""
    parser = argparse.ArgumentParser(
        prog="python -m diversity", description="Качество классификатора «один предмет или несколько»."
    )
    parser.add_argument("--evaluate", metavar="FILE", required=True, help="размеченный JSONL-файл")
    parser.add_argument("--split", choices=("dev", "test", "all"), default=None,
                        help="какую часть оценить (по умолчанию dev и test по отдельности)")
    parser.add_argument("--errors", action="store_true", help="показать ошибки")
    args = parser.parse_args(argv)
    records = load_records(args.evaluate)
    for split in [args.split] if args.split else ["dev", "test"]:
        print(format_report(evaluate(records, split), show_errors=args.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
