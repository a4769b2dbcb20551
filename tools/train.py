"""`python -m tools.train`: train a prefix captioner (mapper + LoRA) on a seller's JSONL listings.

The vision tower and the decoder base stay frozen; the mapper, the LoRA adapter and the embedding rows
of the added tokens are trained with AdamW, linear warmup and decay, gradient accumulation and bf16
autocast on a GPU that supports it. The output folder is a checkpoint the app lists at once; its
`training/` subfolder holds the resumable state, the metrics log (JSONL), the split and the bad rows.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass, fields
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
    load_mapper,
    reference_for,
    resolve_reference,
    save_parts,
    special_tokens,
)
from core.models import ModelStore
from core.settings import Settings
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
STATE_FILE = "state.pt"
METRICS_FILE = "metrics.jsonl"


def default_cache() -> Path:
    """`$XDG_CACHE_HOME/listing-captioner/features` (or ~/.cache/…): shared by every training run."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "listing-captioner" / "features"


@dataclass
class TrainArgs:
    """Everything a run needs; saved with the state so `--resume` continues the same run."""

    data: str
    output: str
    decoder: str
    vision: str = "ruclip-vit-base-patch32-384"
    title: str = ""
    epochs: int = 3
    batch_size: int = 8
    grad_accum: int = 1
    lr: float = 2e-4
    weight_decay: float = 0.01
    warmup_steps: int = 100
    max_steps: int = 0
    stop_after: int = 0
    val_fraction: float = 0.1
    seed: int = 42
    save_every: int = 500
    log_every: int = 10
    prefix_length: int = 8
    mapper_hidden: int = 1024
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    max_prompt_tokens: int = 256
    max_target_tokens: int = 256
    feature_cache: str = ""
    max_new_tokens: int = 160


@dataclass
class Position:
    """Where the run is: optimizer steps done, current epoch and batches done in it."""

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


def batches(examples: list[Example], size: int, seed: int, epoch: int) -> list[list[Example]]:
    """The epoch's batches in a seeded order (the same order again on resume)."""
    order = list(range(len(examples)))
    random.Random(seed * 1000 + epoch).shuffle(order)
    return [[examples[i] for i in order[k : k + size]] for k in range(0, len(order), size)]


