"""`python -m captioning.evaluate`: compare caption checkpoints on held-out listings.

Each checkpoint (any kind, by registry name or folder path) writes every listing of the JSONL file
through the pipeline's own steps: mask → diversity → generate → restore. Reported per checkpoint:
chrF and BLEU (sacrebleu) against the seller's descriptions, BERTScore F1, ruCLIP text↔photo cosine
(mean and max over photos, averaged over listings), attribute coverage, and the share of number
mentions with no source in the listing before restore (tokens with no value and literal numbers) and
after it (numbers in the final text the seller never gave: should be 0). A metric whose model is not
downloaded is "недоступно". Writes `comparison.md`, `comparison.csv` and one `<name>.jsonl` of outputs
per checkpoint into the output folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import mean
from typing import Any

from captioning.prefix_data import Row, open_images, read_rows
from captioning.registry import MANIFEST, Registry
from masking import mask, restore
from masking.restore import seller_numbers
from masking.types import Restored
from pipeline.diversity import classify
from pipeline.settings import Settings
from scoring.coverage import coverage
from scoring.embeddings import PhotoEmbeddings
from scoring.similarity import text_photo_similarity

UNAVAILABLE = "недоступно"
COLUMNS = {
    "checkpoint": "Модель",
    "rows": "Объявлений",
    "failed": "Ошибок",
    "chrf": "chrF",
    "bleu": "BLEU",
    "bertscore": "BERTScore F1",
    "ruclip_mean": "ruCLIP текст↔фото (среднее)",
    "ruclip_max": "ruCLIP текст↔фото (макс.)",
    "coverage": "Покрытие характеристик",
    "invented_before": "Выдуманные числа до восстановления",
    "invented_after": "Выдуманные числа после восстановления",
    "confidence": "Уверенность",
    "seconds": "Секунд на объявление",
}


@dataclass
class Sample:
    """One listing's output from one checkpoint, with its per-listing measures."""

    line: int
    reference: str
    masked_output: str
    text: str
    confidence: float | None
    seconds: float
    mentions_before: int
    invented_before: int
    numbers_after: int
    invented_after: int
    coverage: float | None
    ruclip: tuple[float, float] | None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The sample as a JSONL object."""
        return dict(self.__dict__)


@dataclass
class Report:
    """A checkpoint's metrics (None: not measurable, shown as «недоступно»)."""

    checkpoint: str
    rows: int
    failed: int
    values: dict[str, float | None] = field(default_factory=dict)

    def cells(self) -> dict[str, str]:
        """Column → printed value."""
        cells = {"checkpoint": self.checkpoint, "rows": str(self.rows), "failed": str(self.failed)}
        for key in COLUMNS:
            if key not in cells:
                value = self.values.get(key)
                cells[key] = UNAVAILABLE if value is None else f"{value:.4g}"
        return cells


def number_mentions(restored: Restored) -> tuple[int, int]:
    """Before restore: (number mentions, mentions with no source). A mention is a masking token or a
    literal number the seller did not write; a token is sourced when the listing has a value for it."""
    invented = len(restored.erased) + len(restored.removed_numbers)
    return len(restored.restored) + invented, invented


def invented_after(final: str, values: dict[str, str], raw_text: str) -> tuple[int, int]:
    """After restore: (distinct numbers in the final text, those the seller never gave)."""
    numbers = seller_numbers([final])
    return len(numbers), len(numbers - seller_numbers(values.values(), raw_text))


def run_sample(captioner: Any, row: Row, ruclip: Any) -> Sample:
    """Write one listing with the pipeline's steps and measure it."""
    images = open_images(row.images)
    embeddings = PhotoEmbeddings(ruclip, images) if ruclip is not None else None
    masked = mask(row.attributes, row.text)
    raw = "\n".join([*row.attributes.values(), row.text])
    diversity = classify(row.attributes, row.text, embeddings).label
    start = time.perf_counter()
    try:
        generation = captioner.generate(masked, diversity, images)
    except RuntimeError as error:
        return Sample(row.line, row.description, "", "", None, 0.0, 0, 0, 0, 0, None, None, str(error))
    seconds = time.perf_counter() - start
    restored = restore(generation.text, masked.values, raw)
    final = restored.text
    mentions, invented = number_mentions(restored)
    numbers, invented_final = invented_after(final, masked.values, raw)
    spread = text_photo_similarity(embeddings, final)
    return Sample(
        line=row.line,
        reference=row.description,
        masked_output=generation.text,
        text=final,
        confidence=generation.confidence,
        seconds=seconds,
        mentions_before=mentions,
        invented_before=invented,
        numbers_after=numbers,
        invented_after=invented_final,
        coverage=coverage(final, row.attributes)["fraction"],
        ruclip=None if spread is None else (spread.mean, spread.max),
    )


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return mean(known) if known else None


