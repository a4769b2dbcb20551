"""`python -m tools.train`: train a prefix captioner (mapper + LoRA) on a seller's JSONL listings.

The vision tower and the decoder base stay frozen; the mapper, the LoRA adapter and the embedding rows
of the added tokens are trained with AdamW, linear warmup and decay. accelerate's `Accelerator` does
the rest: data parallelism over the processes of `accelerate launch` (one per GPU; a plain `python -m
tools.train` is one process), mixed precision (bf16 on a GPU that supports it), gradient accumulation,
and the resumable state (`save_state` / `load_state`: optimizer, schedule, trained weights, every
process's random generators). The output folder is a checkpoint the app lists at once; its `training/`
subfolder holds the resumable state, the metrics log (JSONL), the split and the bad rows.

`--batch-size` is per process: with N processes an optimizer step sees N × batch-size × grad-accum
listings. A run resumes only with the number of processes it started with.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from captioning.neural import NeuralModelError
from captioning.prefix import (
    KIND,
    PrefixConfig,
    PrefixMapper,
    PrefixModel,
    PromptCoder,
    build_decoder,
    reference_for,
    resolve_reference,
    save_parts,
    special_tokens,
)
from core.models import ModelStore
from core.settings import Settings
from pipeline.arguments import RussianDefaultsFormatter, RussianParser
from tools.prefix_data import (
    BadRow,
    CachedTower,
    Example,
    FeatureCache,
    Row,
    prepare,
    read_rows,
    tower_key,
)

TRAINING = "training"
RUN_FILE = "run.json"  # arguments, position, processes and the current state folder
STATE_PREFIX = "state-"  # accelerate's save_state folders: state-<step>
METRICS_FILE = "metrics.jsonl"
PRECISIONS = ("auto", "no", "bf16", "fp16")


def default_cache() -> Path:
    """`$XDG_CACHE_HOME/listing-captioner/features` (or ~/.cache/…): shared by every training run."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "listing-captioner" / "features"


