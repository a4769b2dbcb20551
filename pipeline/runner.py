"""The Pipeline: the stages in the design's order, each timed; the first refusal ends the run.

Two public stages, in the spirit of transformers' preprocess / forward / postprocess:
- `prepare(listing) -> Prepared`: validate → moderate → mask → diversity (no caption model runs);
- `generate(prepared, single, multi) -> Result`: route → generate → restore → check (the description
  passes the seller's text moderation) → score.
`run` is both; `compare` prepares once and generates with every checkpoint. The evaluation tool calls
the same two methods, so it measures exactly what the product does.
"""

from __future__ import annotations

import copy
import logging
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from captioning.base import low_confidence_warning
from captioning.registry import CheckpointInfo, Registry, Scan, UnknownCheckpointError
from core.listing import Listing, Result, seller_input
from core.memory import keep_freed_memory, release_after_decoding, release_freed_memory, settle_after_listing
from core.models import ModelStore
from core.settings import Limits, Settings
from core.text import clean_listing, clean_text, is_russian, shorten
from diversity import Diversity, DiversityConfig, classify
from masking import mask, restore
from masking.types import MaskedListing
from moderation import ModerationConfig, moderate, moderate_text, photos_show_item
from photos import quality_hints
from pipeline import routing
from ruclip_port import PhotoEmbeddings, best_photo_index, load_ruclip
from scoring import compute_scores
from validation import ValidationError, ValidListing, validate

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
CheckpointChoice = str | tuple[str | None, str | None]

STAGES_RU: dict[str, str] = {
    "validate": "Проверка файлов и полей",
    "moderate": "Модерация фото и текста",
    "mask": "Маскирование чисел",
    "diversity": "Один предмет или несколько",
    "route": "Выбор модели",
    "generate": "Генерация описания",
    "restore": "Возврат чисел",
    "check": "Модерация описания",
    "score": "Оценка результата",
}


# The dry runs of `Pipeline.warm_up`: numbers to mask, words to analyse, a text to moderate.
WARM_UP_ATTRIBUTES = {"Вид одежды": "Платье", "Размер": "44", "Цена": "1 500 ₽"}
WARM_UP_TEXT = "Лёгкое летнее платье, носила один сезон."


