"""`python -m moderation.text`: recall of the offline text checks on real toxic comments, and how many
clean listings they reject."""

from __future__ import annotations

import argparse
import sys

from moderation.text.evaluation import evaluate_comments, evaluate_listings, format_figures


def main(argv: list[str] | None = None) -> int:
    """Evaluate on a comments TSV split and/or a listings JSONL."""
    parser = argparse.ArgumentParser(
        prog="python -m moderation.text", description="Качество офлайн-проверок текста (мат, оскорбления)."
    )
    parser.add_argument("--comments", metavar="TSV", help="размеченные комментарии (text, label, split)")
    parser.add_argument("--split", default="tuning", help="часть комментариев: tuning или sealed")
    parser.add_argument("--listings", metavar="JSONL", action="append", default=[], help="чистые объявления")
    parser.add_argument("--errors", action="store_true", help="показать ошибки (кроме запечатанной части)")
    args = parser.parse_args(argv)
    if not args.comments and not args.listings:
        parser.error("нужен --comments или --listings")
    if args.comments:
        print(format_figures(evaluate_comments(args.comments, args.split, args.errors)))
    for path in args.listings:
        print(format_figures(evaluate_listings(path, args.errors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