def _rate(parts: list[int], totals: list[int]) -> float | None:
    total = sum(totals)
    return sum(parts) / total if total else 0.0


def summarise(
    name: str, samples: list[Sample], bertscore: Callable[[list[str], list[str]], float | None]
) -> Report:
    """Corpus metrics of one checkpoint's samples."""
    import sacrebleu

    good = [s for s in samples if s.error is None]
    report = Report(name, len(samples), len(samples) - len(good))
    if not good:
        return report
    hypotheses, references = [s.text for s in good], [[s.reference for s in good]]
    report.values = {
        "chrf": sacrebleu.corpus_chrf(hypotheses, references).score,
        "bleu": sacrebleu.corpus_bleu(hypotheses, references).score,
        "bertscore": bertscore(hypotheses, references[0]),
        "ruclip_mean": _mean([s.ruclip[0] if s.ruclip else None for s in good]),
        "ruclip_max": _mean([s.ruclip[1] if s.ruclip else None for s in good]),
        "coverage": _mean([s.coverage for s in good]),
        "invented_before": _rate([s.invented_before for s in good], [s.mentions_before for s in good]),
        "invented_after": _rate([s.invented_after for s in good], [s.numbers_after for s in good]),
        "confidence": _mean([s.confidence for s in good]),
        "seconds": mean(s.seconds for s in good),
    }
    return report


def bertscore_function(settings: Settings) -> Callable[[list[str], list[str]], float | None]:
    """Mean BERTScore F1 of candidate/reference lists, or None when the BERT model is not downloaded."""
    from scoring.bertscore import load_bertscorer

    def score(candidates: list[str], references: list[str]) -> float | None:
        scorer = load_bertscorer(settings)
        if scorer is None:
            return None
        return float(scorer.score(candidates, references)[2].mean())

    return score


def write_tables(reports: list[Report], folder: Path) -> tuple[Path, Path]:
    """`comparison.md` and `comparison.csv` (Russian headers; one row per checkpoint)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [r.cells() for r in reports]
    markdown = folder / "comparison.md"
    lines = ["| " + " | ".join(COLUMNS.values()) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row[k] for k in COLUMNS) + " |" for row in rows]
    markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = folder / "comparison.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS.values())
        writer.writerows([[row[k] for k in COLUMNS] for row in rows])
    return markdown, table


def registry_entry(spec: str, settings: Settings) -> tuple[Registry, str]:
    """A checkpoint given as a folder path (its parent becomes the registry) or as a registry name."""
    path = Path(spec)
    if (path / MANIFEST).is_file():
        return Registry(replace(settings, checkpoints_dir=path.resolve().parent)), path.resolve().name
    return Registry(settings), spec


def evaluate(
    data: Path, checkpoints: list[str], output: Path, settings: Settings, limit: int = 0
) -> list[Report]:
    """Run every checkpoint over the data file and write the comparison tables and outputs."""
    from scoring.ruclip import load_ruclip

    rows, bad = read_rows(data)
    for row in bad:
        print(f"Пропущена {row}", file=sys.stderr)
    rows = rows[:limit] if limit else rows
    ruclip = load_ruclip(settings)
    score = bertscore_function(settings)
    output.mkdir(parents=True, exist_ok=True)
    reports = []
    for spec in checkpoints:
        registry, name = registry_entry(spec, settings)
        try:
            captioner = registry.load(name)
        except (KeyError, RuntimeError) as error:
            print(f"Модель {name} не оценена: {error}", file=sys.stderr)
            reports.append(Report(name, len(rows), len(rows)))
            continue
        samples = [run_sample(captioner, row, ruclip) for row in rows]
        with (output / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for sample in samples:
                handle.write(json.dumps(sample.to_json(), ensure_ascii=False) + "\n")
        reports.append(summarise(name, samples, score))
    write_tables(reports, output)
    return reports


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m captioning.evaluate",
        description="Сравнивает модели описаний на отложенной выборке (JSONL): таблицы Markdown и CSV.",
    )
    parser.add_argument(
        "--data", required=True, help="JSONL с объявлениями, например checkpoints/x/training/validation.jsonl"
    )
    parser.add_argument("--checkpoints", nargs="+", required=True, help="имена моделей или папки чекпойнтов")
    parser.add_argument("--output", required=True, help="папка для comparison.md, comparison.csv и выходов")
    parser.add_argument("--limit", type=int, default=0, help="взять только первые N объявлений")
    args = parser.parse_args(argv)
    reports = evaluate(Path(args.data), args.checkpoints, Path(args.output), Settings.from_env(), args.limit)
    print((Path(args.output) / "comparison.md").read_text(encoding="utf-8"))
    return 0 if all(r.rows > r.failed for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