class StageFailed(Exception):
    """A stage ended the run; carries the Result status and Russian reasons."""

    def __init__(self, status: str, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.status = status
        self.reasons = reasons


@dataclass
class Prepared:
    """What `prepare` computed before any caption model runs; shared by every checkpoint of a compare.

    `result` holds the shared part of the Result (photos, moderation, masking, diversity, timings); when
    a stage refused the listing its status is "rejected" or "error" and the stage outputs are None.
    """

    result: Result
    valid: ValidListing | None = None
    embeddings: PhotoEmbeddings | None = None
    masked: MaskedListing | None = None
    diversity: Diversity | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether every stage let the listing through."""
        return self.result.status == "ok"


class Pipeline:
    """The listing pipeline. Models load lazily on first use, through one model store, and are reused."""

    def __init__(
        self,
        settings: Settings | None = None,
        moderation: ModerationConfig | None = None,
        diversity: DiversityConfig | None = None,
        models: ModelStore | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.moderation = moderation or ModerationConfig()
        self.diversity = diversity or DiversityConfig()
        self.models = models or ModelStore(self.settings)
        self.registry = Registry(self.settings, self.models)
        keep_freed_memory()  # the models' working memory is reused from one listing to the next

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
        self, listing: Listing, checkpoints: Sequence[CheckpointChoice], progress: Progress | None = None
    ) -> list[Result]:
        """Run one listing through several checkpoints; the stages before generation run once.

        Each item is a checkpoint name (used for every route) or a (single, multi) pair. The checkpoints
        folder is read once, before any stage: the whole compare sees the same checkpoints.
        """
        pairs = [c if isinstance(c, tuple) else (c, c) for c in checkpoints]
        report = progress or (lambda fraction, stage: None)
        scan = self.registry.scan()
        unknown = _unknown_names(pairs, scan)
        if unknown is not None:
            return [_failed(Result(timings={"total": 0.0}), unknown) for _ in pairs]
        prepared = self._prepared(listing, _scaled(report, 0.0, 0.45), scan)
        share = 0.5 / max(len(pairs), 1)
        results = [
            self._generated(prepared, single, multi, _scaled(report, 0.45 + i * share, share), scan)
            for i, (single, multi) in enumerate(pairs)
        ]
        decoded = prepared.valid.decoded_pixels if prepared.valid is not None else 0
        del prepared  # the photos: no Result holds them
        settle_after_listing(decoded)  # huge photos, or a listing larger than the last: hand it back
        report(1.0, "Готово")
        return results

    def prepare(self, listing: Listing, progress: Progress | None = None) -> Prepared:
        """Validate, moderate, mask and classify one listing; never raises on bad input."""
        return self._prepared(listing, progress or (lambda fraction, stage: None), self.registry.scan())

    def _prepared(self, listing: Listing, report: Progress, scan: Scan) -> Prepared:
        started = time.perf_counter()
        prepared = Prepared(Result())
        try:
            self._prepare(listing, prepared, report, _limits(self.settings.limits, scan))
        except StageFailed as failure:
            _failed(prepared.result, failure)
            prepared.valid = prepared.embeddings = prepared.masked = prepared.diversity = None
        prepared.seconds = time.perf_counter() - started
        prepared.result.timings["total"] = prepared.seconds
        return prepared

    def generate(
        self,
        prepared: Prepared,
        single_checkpoint: str | None = None,
        multi_checkpoint: str | None = None,
        progress: Progress | None = None,
    ) -> Result:
        """Route, generate, restore and score a prepared listing; a refused one comes back as it was.

        The Result's total time is the shared stages plus this checkpoint's own, not other checkpoints'.
        """
        report = progress or (lambda fraction, stage: None)
        return self._generated(prepared, single_checkpoint, multi_checkpoint, report, self.registry.scan())

    def _generated(
        self, prepared: Prepared, single: str | None, multi: str | None, report: Progress, scan: Scan
    ) -> Result:
        result = copy.deepcopy(prepared.result)
        if not prepared.ok:
            return result
        del result.timings["total"]  # set again below, after this checkpoint's own stages
        started = time.perf_counter()
        try:
            _check_names(scan, single, multi)
            self._generate(prepared, result, single, multi, report, scan)
        except StageFailed as failure:
            _failed(result, failure)
        result.timings["total"] = prepared.seconds + time.perf_counter() - started
        return result

    def warm_up(self) -> float:
        """Load now what the first request would load on first use, and return the seconds it took.

        Two dry runs whose results are dropped: a text-only listing and one with two plain photos. They
        take the same paths as a seller's listing, so everything lazy is ready afterwards: the imports,
        the morphology dictionaries and compiled patterns, NudeNet's session, every downloaded model
        (through the model store) and the default caption model.
        """
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="warm-up-") as folder:
            photos = [Path(folder) / name for name in ("front.jpg", "back.jpg")]
            for number, path in enumerate(photos):
                Image.new("RGB", (320, 400), (180 - 60 * number, 150, 120)).save(path, "JPEG")
            for images in ([], photos):
                self.run(Listing(images, dict(WARM_UP_ATTRIBUTES), WARM_UP_TEXT))
        return time.perf_counter() - started

    def checkpoints(self, route: str | None = None) -> list[CheckpointInfo]:
        """Registered checkpoints, optionally only those serving a route."""
        found = self.registry.list_checkpoints()
        return found if route is None else routing.serving_routes(found, route)

    # -- stages ------------------------------------------------------------------------------
    def _prepare(self, listing: Listing, prepared: Prepared, report: Progress, limits: Limits) -> None:
        result = prepared.result
        with self._stage(result, "validate", report, 0.0):
            listing = clean_listing(listing)  # invisible characters never reach a check or a description
            try:
                valid = validate(listing, limits)
            except ValidationError as error:
                release_freed_memory()  # whatever the photos before the refusal decoded to
                raise StageFailed("rejected", error.messages) from None
            release_after_decoding(valid.decoded_pixels)  # full-size photos in bulk: only shrunk copies stay
            hints = quality_hints([p.image for p in valid.photos], sizes=[p.size for p in valid.photos])
            result.photos = [
                {"number": p.number, "name": p.name, "width": p.size[0], "height": p.size[1],
                 "hints": photo_hints}
                for p, photo_hints in zip(valid.photos, hints, strict=True)
            ]  # fmt: skip
        with self._stage(result, "moderate", report, 0.2):
            # ruCLIP loads here on first use, so its time and any failure belong to a stage
            model = load_ruclip(self.models) if valid.photos else None
            embeddings = PhotoEmbeddings(model, [p.image for p in valid.photos])
            everything = seller_input(valid.attributes, valid.text)
            moderation = moderate(valid.photos, everything, embeddings, self.models, self.moderation)
            result.moderation = moderation.to_dicts()
            result.warnings.extend(moderation.warnings)
            if moderation.rejected:
                raise StageFailed("rejected", moderation.reasons)
        with self._stage(result, "mask", report, 0.8):
            masked = mask(valid.attributes, valid.text)
            masked.photos_show_item = photos_show_item(moderation.checks)
            result.masking = {"values": dict(masked.values), "sources": dict(masked.sources)}
        with self._stage(result, "diversity", report, 0.9):
            diversity = classify(valid.attributes, valid.text, embeddings, self.diversity)
            result.diversity = diversity.to_dict()
        prepared.valid, prepared.embeddings = valid, embeddings
        prepared.masked, prepared.diversity = masked, diversity

    def _generate(
        self,
        prepared: Prepared,
        result: Result,
        single: str | None,
        multi: str | None,
        report: Progress,
        scan: Scan,
    ) -> None:
        valid, embeddings, masked = prepared.valid, prepared.embeddings, prepared.masked
        assert valid is not None and masked is not None and prepared.diversity is not None
        with self._stage(result, "route", report, 0.0):
            requested_name = routing.requested_checkpoint(
                routing.route_name(len(valid.photos)), single, multi, self.settings.default_checkpoint
            )
            route = routing.decide(
                len(valid.photos),
                self._info(scan, requested_name),
                self._info(scan, self.settings.default_checkpoint),
                lambda: best_photo_index(embeddings, seller_input(valid.attributes, valid.text)),
            )
            result.route = route.to_dict()
            result.checkpoint = {"requested": route.requested, "used": route.checkpoint}
            result.warnings.extend(route.notes)
        with self._stage(result, "generate", report, 0.1):
            captioner = self.registry.load(route.checkpoint, scan)
            images = [valid.photos[i].image for i in route.photos]
            generation = captioner.generate(masked, prepared.diversity.label, images)
            result.warnings.extend(generation.warnings)
            result.suggestions.extend(generation.suggestions)
        with self._stage(result, "restore", report, 0.7):
            restored = restore(clean_text(generation.text), masked.values)
            result.text = restored.text
            result.masking.update(
                restored=restored.restored, erased=restored.erased, removed_numbers=restored.removed_numbers
            )
        with self._stage(result, "check", report, 0.75):
            self._check_description(result)
        with self._stage(result, "score", report, 0.8):
            scores = compute_scores(restored.text, valid.attributes, valid.text, embeddings, self.models)
            scores["confidence"] = generation.confidence
            unsure = low_confidence_warning(generation.confidence)
            if unsure:
                result.warnings.append(unsure)
            scores["generated_tokens"] = generation.tokens
            result.scores = scores

    def _check_description(self, result: Result) -> None:
        """The generated description passes the same text moderation as the seller's input."""
        moderation = moderate_text(result.text, self.models, self.moderation)
        result.moderation += moderation.to_dicts()
        result.warnings.extend(w for w in moderation.warnings if w not in result.warnings)
        if moderation.rejected:
            result.text = ""
            reasons = [f"Сгенерированное описание не прошло модерацию. {r}" for r in moderation.reasons]
            raise StageFailed("rejected", reasons)

    # -- helpers -----------------------------------------------------------------------------
    def _info(self, scan: Scan, name: str) -> CheckpointInfo:
        """A checkpoint's entry; an unknown one ends the run, and the default one says where it is set."""
        try:
            return scan.info(name)
        except UnknownCheckpointError as error:
            setting = "Модель по умолчанию (LISTING_DEFAULT_CHECKPOINT) не найдена: "
            reason = f"{setting if name == self.settings.default_checkpoint else ''}{error}"
            raise StageFailed("error", [reason]) from None

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
            said = str(error).strip()
            if not is_russian(said):  # a library's or a bug's English: the log has it, with the traceback
                said = f"непредвиденный сбой ({type(error).__name__}), подробности записаны в журнал"
            reason = f"Ошибка на этапе «{STAGES_RU[name]}»: {shorten(said, 500)}"
            raise StageFailed("error", [reason]) from error
        finally:
            result.timings[name] = time.perf_counter() - started


def _limits(limits: Limits, scan: Scan) -> Limits:
    """The input limits, the working side raised to the largest side a registered checkpoint reads the
    photos at (a multi-image model's `max_image_side`): photos decode as large as a model needs."""
    return replace(limits, working_side=max([limits.working_side, *(c.photo_side for c in scan.checkpoints)]))


def _check_names(scan: Scan, *names: str | None) -> None:
    """End the run when a requested checkpoint name is not a valid checkpoint folder."""
    for name in names:
        if name is None:
            continue
        try:
            scan.info(name)
        except UnknownCheckpointError as error:
            raise StageFailed("error", [str(error)]) from None


def _unknown_names(pairs: list[tuple[str | None, str | None]], scan: Scan) -> StageFailed | None:
    """The refusal for a checkpoint name that is not registered, before any stage runs."""
    try:
        for pair in pairs:
            _check_names(scan, *pair)
    except StageFailed as failure:
        return failure
    return None


def _scaled(report: Progress, start: float, share: float) -> Progress:
    """A progress callback for a part of the bar: fractions of the part become fractions of the whole."""
    return lambda fraction, stage: report(start + share * fraction, stage)


def _failed(result: Result, failure: StageFailed) -> Result:
    """Mark a Result as ended by a stage's refusal or error."""
    result.status = "rejected" if failure.status == "rejected" else "error"
    result.reasons = list(failure.reasons)
    return result
