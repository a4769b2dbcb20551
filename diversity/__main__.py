"""`python -m diversity --evaluate FILE`: accuracy, per-class precision/recall, the confusion matrix and
the reliability of the score, split by split; `--calibrate` fits the Platt scaling on one split."""

from __future__ import annotations

import argparse
import sys

from diversity.evaluation import calibrate, evaluate, format_report, load_records


def main(argv: list[str] | None = None) -> int:
    """Evaluate the text classifier on a labelled JSONL set, split by split."""
    parser = argparse.ArgumentParser(
        prog="python -m diversity", description="Качество классификатора «один предмет или несколько»."
    )
    parser.add_argument("--evaluate", metavar="FILE", required=True, help="размеченный JSONL-файл")
    parser.add_argument("--split", default=None,
                        help="какую часть оценить: dev, tune, test или all (по умолчанию каждую)")
    parser.add_argument("--errors", action="store_true", help="показать ошибки")
    parser.add_argument("--calibrate", action="store_true",
                        help="подобрать калибровку (масштаб и сдвиг) на выбранной части")
    args = parser.parse_args(argv)
    records = load_records(args.evaluate)
    splits = [args.split] if args.split else list(dict.fromkeys(r.get("split", "all") for r in records))
    for split in splits:
        print(format_report(evaluate(records, split), show_errors=args.errors))
        if args.calibrate:
            scale, shift = calibrate(records, split)
            print(f"калибровка на «{split}»: calibration_scale={scale:.3f}, calibration_shift={shift:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