class Trainer:
    """One training run: data, models, optimizer and the checkpoint folder."""

    def __init__(self, args: TrainArgs, resume: bool = False) -> None:
        self.args = args
        self.output = Path(args.output)
        self.state_dir = self.output / TRAINING
        self.settings = Settings.from_env()
        self.models = ModelStore(self.settings)
        self.device = torch.device(self.models.device)
        self.autocast = self.device.type == "cuda" and torch.cuda.is_bf16_supported()
        self.position = Position()
        self._seed(args.seed)
        self.rows, self.bad = read_rows(Path(args.data), self.settings.limits.max_images)
        self.report_bad_rows(self.bad)
        if not self.rows:
            raise SystemExit(f"В файле {args.data} нет ни одной годной строки — обучать не на чем")
        train_rows, val_rows = split(self.rows, args.val_fraction, args.seed)
        if resume:
            self._check_split(train_rows, val_rows)
        self._build_models(resume)
        self.train_set, self.val_set = self._prepare(train_rows), self._prepare(val_rows)
        self.steps_per_epoch = math.ceil(math.ceil(len(self.train_set) / args.batch_size) / args.grad_accum)
        self.total_steps = args.max_steps or args.epochs * self.steps_per_epoch
        self.optimizer = torch.optim.AdamW(
            [p for p in self.model.parameters() if p.requires_grad],
            lr=args.lr,
            weight_decay=args.weight_decay,
        )
        from transformers import get_linear_schedule_with_warmup

        warmup = min(args.warmup_steps, max(self.total_steps // 10, 1))
        self.scheduler = get_linear_schedule_with_warmup(self.optimizer, warmup, self.total_steps)
        if resume:
            self._restore()
        else:
            self._write_split(train_rows, val_rows)

    def _prepare(self, rows: list[Row]) -> list[Example]:
        """Masked examples labelled by the diversity classifier from text and photos (features cached)."""
        from tqdm.auto import tqdm

        labeller = CachedTower(self.prepare_cache)
        return [prepare(row, labeller) for row in tqdm(rows, desc="Подготовка", unit="объявл.", disable=None)]

    @staticmethod
    def _seed(seed: int) -> None:
        random.seed(seed)
        torch.manual_seed(seed)

    def report_bad_rows(self, bad: list[BadRow]) -> None:
        """Print the skipped lines and keep them in `training/bad_rows.jsonl`."""
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

    def _check_split(self, train_rows: list[Row], val_rows: list[Row]) -> None:
        """A resumed run must see the same data: refuse when the split no longer matches the saved one."""
        saved = json.loads((self.state_dir / "split.json").read_text(encoding="utf-8"))
        if saved != split_lines(train_rows, val_rows):
            raise SystemExit(
                f"Файл {self.args.data} изменился после начала обучения (другие строки в выборках): "
                "продолжить нельзя, начните обучение заново без --resume"
            )

    def _build_models(self, resume: bool) -> None:
        from peft import LoraConfig, get_peft_model
        from transformers import AutoTokenizer

        from ruclip_port import load_ruclip_from

        args = self.args
        vision_folder = resolve_reference(args.vision, self.output, self.settings)
        decoder_folder = resolve_reference(args.decoder, self.output, self.settings)
        self.tower = load_ruclip_from(self.models, vision_folder)
        cache_root = Path(args.feature_cache) if args.feature_cache else default_cache()
        key = tower_key(vision_folder, extra=self.tower.preprocess.mode)
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
        mapper = load_mapper(self.output, config) if resume else PrefixMapper(config)
        if resume:
            from peft import set_peft_model_state_dict
            from safetensors.torch import load_file

            set_peft_model_state_dict(decoder, load_file(str(self.output / "adapter_model.safetensors")))
        self.model = PrefixModel(config, mapper, decoder).to(self.device)
        self.tokenizer = tokenizer
        self.coder = PromptCoder(tokenizer, config)

    def _restore(self) -> None:
        path = self.state_dir / STATE_FILE
        state = torch.load(path, map_location="cpu", weights_only=True)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.position = Position(**state["position"])
        torch.set_rng_state(state["torch_rng"])
        if torch.cuda.is_available() and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        random.setstate(state["python_rng"])

    def manifest(self) -> dict[str, Any]:
        """The checkpoint.json of the output folder."""
        return {
            "kind": KIND,
            "title": self.args.title or f"Префиксная модель {self.output.name}",
            "images": "multi",
            "generation": {"max_new_tokens": self.args.max_new_tokens, "no_repeat_ngram_size": 3},
        }

    def save(self) -> None:
        """Write the checkpoint folder, then the resumable state."""
        save_parts(self.output, self.model, self.tokenizer, self.manifest())
        state = {
            "args": asdict(self.args),
            "position": asdict(self.position),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            "python_rng": random.getstate(),
        }
        temporary = self.state_dir / f"{STATE_FILE}.tmp"
        torch.save(state, temporary)
        os.replace(temporary, self.state_dir / STATE_FILE)

    def log(self, record: dict[str, Any]) -> None:
        """Append one record to `training/metrics.jsonl`."""
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

    def _loss(self, batch: list[Example], cache: FeatureCache) -> torch.Tensor:
        context = torch.autocast("cuda", dtype=torch.bfloat16) if self.autocast else nullcontext()
        with context:
            return self.model.loss(*self._inputs(batch, cache))

    @torch.no_grad()
    def validate(self) -> float | None:
        """Mean target-token loss over the validation rows (None without them)."""
        if not self.val_set:
            return None
        self.model.eval()
        val_batches = batches(self.val_set, self.args.batch_size, 0, 0)
        losses = [float(self._loss(b, self.val_cache)) for b in val_batches]
        self.model.train()
        return sum(losses) / len(losses)

    def _micro_batches(self) -> Iterator[tuple[int, int, list[Example]]]:
        start = self.position
        for epoch in range(start.epoch, math.ceil(self.total_steps / self.steps_per_epoch)):
            for index, batch in enumerate(
                batches(self.train_set, self.args.batch_size, self.args.seed, epoch)
            ):
                if epoch == start.epoch and index < start.batch:
                    continue
                yield epoch, index, batch

    def run(self) -> Position:
        """Train until `max_steps`/`epochs` (or `stop_after` steps this run), saving every `save_every`."""
        from tqdm.auto import tqdm

        args = self.args
        self.model.train()
        trainable = sum(p.numel() for p in self.model.parameters() if p.requires_grad)
        self.log(
            {
                "event": "start",
                "step": self.position.step,
                "total_steps": self.total_steps,
                "train_rows": len(self.train_set),
                "validation_rows": len(self.val_set),
                "bad_rows": len(self.bad),
                "trainable_parameters": trainable,
                "bf16": self.autocast,
                "prepare_cache_hits": self.prepare_cache.hits,
                "prepare_cache_misses": self.prepare_cache.misses,
            }
        )
        bar = tqdm(
            total=self.total_steps, initial=self.position.step, desc="Обучение", unit="шаг", disable=None
        )
        stop_at = (
            min(self.total_steps, self.position.step + args.stop_after)
            if args.stop_after
            else self.total_steps
        )
        window: list[float] = []
        hits_at_start = misses_at_start = 0
        current_epoch = self.position.epoch
        accumulated = 0
        for epoch, index, batch in self._micro_batches():
            if epoch != current_epoch:
                self._end_epoch(current_epoch, hits_at_start, misses_at_start)
                hits_at_start, misses_at_start, current_epoch = self.cache.hits, self.cache.misses, epoch
            loss = self._loss(batch, self.cache)
            (loss / args.grad_accum).backward()
            window.append(float(loss.detach()))
            accumulated += 1
            last_in_epoch = (index + 1) * args.batch_size >= len(self.train_set)
            if accumulated < args.grad_accum and not last_in_epoch:
                continue
            accumulated = 0
            torch.nn.utils.clip_grad_norm_([p for p in self.model.parameters() if p.requires_grad], 1.0)
            self.optimizer.step()
            self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.position = Position(self.position.step + 1, epoch, index + 1)
            bar.update(1)
            step = self.position.step
            if step % args.log_every == 0 or step == stop_at:
                mean = sum(window) / len(window)
                bar.set_postfix(loss=f"{mean:.3f}")
                self.log(
                    {"step": step, "epoch": epoch + 1, "loss": mean, "lr": self.scheduler.get_last_lr()[0]}
                )
                window = []
            if step % args.save_every == 0 or step == stop_at:
                self._checkpoint()
            if step >= stop_at:
                break
        if self.position.step >= self.total_steps:
            self._end_epoch(current_epoch, hits_at_start, misses_at_start)
        bar.close()
        return self.position

    def _end_epoch(self, epoch: int, hits_before: int, misses_before: int) -> None:
        self.log(
            {
                "event": "epoch",
                "epoch": epoch + 1,
                "cache_hits": self.cache.hits - hits_before,
                "cache_misses": self.cache.misses - misses_before,
            }
        )

    def _checkpoint(self) -> None:
        self.log({"event": "validation", "step": self.position.step, "val_loss": self.validate()})
        self.save()


def parse_args(argv: list[str] | None) -> tuple[TrainArgs, bool]:
    """Command-line arguments → TrainArgs and the resume flag (a resumed run takes its saved arguments,
    except `--stop-after`)."""
    defaults = TrainArgs(data="", output="", decoder="")
    parser = argparse.ArgumentParser(
        prog="python -m tools.train",
        description="Обучает многокадровую префиксную модель описаний (маппер + LoRA) на JSONL-файле.",
    )
    parser.add_argument("--data", help="JSONL с полями images, attributes, text, description")
    parser.add_argument("--output", required=True, help="папка чекпойнта, например checkpoints/my-prefix")
    parser.add_argument("--decoder", help="базовый GPT-2-декодер: папка, имя в папке моделей или hub id")
    parser.add_argument("--resume", action="store_true", help="продолжить прерванное обучение из --output")
    helps = {
        "vision": "башня зрения ruCLIP: папка или имя в папке моделей",
        "title": "название модели в списке приложения",
        "grad_accum": "шагов накопления градиента",
        "warmup_steps": "шагов разогрева скорости обучения (не больше 10%% всех шагов)",
        "max_steps": "всего шагов (0 — по числу эпох)",
        "stop_after": "остановиться через столько шагов (продолжить потом с --resume)",
        "val_fraction": "доля валидационной выборки",
        "save_every": "сохранять чекпойнт каждые N шагов",
        "feature_cache": f"папка кэша признаков фото (по умолчанию {default_cache()})",
        "prefix_length": "векторов префикса на одно фото",
        "epochs": "эпох обучения",
        "batch_size": "объявлений в батче",
        "lr": "скорость обучения AdamW",
        "weight_decay": "затухание весов AdamW",
        "seed": "зерно генератора случайных чисел",
        "log_every": "писать метрики каждые N шагов",
        "mapper_hidden": "ширина скрытого слоя маппера",
        "lora_r": "ранг LoRA",
        "lora_alpha": "alpha LoRA",
        "lora_dropout": "dropout LoRA",
        "max_prompt_tokens": "не больше токенов в подсказке (характеристики и текст)",
        "max_target_tokens": "не больше токенов в целевом описании",
        "max_new_tokens": "не больше новых токенов при генерации",
    }
    for item in fields(TrainArgs):
        if item.name in ("data", "output", "decoder"):
            continue
        default = getattr(defaults, item.name)
        parser.add_argument(
            f"--{item.name.replace('_', '-')}",
            type=type(default),
            default=None,
            help=f"{helps[item.name]} (по умолчанию {default!r})",
        )
    parsed = vars(parser.parse_args(argv))
    resume = parsed.pop("resume")
    given = {k: v for k, v in parsed.items() if v is not None}
    if resume:
        state_path = Path(given["output"]) / TRAINING / STATE_FILE
        if not state_path.is_file():
            parser.error(f"нечего продолжать: нет {state_path}")
        saved = torch.load(state_path, map_location="cpu", weights_only=True)["args"]
        saved["stop_after"] = given.get("stop_after", 0)
        return TrainArgs(**saved), True
    missing = [f"--{k}" for k in ("data", "decoder") if k not in given]
    if missing:
        parser.error(f"нужны аргументы: {', '.join(missing)}")
    return TrainArgs(**given), False


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit status."""
    args, resume = parse_args(argv)
    try:
        trainer = Trainer(args, resume=resume)
        position = trainer.run()
    except NeuralModelError as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return 2
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