def _option(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass
class TrainArgs:
    """Everything a run needs; its fields are the command line's flags (HfArgumentParser) and are saved
    with the state, so `--resume` continues the same run."""

    output: str = field(metadata={"help": "папка чекпойнта, например checkpoints/my-prefix"})
    data: str = _option("", "JSONL с полями images, attributes, text, description")
    decoder: str = _option("", "базовый GPT-2-декодер: папка, имя в папке моделей или hub id")
    vision: str = _option("ruclip-vit-base-patch32-384", "башня зрения ruCLIP: папка или имя в папке моделей")
    title: str = _option("", "название модели в списке приложения")
    epochs: int = _option(3, "эпох обучения")
    batch_size: int = _option(8, "объявлений в батче на один процесс")
    grad_accum: int = _option(1, "шагов накопления градиента")
    lr: float = _option(2e-4, "скорость обучения AdamW")
    weight_decay: float = _option(0.01, "затухание весов AdamW")
    warmup_steps: int = _option(100, "шагов разогрева скорости обучения (не больше 10%% всех шагов)")
    max_steps: int = _option(0, "всего шагов (0 — по числу эпох)")
    stop_after: int = _option(0, "остановиться через столько шагов (продолжить потом с --resume)")
    val_fraction: float = _option(0.1, "доля валидационной выборки")
    seed: int = _option(42, "зерно генератора случайных чисел")
    save_every: int = _option(500, "сохранять чекпойнт каждые N шагов")
    log_every: int = _option(10, "писать метрики каждые N шагов")
    prefix_length: int = _option(8, "векторов префикса на одно фото")
    mapper_hidden: int = _option(1024, "ширина скрытого слоя маппера")
    lora_r: int = _option(8, "ранг LoRA")
    lora_alpha: int = _option(16, "alpha LoRA")
    lora_dropout: float = _option(0.05, "dropout LoRA")
    max_prompt_tokens: int = _option(256, "не больше токенов в подсказке (характеристики и текст)")
    max_target_tokens: int = _option(256, "не больше токенов в целевом описании")
    feature_cache: str = _option("", "папка кэша признаков фото (иначе $XDG_CACHE_HOME или ~/.cache)")
    max_new_tokens: int = _option(160, "не больше новых токенов при генерации")
    mixed_precision: str = field(
        default="auto",
        metadata={
            "help": "смешанная точность: auto — bf16 на видеокарте с его поддержкой",
            "choices": PRECISIONS,
        },
    )


@dataclass
class Position:
    """Where the run is: optimizer steps done, current epoch and the batches each process did in it."""

    step: int = 0
    epoch: int = 0
    batch: int = 0


def split(rows: list[Row], fraction: float, seed: int) -> tuple[list[Row], list[Row]]:
    """Seeded train/validation split; at least one validation row when there are two rows or more."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    size = min(len(rows) - 1, max(1, round(len(rows) * fraction))) if fraction > 0 and len(rows) > 1 else 0
    held = set(order[:size])
    return [r for i, r in enumerate(rows) if i not in held], [r for i, r in enumerate(rows) if i in held]


def split_lines(train_rows: list[Row], val_rows: list[Row]) -> dict[str, list[int]]:
    """The split as line numbers of the data file (saved in `training/split.json`)."""
    return {"train_lines": [r.line for r in train_rows], "validation_lines": [r.line for r in val_rows]}


def check_context(config: PrefixConfig, positions: int, new_tokens: int) -> None:
    """Refuse sizes whose longest sequence (all photos, prompt and target, or prompt and the generated
    text) does not fit the decoder's context."""
    photos = config.max_images * (1 + config.prefix_length)
    longest = photos + config.max_prompt_tokens + max(config.max_target_tokens, new_tokens)
    if longest > positions:
        raise SystemExit(
            f"Не помещается в контекст декодера ({positions} позиций): {config.max_images} фото × "
            f"{1 + config.prefix_length} + подсказка {config.max_prompt_tokens} + текст "
            f"{max(config.max_target_tokens, new_tokens)} = {longest}. Уменьшите --prefix-length, "
            "--max-prompt-tokens или --max-target-tokens"
        )


def epoch_order(count: int, seed: int, epoch: int) -> list[int]:
    """The examples' order in an epoch: seeded, so the same again on resume."""
    order = list(range(count))
    random.Random(seed * 1000 + epoch).shuffle(order)
    return order


def batches(examples: list[Example], size: int, seed: int, epoch: int) -> list[list[Example]]:
    """The epoch's batches in the seeded order."""
    order = epoch_order(len(examples), seed, epoch)
    return [[examples[i] for i in order[k : k + size]] for k in range(0, len(order), size)]


class EpochOrder(torch.utils.data.Sampler[int]):
    """The training loader's sampler: the seeded order of the epoch set in `epoch` (accelerate shards
    its batches over the processes)."""

    def __init__(self, count: int, seed: int) -> None:
        self.count, self.seed, self.epoch = count, seed, 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(epoch_order(self.count, self.seed, self.epoch))

    def __len__(self) -> int:
        return self.count


def mixed_precision(setting: str, cpu: bool) -> str:
    """accelerate's mixed precision for a setting: "auto" is bf16 on a CUDA GPU that supports it."""
    if setting != "auto":
        return setting
    return "bf16" if not cpu and torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"


class Trainer:
    """One training run: data, models, optimizer, the accelerator and the checkpoint folder."""

    def __init__(self, args: TrainArgs, resume: bool = False) -> None:
        from accelerate import Accelerator
        from accelerate.utils import DistributedDataParallelKwargs, set_seed

        self.args = args
        self.output = Path(args.output)
        self.state_dir = self.output / TRAINING
        self.settings = Settings.from_env()
        self.models = ModelStore(self.settings)
        cpu = self.settings.device.strip().lower() == "cpu"
        self.accelerator = Accelerator(
            cpu=cpu,
            mixed_precision=mixed_precision(args.mixed_precision, cpu),
            gradient_accumulation_steps=args.grad_accum,
            # a batch with no photos leaves the mapper out of the graph
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
        )
        self.main = self.accelerator.is_main_process
        self.position = Position()
        set_seed(args.seed)
        self.rows, self.bad = read_rows(Path(args.data), self.settings.limits.max_images)
        self.report_bad_rows(self.bad)
        if not self.rows:
            raise SystemExit(f"В файле {args.data} нет ни одной годной строки — обучать не на чем")
        train_rows, val_rows = split(self.rows, args.val_fraction, args.seed)
        if resume:
            self._check_run(train_rows, val_rows)
        self._build_models()
        with self.accelerator.main_process_first():  # the others find the photo features cached
            self.train_set, self.val_set = self._prepare(train_rows), self._prepare(val_rows)
        self._prepare_training()
        if resume:
            self._restore()
        elif self.main:
            self._write_split(train_rows, val_rows)

    def _prepare(self, rows: list[Row]) -> list[Example]:
        """Masked examples labelled by the diversity classifier from text and photos (features cached)."""
        from tqdm.auto import tqdm

        labeller = CachedTower(self.prepare_cache)
        bar = tqdm(rows, desc="Подготовка", unit="объявл.", disable=None if self.main else True)
        return [prepare(row, labeller) for row in bar]

    def _prepare_training(self) -> None:
        """Optimizer, schedule and the sharded training loader, prepared by the accelerator."""
        from torch.utils.data import DataLoader
        from transformers import get_linear_schedule_with_warmup

        args, accelerator = self.args, self.accelerator
        self.order = EpochOrder(len(self.train_set), args.seed)
        # its own generator: starting an epoch's iterator must not draw from the global one (dropout)
        loader = DataLoader(
            self.train_set, batch_size=args.batch_size, sampler=self.order, collate_fn=list,
            generator=torch.Generator(),
        )  # fmt: skip
        optimizer = torch.optim.AdamW(
            [p for p in self.model.parameters() if p.requires_grad],
            lr=args.lr,
            weight_decay=args.weight_decay,
        )
        self.model, self.optimizer, self.loader = accelerator.prepare(self.model, optimizer, loader)
        self.steps_per_epoch = math.ceil(len(self.loader) / args.grad_accum)
        self.total_steps = args.max_steps or args.epochs * self.steps_per_epoch
        warmup = min(args.warmup_steps, max(self.total_steps // 10, 1))
        # accelerate steps a prepared schedule once per process for each optimizer step
        processes = accelerator.num_processes
        schedule = get_linear_schedule_with_warmup(
            optimizer, warmup * processes, self.total_steps * processes
        )
        self.scheduler = accelerator.prepare(schedule)
        unwrapped = accelerator.unwrap_model(self.model)  # what save_state and load_state see
        self.trainable = {name for name, p in unwrapped.named_parameters() if p.requires_grad}
        # the state keeps only the trained tensors; the frozen bases are read from their folders
        accelerator.register_save_state_pre_hook(self._keep_trained_weights)

    def _keep_trained_weights(self, models: list, weights: list[dict[str, torch.Tensor]], _: str) -> None:
        for state in weights:
            for name in [k for k in state if k not in self.trainable]:
                del state[name]
            if set(state) != self.trainable:  # the resumed run would silently start from fresh weights
                raise RuntimeError(
                    f"trained tensors missing from the state: {sorted(self.trainable - set(state))}"
                )

    def report_bad_rows(self, bad: list[BadRow]) -> None:
        """Print the skipped lines and keep them in `training/bad_rows.jsonl` (the main process)."""
        if not self.main:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.state_dir / "bad_rows.jsonl").open("w", encoding="utf-8") as handle:
            for row in bad:
                handle.write(json.dumps({"line": row.line, "reason": row.reason}, ensure_ascii=False) + "\n")
        if bad:
            print(f"Пропущено строк: {len(bad)} из {self.args.data}", file=sys.stderr)
            for row in bad[:20]:
                print(f"  {row}", file=sys.stderr)
            if len(bad) > 20:
                print(
                    f"  … ещё {len(bad) - 20}, все — в {self.state_dir / 'bad_rows.jsonl'}", file=sys.stderr
                )

    def _write_split(self, train_rows: list[Row], val_rows: list[Row]) -> None:
        (self.state_dir / "split.json").write_text(
            json.dumps(split_lines(train_rows, val_rows)), encoding="utf-8"
        )
        with (self.state_dir / "validation.jsonl").open("w", encoding="utf-8") as handle:
            for row in val_rows:
                handle.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
        (self.state_dir / METRICS_FILE).unlink(missing_ok=True)

    def _check_run(self, train_rows: list[Row], val_rows: list[Row]) -> None:
        """A resumed run must see the same data on as many processes: refuse otherwise."""
        saved = json.loads((self.state_dir / "split.json").read_text(encoding="utf-8"))
        if saved != split_lines(train_rows, val_rows):
            raise SystemExit(
                f"Файл {self.args.data} изменился после начала обучения (другие строки в выборках): "
                "продолжить нельзя, начните обучение заново без --resume"
            )
        processes = read_run(self.output)["processes"]
        if processes != self.accelerator.num_processes:
            raise SystemExit(
                f"Обучение начато на {processes} процессах, а продолжается на "
                f"{self.accelerator.num_processes}: точно продолжить можно только на {processes} "
                f"(accelerate launch --num_processes {processes})"
            )

    def _build_models(self) -> None:
        from peft import LoraConfig, get_peft_model
        from transformers import AutoTokenizer

        from ruclip_port import load_ruclip_from

        args = self.args
        vision_folder = resolve_reference(args.vision, self.output, self.settings)
        decoder_folder = resolve_reference(args.decoder, self.output, self.settings)
        self.tower = load_ruclip_from(self.models, vision_folder)
        cache_root = Path(args.feature_cache) if args.feature_cache else default_cache()
        # features of a bfloat16 or int8 tower (LISTING_QUANTIZE) are kept apart from float32 ones
        precision = f"{self.tower.photo_dtype}:{self.models.placement.int8_photos}"
        key = tower_key(vision_folder, extra=f"{self.tower.preprocess.mode}:{precision}")
        # one cache folder; separate counters for labelling, training epochs and validation
        hashes: dict = {}  # photo content hashes, computed once for all three
        self.prepare_cache, self.cache, self.val_cache = (
            FeatureCache(cache_root, self.tower, key, hashes) for _ in range(3)
        )
        tokenizer = AutoTokenizer.from_pretrained(decoder_folder, local_files_only=True)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        added = special_tokens()
        tokenizer.add_special_tokens({"additional_special_tokens": added}, replace_extra_special_tokens=False)
        decoder = build_decoder(decoder_folder, tokenizer, torch.float32)
        config = PrefixConfig(
            decoder=reference_for(decoder_folder, self.settings),
            vision=reference_for(vision_folder, self.settings),
            clip_dim=self.tower.embed_dim,
            hidden=decoder.config.hidden_size,
            prefix_length=args.prefix_length,
            max_images=self.settings.limits.max_images,
            mapper_hidden=args.mapper_hidden,
            max_prompt_tokens=args.max_prompt_tokens,
            max_target_tokens=args.max_target_tokens,
            lora_r=args.lora_r,
            lora_alpha=args.lora_alpha,
            lora_dropout=args.lora_dropout,
            added_tokens=tuple(added),
        )
        check_context(config, decoder.config.max_position_embeddings, args.max_new_tokens)
        token_ids = tokenizer.convert_tokens_to_ids(added)
        lora = LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=list(config.lora_targets),
            fan_in_fan_out=True,
            trainable_token_indices={"wte": token_ids},
        )
        decoder = get_peft_model(decoder, lora)
        self.model = PrefixModel(config, PrefixMapper(config), decoder)
        self.tokenizer = tokenizer
        self.coder = PromptCoder(tokenizer, config)

    def _restore(self) -> None:
        """Trained weights, optimizer, schedule, accumulation count and every process's random
        generators from the last state; the position from `run.json`."""
        run = read_run(self.output)
        self.accelerator.load_state(str(self.state_dir / run["state"]), strict=False)
        self.position = Position(**run["position"])

    def manifest(self) -> dict[str, Any]:
        """The checkpoint.json of the output folder."""
        return {
            "kind": KIND,
            "title": self.args.title or f"Префиксная модель {self.output.name}",
            "images": "multi",
            "generation": {"max_new_tokens": self.args.max_new_tokens, "no_repeat_ngram_size": 3},
        }

    def save(self) -> None:
        """Write the checkpoint folder, then the resumable state: accelerate's state in a new folder,
        then `run.json` pointing at it (replaced at once), then the older state folders go."""
        accelerator = self.accelerator
        accelerator.wait_for_everyone()
        if self.main:
            save_parts(self.output, accelerator.unwrap_model(self.model), self.tokenizer, self.manifest())
        state = f"{STATE_PREFIX}{self.position.step}"
        accelerator.save_state(str(self.state_dir / state))
        accelerator.wait_for_everyone()
        if not self.main:
            return
        run = {
            "args": asdict(self.args),
            "position": asdict(self.position),
            "processes": accelerator.num_processes,
            "state": state,
        }
        temporary = self.state_dir / f"{RUN_FILE}.tmp"
        temporary.write_text(json.dumps(run, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(temporary, self.state_dir / RUN_FILE)
        for old in self.state_dir.glob(f"{STATE_PREFIX}*"):
            if old.name != state:
                shutil.rmtree(old)

    def log(self, record: dict[str, Any]) -> None:
        """Append one record to `training/metrics.jsonl` (the main process)."""
        if not self.main:
            return
        record = {"time": round(time.time(), 3), **record}
        with (self.state_dir / METRICS_FILE).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _inputs(
        self, batch: list[Example], cache: FeatureCache
    ) -> tuple[list[torch.Tensor], list[list[int]], list[list[int]]]:
        features = [cache.features(e.row.images) for e in batch]
        prompts = [self.coder.prompt(e.masked, e.diversity) for e in batch]
        targets = [self.coder.target(e.target) for e in batch]
        return features, prompts, targets

    def _mean(self, values: list[float]) -> float:
        """The mean of every process's values (each process holds as many)."""
        local = torch.tensor(sum(values) / len(values), device=self.accelerator.device)
        return float(self.accelerator.reduce(local, "mean"))

    @torch.no_grad()
    def validate(self) -> float | None:
        """Mean target-token loss over the validation batches (None without them); the processes share
        the batches, so the figure does not depend on how many there are."""
        if not self.val_set:
            return None
        accelerator = self.accelerator
        model = accelerator.unwrap_model(self.model)
        model.eval()
        val_batches = batches(self.val_set, self.args.batch_size, 0, 0)
        mine = val_batches[accelerator.process_index :: accelerator.num_processes]
        with accelerator.autocast():
            losses = [float(model(*self._inputs(b, self.val_cache))) for b in mine]
        model.train()
        totals = torch.tensor([sum(losses), len(losses)], dtype=torch.float64, device=accelerator.device)
        total, count = accelerator.reduce(totals, "sum").tolist()
        return total / count

    def run(self) -> Position:
        """Train until `max_steps`/`epochs` (or `stop_after` steps this run), saving every `save_every`."""
        from tqdm.auto import tqdm

        args, accelerator = self.args, self.accelerator
        self.model.train()
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.log(
            {
                "event": "start",
                "step": self.position.step,
                "total_steps": self.total_steps,
                "train_rows": len(self.train_set),
                "validation_rows": len(self.val_set),
                "bad_rows": len(self.bad),
                "trainable_parameters": sum(p.numel() for p in trainable),
                "processes": accelerator.num_processes,
                "mixed_precision": accelerator.mixed_precision,
                "prepare_cache_hits": self.prepare_cache.hits,
                "prepare_cache_misses": self.prepare_cache.misses,
            }
        )
        bar = tqdm(
            total=self.total_steps, initial=self.position.step, desc="Обучение", unit="шаг",
            disable=None if self.main else True,
        )  # fmt: skip
        stop_at = self.total_steps
        if args.stop_after:
            stop_at = min(stop_at, self.position.step + args.stop_after)
        window: list[float] = []
        start = self.position
        for epoch in range(start.epoch, math.ceil(self.total_steps / self.steps_per_epoch)):
            hits, misses = self.cache.hits, self.cache.misses
            self.order.epoch = epoch
            skip = start.batch if epoch == start.epoch else 0
            loader = accelerator.skip_first_batches(self.loader, skip) if skip else self.loader
            for index, batch in enumerate(loader, start=skip):
                with accelerator.accumulate(self.model):
                    loss = self.model(*self._inputs(batch, self.cache))
                    accelerator.backward(loss)
                    if accelerator.sync_gradients:
                        accelerator.clip_grad_norm_(trainable, 1.0)
                    self.optimizer.step()
                    self.scheduler.step()
                    self.optimizer.zero_grad(set_to_none=True)
                window.append(float(loss.detach()))
                if not accelerator.sync_gradients:
                    continue
                self.position = Position(self.position.step + 1, epoch, index + 1)
                bar.update(1)
                step = self.position.step
                if step % args.log_every == 0 or step == stop_at:
                    mean = self._mean(window)
                    bar.set_postfix(loss=f"{mean:.3f}")
                    self.log(
                        {
                            "step": step,
                            "epoch": epoch + 1,
                            "loss": mean,
                            "lr": self.scheduler.get_last_lr()[0],
                        }
                    )
                    window = []
                if step % args.save_every == 0 or step == stop_at:
                    self._checkpoint()
                if step >= stop_at:
                    break
            if self.position.step < self.total_steps and self.position.step >= stop_at:
                break  # stopped mid-run: the epoch goes on after --resume
            self._end_epoch(epoch, self.cache.hits - hits, self.cache.misses - misses)
            if self.position.step >= self.total_steps:
                break
            self.position = Position(self.position.step, epoch + 1, 0)
        bar.close()
        return self.position

    def _end_epoch(self, epoch: int, hits: int, misses: int) -> None:
        self.log({"event": "epoch", "epoch": epoch + 1, "cache_hits": hits, "cache_misses": misses})

    def _checkpoint(self) -> None:
        self.log({"event": "validation", "step": self.position.step, "val_loss": self.validate()})
        self.save()


def read_run(output: Path) -> dict[str, Any]:
    """The saved `training/run.json` of a checkpoint folder: arguments, position, processes, state."""
    return json.loads((output / TRAINING / RUN_FILE).read_text(encoding="utf-8"))


def build_parser() -> Any:
    """The command line: TrainArgs' fields through transformers' HfArgumentParser, plus `--resume`."""
    from transformers import HfArgumentParser

    class Parser(HfArgumentParser, RussianParser):
        """HfArgumentParser that reports bad arguments in Russian."""

    parser = Parser(
        TrainArgs,
        prog="python -m tools.train",
        description="Обучает многокадровую префиксную модель описаний (маппер + LoRA) на JSONL-файле. "
        "Несколько видеокарт: accelerate launch --multi_gpu --num_processes N -m tools.train …",
        formatter_class=RussianDefaultsFormatter,
    )
    parser.add_argument("--resume", action="store_true", help="продолжить прерванное обучение из --output")
    return parser


def parse_args(argv: list[str] | None) -> tuple[TrainArgs, bool]:
    """Command-line arguments → TrainArgs and the resume flag (a resumed run takes its saved arguments,
    except `--stop-after`)."""
    parser = build_parser()
    given, flags = parser.parse_args_into_dataclasses(args=argv, look_for_args_file=False)
    if flags.resume:
        path = Path(given.output) / TRAINING / RUN_FILE
        if not path.is_file():
            parser.error(f"нечего продолжать: нет {path}")
        saved = read_run(Path(given.output))["args"]
        return TrainArgs(**{**saved, "stop_after": given.stop_after}), True
    missing = [f"--{name}" for name in ("data", "decoder") if not getattr(given, name)]
    if missing:
        parser.error(f"нужны аргументы: {', '.join(missing)}")
    return given, False


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit status."""
    args, resume = parse_args(argv)
    try:
        trainer = Trainer(args, resume=resume)
        position = trainer.run()
    except NeuralModelError as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return 2
    trainer.accelerator.end_training()
    if not trainer.main:
        return 0
    done = position.step >= trainer.total_steps
    print(
        f"{'Готово' if done else 'Остановлено'}: шаг {position.step} из {trainer.total_steps}, "
        f"чекпойнт {trainer.output}"
        + ("" if done else f" — продолжить: python -m tools.train --output {trainer.output} --resume")
    )
    caches = (trainer.prepare_cache, trainer.cache, trainer.val_cache)
    hits, misses = sum(c.hits for c in caches), sum(c.misses for c in caches)
    print(f"Кэш признаков фото: попаданий {hits}, промахов (фото прогнаны через ruCLIP) {misses}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
