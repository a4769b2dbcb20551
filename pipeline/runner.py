"""Pipeline.run: the stages in the design's order, each timed; the first refusal ends the run."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from captioning.base import low_confidence_warning
from captioning.photo_facts import quality_hints
from captioning.registry import CheckpointInfo, Registry, UnknownCheckpointError
from masking import mask, restore
from masking.types import MaskedListing
from moderation import moderate
from pipeline import routing
from pipeline.diversity import Diversity, classify
from pipeline.listing import Listing, Result
from pipeline.settings import Settings
from pipeline.validation import ValidationError, ValidListing, validate
from scoring import best_photo_index, compute_scores, seller_input
from scoring.embeddings import PhotoEmbeddings
from scoring.ruclip import load_ruclip

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

STAGES_RU: dict[str, str] = {
    "validate": "Проверка файлов и полей",
    "moderate": "Модерация фото и текста",
    "mask": "Маскирование чисел",
    "diversity": "Один предмет или несколько",
    "route": "Выбор модели",
    "generate": "Генерация описания",
    "restore": "Возврат чисел",
    "score": "Оценка результата",
}


class StageFailed(Exception):
    """A stage ended the run; carries the Result status and Russian reasons."""

    def __init__(self, status: str, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.status = status
        self.reasons = reasons


@dataclass
class Prepared:
    """Everything computed before generation; shared by every checkpoint in a compare."""

    valid: ValidListing
    embeddings: PhotoEmbeddings
    masked: MaskedListing
    diversity: Diversity


class Pipeline:
    """The listing pipeline. Models load lazily on first use and are reused across runs."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.registry = Registry(self.settings)

    # -- public API -------------------------------------------------------------------------
    def run(
        self,
        listing: Listing,
        single_checkpoint: str | None = None,
        multi_checkpoint: str | None = None,
        progress: Progress | None = None,
    ) -> Result:
        """Run every stage on one listing and return the Result (never raises on bad input)."""
        return self.compare(listing, [(single_checkpoint, multi_checkpoint)], progress)[0]

    def compare(
        self,
        listing: Listing,
        checkpoints: Sequence[str | tuple[str | None, str | None]],
        progress: Progress | None = None,
    ) -> list[Result]:
        """Run one listing through several checkpoints; stages before generation run once.

        Each item is a checkpoint name (used for every route) or a (single, multi) pair.
        """
        pairs = [c if isinstance(c, tuple) else (c, c) for c in checkpoints]
        started = time.perf_counter()
        report = progress or (lambda fraction, stage: None)
        shared = Result()
        try:
            prepared = self._prepare(listing, pairs, shared, report)
        except StageFailed as failure:
            shared.timings["total"] = time.perf_counter() - started
            return [_failed(_copy_result(shared), failure) for _ in pairs]
        shared_seconds = time.perf_counter() - started
        results = []
        for index, (single, multi) in enumerate(pairs):
            result = _copy_result(shared)
            own_start = time.perf_counter()
            try:
                self._generate(prepared, result, single, multi, report, index, len(pairs))
            except StageFailed as failure:
                _failed(result, failure)
            # each checkpoint's total: the shared stages plus its own, not the checkpoints before it
            result.timings["total"] = shared_seconds + time.perf_counter() - own_start
            results.append(result)
        report(1.0, "Готово")
        return results

    def checkpoints(self, route: str | None = None) -> list[CheckpointInfo]:
        """Registered checkpoints, optionally only those serving a route."""
        found = self.registry.list_checkpoints()
        return found if route is None else routing.serving_routes(found, route)

    # -- stages ------------------------------------------------------------------------------
    def _prepare(
        self, listing: Listing, pairs: list[tuple[str | None, str | None]], result: Result, report: Progress
    ) -> Prepared:
        with self._stage(result, "validate", report, 0.0):
            for single, multi in pairs:
                self._check_names(single, multi)
            try:
                valid = validate(listing, self.settings.limits)
            except ValidationError as error:
                raise StageFailed("rejected", error.messages) from None
            result.photos = [
                {"number": p.number, "name": p.name, "width": p.image.width, "height": p.image.height,
                 "hints": hints}
                for p, hints in zip(valid.photos, quality_hints([p.image for p in valid.photos]), strict=True)
            ]
        with self._stage(result, "moderate", report, 0.1):
            # ruCLIP loads here on first use, so its time and any failure belong to a stage
            embeddings = PhotoEmbeddings(
                load_ruclip(self.settings) if valid.photos else None, [p.image for p in valid.photos]
            )
            everything = seller_input(valid.attributes, valid.text)
            moderation = moderate(valid.photos, everything, embeddings, self.settings)
            result.moderation = moderation.to_dicts()
            result.warnings.extend(moderation.warnings)
            if moderation.rejected:
                raise StageFailed("rejected", moderation.reasons)
        with self._stage(result, "mask", report, 0.35):
            masked = mask(valid.attributes, valid.text)
            result.masking = {"values": dict(masked.values), "sources": dict(masked.sources)}
        with self._stage(result, "diversity", report, 0.4):
            diversity = classify(valid.attributes, valid.text, embeddings)
            result.diversity = diversity.to_dict()
        return Prepared(valid, embeddings, masked, diversity)

    def _generate(
        self,
        prepared: Prepared,
        result: Result,
        single: str | None,
        multi: str | None,
        report: Progress,
        index: int,
        count: int,
    ) -> None:
        share = 0.5 / count
        base = 0.45 + index * share
        valid, embeddings = prepared.valid, prepared.embeddings
        with self._stage(result, "route", report, base):
            requested_name = routing.requested_checkpoint(
                routing.route_name(len(valid.photos)), single, multi, self.settings.default_checkpoint
            )
            route = routing.decide(
                len(valid.photos),
                self.registry.info(requested_name),
                self.registry.info(self.settings.default_checkpoint),
                lambda: best_photo_index(embeddings, seller_input(valid.attributes, valid.text)),
            )
            result.route = route.to_dict()
            result.checkpoint = {"requested": route.requested, "used": route.checkpoint}
            result.warnings.extend(route.notes)
        with self._stage(result, "generate", report, base + share * 0.1):
            captioner = self.registry.load(route.checkpoint)
            images = [valid.photos[i].image for i in route.photos]
            generation = captioner.generate(prepared.masked, prepared.diversity.label, images)
        with self._stage(result, "restore", report, base + share * 0.7):
            restored = restore(generation.text, prepared.masked.values)
            result.text = restored.text
            result.masking.update(
                restored=restored.restored, erased=restored.erased, removed_numbers=restored.removed_numbers
            )
        with self._stage(result, "score", report, base + share * 0.8):
            scores = compute_scores(
                restored.text, valid.attributes, valid.text, embeddings, self.settings
            )
            scores["confidence"] = generation.confidence
            unsure = low_confidence_warning(generation.confidence)
            if unsure:
                result.warnings.append(unsure)
            scores["generated_tokens"] = generation.tokens
            result.scores = scores

    # -- helpers -----------------------------------------------------------------------------
    def _check_names(self, *names: str | None) -> None:
        for name in names:
            if name is None:
                continue
            try:
                self.registry.info(name)
            except UnknownCheckpointError as error:
                raise StageFailed("error", [str(error.args[0]) if error.args else str(error)]) from None

    @contextmanager
    def _stage(self, result: Result, name: str, report: Progress, fraction: float) -> Iterator[None]:
        report(fraction, STAGES_RU[name])
        started = time.perf_counter()
        try:
            yield
        except StageFailed:
            raise
        except Exception as error:  # a bug or a model failure must not reach the user as a traceback
            log.exception("stage %s failed", name)
            raise StageFailed("error", [f"Ошибка на этапе «{STAGES_RU[name]}»: {error}"]) from error
        finally:
            result.timings[name] = time.perf_counter() - started


def _copy_result(result: Result) -> Result:
    """An independent copy of the stages shared by every checkpoint of a compare."""
    return copy.deepcopy(result)


def _failed(result: Result, failure: StageFailed) -> Result:
    """Mark a Result as ended by a stage's refusal or error."""
    result.status = "rejected" if failure.status == "rejected" else "error"
    result.reasons = list(failure.reasons)
    return result
