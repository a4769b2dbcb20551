"""`python -m tools.evaluate`: compare caption checkpoints on held-out listings.

Each checkpoint (any kind, by registry name or folder path) writes every listing of the JSONL file
through the product's own public stages, `Pipeline.prepare` (validate → moderate → mask → diversity,
once per listing) and `Pipeline.generate` (route → generate → restore → score), so it measures exactly
what a seller gets; a listing the pipeline refuses counts as failed. Reported per checkpoint:
chrF and BLEU (sacrebleu) against the seller's descriptions, BERTScore F1, ruCLIP text↔photo cosine
(mean and max over photos, averaged over listings), attribute coverage, and the share of number
mentions with no source in the listing before restore (tokens with no value and literal numbers) and
after it (numbers in the final text the seller never gave: should be 0). A metric whose model is not
downloaded is "недоступно". Writes `comparison.md`, `comparison.csv` and one `<name>.jsonl` of outputs
per checkpoint into the output folder.

The listings run on an engine (`tools.engines`): in this process by default, in a pool of processes
(`--workers N`) or on Ray Data (`--engine ray`); every worker loads the checkpoints once and measures
each listing completely (BERTScore of a pair does not depend on the others), so this process only
gathers the samples and computes the corpus metrics.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import mean
from typing import Any

from captioning.registry import MANIFEST
from core.listing import Listing, Result
from core.models import ModelStore
from core.settings import Settings
from masking.restore import seller_numbers
from moderation import ModerationConfig
from pipeline import Pipeline, Prepared
from tools.engines import ENGINES, Engine, EngineError, Handler, Item, is_neural
from tools.prefix_data import Row, read_rows

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
    bertscore: float | None = None  # F1 against the reference; None when the BERT model is missing
    restored: list[str] = field(default_factory=list)  # tokens given back their values
    erased: list[str] = field(default_factory=list)  # tokens the model wrote with no value
    removed_numbers: list[str] = field(default_factory=list)  # numbers the model invented, removed

    def to_json(self) -> dict[str, Any]:
        """The sample as a JSONL object."""
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sample:
        """A sample back from its JSONL object."""
        ruclip = data.get("ruclip")
        return cls(**{**data, "ruclip": None if ruclip is None else (ruclip[0], ruclip[1])})


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


def number_mentions(result: Result) -> tuple[int, int]:
    """Before restore: (number mentions, mentions with no source). A mention is a masking token or a
    literal number the seller did not write; a token is sourced when the listing has a value for it."""
    masking = result.masking
    invented = len(masking.get("erased", [])) + len(masking.get("removed_numbers", []))
    return len(masking.get("restored", [])) + invented, invented


def invented_after(final: str, values: dict[str, str]) -> tuple[int, int]:
    """After restore: (distinct numbers in the final text, those the seller never gave)."""
    numbers = seller_numbers([final])
    return len(numbers), len(numbers - seller_numbers(values.values()))


def listing_of(row: Row) -> Listing:
    """The listing a seller would send for this row."""
    return Listing(list(row.images), dict(row.attributes), row.text)


def run_sample(pipeline: Pipeline, prepared: Prepared, checkpoint: str, row: Row) -> Sample:
    """Write one prepared listing with one checkpoint (for every route) and measure it."""
    result = pipeline.generate(prepared, checkpoint, checkpoint)
    seconds = result.timings.get("generate", 0.0)
    if result.status != "ok":
        return Sample(row.line, row.description, "", None, seconds, 0, 0, 0, 0, None, None,
                      "; ".join(result.reasons) or result.status)  # fmt: skip
    mentions, invented = number_mentions(result)
    numbers, invented_final = invented_after(result.text, result.masking.get("values", {}))
    scores = result.scores
    mean, best = scores.get("clip_text_photo_mean"), scores.get("clip_text_photo_max")
    return Sample(
        line=row.line,
        reference=row.description,
        text=result.text,
        confidence=scores.get("confidence"),
        seconds=seconds,
        mentions_before=mentions,
        invented_before=invented,
        numbers_after=numbers,
        invented_after=invented_final,
        coverage=(scores.get("coverage") or {}).get("fraction"),
        ruclip=None if mean is None or best is None else (mean, best),
        restored=list(result.masking.get("restored", [])),
        erased=list(result.masking.get("erased", [])),
        removed_numbers=list(result.masking.get("removed_numbers", [])),
    )


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return mean(known) if known else None


def _rate(parts: list[int], totals: list[int]) -> float | None:
    total = sum(totals)
    return sum(parts) / total if total else 0.0


def summarise(name: str, samples: list[Sample]) -> Report:
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
        "bertscore": _mean([s.bertscore for s in good]),
        "ruclip_mean": _mean([s.ruclip[0] if s.ruclip else None for s in good]),
        "ruclip_max": _mean([s.ruclip[1] if s.ruclip else None for s in good]),
        "coverage": _mean([s.coverage for s in good]),
        "invented_before": _rate([s.invented_before for s in good], [s.mentions_before for s in good]),
        "invented_after": _rate([s.invented_after for s in good], [s.numbers_after for s in good]),
        "confidence": _mean([s.confidence for s in good]),
        "seconds": mean(s.seconds for s in good),
    }
    return report


def bertscore_function(models: ModelStore) -> Callable[[list[str], list[str]], list[float] | None]:
    """BERTScore F1 of each candidate/reference pair, or None when the BERT model is not downloaded."""
    from scoring.bertscore import load_bertscorer

    def score(candidates: list[str], references: list[str]) -> list[float] | None:
        scorer = load_bertscorer(models)
        if scorer is None or not candidates:
            return None
        return [float(f1) for f1 in scorer.score(candidates, references)[2]]

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


def checkpoint_entry(spec: str, settings: Settings) -> tuple[Settings, str]:
    """A checkpoint given as a folder path (its parent becomes the checkpoints folder) or as a name."""
    path = Path(spec)
    if (path / MANIFEST).is_file():
        return replace(settings, checkpoints_dir=path.resolve().parent), path.resolve().name
    return settings, spec


# The held-out listings are the team's own data, not a stranger's upload: a photo that ruCLIP finds
# unlike its text, or a phone number in it, is reported as a warning so that every listing is still
# written and scored. Explicit photos and obscene words still refuse; --strict uses the app's config.
EVALUATION_MODERATION = ModerationConfig(contacts_verdict="warn", mismatch_verdict="warn")


@dataclass(frozen=True)
class EvaluationJob:
    """Measure listings with every checkpoint: one model store per worker, each listing prepared once."""

    settings: Settings
    checkpoints: tuple[str, ...]
    moderation: ModerationConfig = EVALUATION_MODERATION

    def start(self) -> Handler:
        """Load every checkpoint once (a failure is kept as that checkpoint's error) and return the
        function that measures one listing (a row as JSON, with its line) with each of them."""
        models = ModelStore(self.settings)
        pipeline = Pipeline(self.settings, self.moderation, models=models)
        own: dict[str, Pipeline | str] = {}
        for spec in self.checkpoints:
            own_settings, name = checkpoint_entry(spec, self.settings)
            checkpoint_pipeline = Pipeline(own_settings, self.moderation, models=models)
            try:
                checkpoint_pipeline.registry.load(name)
                own[name] = checkpoint_pipeline
            except (KeyError, RuntimeError) as error:
                own[name] = str(error)
        bertscore = bertscore_function(models)

        def measure(item: Item) -> Item:
            row = Row(item["line"], tuple(map(Path, item["images"])), item["attributes"], item["text"],
                      item["description"])  # fmt: skip
            prepared = pipeline.prepare(listing_of(row))
            samples = {
                name: run_sample(p, prepared, name, row) if isinstance(p, Pipeline) else failed_sample(row, p)
                for name, p in own.items()
            }
            good = [s for s in samples.values() if s.error is None]
            f1s = bertscore([s.text for s in good], [row.description] * len(good)) or [None] * len(good)
            for sample, f1 in zip(good, f1s, strict=True):
                sample.bertscore = f1
            return {"line": row.line, "samples": {name: s.to_json() for name, s in samples.items()}}

        return measure


def failed_sample(row: Row, error: str) -> Sample:
    """The sample of a listing a checkpoint could not write."""
    return Sample(row.line, row.description, "", None, 0.0, 0, 0, 0, 0, None, None, error)


def evaluate(
    data: Path,
    checkpoints: list[str],
    output: Path,
    settings: Settings,
    limit: int = 0,
    moderation: ModerationConfig = EVALUATION_MODERATION,
    engine: Engine | None = None,
) -> list[Report]:
    """Run every checkpoint over the data file and write the comparison tables and outputs.

    Each listing is prepared once (validation, moderation, masking, diversity) and generated with
    every checkpoint, on `engine` (by default: in this process, each model loaded once).
    """
    from tqdm.auto import tqdm

    rows, bad = read_rows(data)
    for row in bad:
        print(f"Пропущена {row}", file=sys.stderr)
    rows = rows[:limit] if limit else rows
    engine = engine or Engine(workers=1)
    entries = [checkpoint_entry(spec, settings) for spec in checkpoints]
    gpu = engine.name == "ray" and any(is_neural(own, name) for own, name in entries)
    job = EvaluationJob(settings, tuple(checkpoints), moderation)
    samples: dict[str, list[Sample]] = {name: [] for _, name in entries}
    items = [{"line": row.line, **row.to_json()} for row in rows]
    results = engine.run(job, items, gpu)
    for result in tqdm(results, total=len(items), desc="Оценка", unit="объявл.", disable=None):
        for name, sample in result["samples"].items():
            samples[name].append(Sample.from_json(sample))
    output.mkdir(parents=True, exist_ok=True)
    reports = []
    for name, own_samples in samples.items():
        own_samples.sort(key=lambda sample: sample.line)
        with (output / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for sample in own_samples:
                handle.write(json.dumps(sample.to_json(), ensure_ascii=False) + "\n")
        report = summarise(name, own_samples)
        if own_samples and report.failed == report.rows:
            print(f"Модель {name} не оценена: {own_samples[0].error}", file=sys.stderr)
        reports.append(report)
    write_tables(reports, output)
    return reports


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.evaluate",
        description="Сравнивает модели описаний на отложенной выборке (JSONL): таблицы Markdown и CSV.",
    )
    parser.add_argument(
        "--data", required=True, help="JSONL с объявлениями, например checkpoints/x/training/validation.jsonl"
    )
    parser.add_argument("--checkpoints", nargs="+", required=True, help="имена моделей или папки чекпойнтов")
    parser.add_argument("--output", required=True, help="папка для comparison.md, comparison.csv и выходов")
    parser.add_argument("--limit", type=int, default=0, help="взять только первые N объявлений")
    parser.add_argument(
        "--workers", type=int, default=None,
        help="процессов (по умолчанию 1 — в этом процессе) или акторов Ray (по умолчанию по ядрам кластера)",
    )  # fmt: skip
    parser.add_argument("--engine", choices=ENGINES, default="local", help="local — процессы, ray — Ray Data")
    parser.add_argument("--ray-address", help="адрес кластера Ray (или RAY_ADDRESS); без него — локальный")
    parser.add_argument(
        "--strict", action="store_true",
        help="модерация как в приложении: контакты и несовпадение фото с текстом отклоняют объявление",
    )  # fmt: skip
    args = parser.parse_args(argv)
    moderation = ModerationConfig() if args.strict else EVALUATION_MODERATION
    workers = args.workers or (None if args.engine == "ray" else 1)
    engine = Engine(args.engine, workers, args.ray_address)
    try:
        reports = evaluate(
            Path(args.data), args.checkpoints, Path(args.output), Settings.from_env(), args.limit, moderation,
            engine,
        )  # fmt: skip
    except EngineError as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return 1
    print((Path(args.output) / "comparison.md").read_text(encoding="utf-8"))
    return 0 if all(r.rows > r.failed for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
