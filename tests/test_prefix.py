"""The prefix captioner end to end on tiny models: a tiny ruCLIP tower and a tiny GPT-2 base, a synthetic
dataset of Pillow photos and template listings, real training, resuming, registry loading and evaluation."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from PIL import Image, ImageDraw
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from captioning import gpt2_greedy
from captioning.neural import generate_ids
from captioning.prefix import PrefixCaptioner, PrefixConfig, special_tokens
from captioning.registry import Registry
from core.settings import PROJECT_ROOT, Settings
from masking import mask, restore
from tests.fake_hub import free_port
from tests.neural_fixtures import train_bpe
from tests.tiny_models import make_tiny_ruclip
from tools import evaluate as evaluation
from tools import train
from tools.prefix_data import mask_target, prepare, read_rows

DECODER = "tiny-gpt2"
VISION = "ruclip-vit-base-patch32-384"
COLOURS = {
    "красный": (200, 30, 30),
    "синий": (30, 30, 200),
    "зелёный": (30, 160, 30),
    "жёлтый": (220, 200, 40),
}
ITEMS = ("Куртка", "Платье", "Сумка")
STEPS = 30
STOP = 12  # mid-epoch: 20 training rows in batches of 4 make 5 steps an epoch
CHECKPOINT_STEPS = [12, 24, 30]


def _photo(path: Path, colour: tuple[int, int, int], shape: int) -> str:
    image = Image.new("RGB", (40, 48), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    box = (4 + shape * 3, 6, 36 - shape * 2, 44)
    (draw.ellipse if shape % 2 else draw.rectangle)(box, fill=colour)
    image.save(path)
    return path.name


def _write_dataset(folder: Path) -> Path:
    """24 good listings (one to three photos each) and four bad lines, as JSONL next to its photos."""
    lines = []
    for i in range(24):
        colour = list(COLOURS)[i % 4]
        item = ITEMS[i % 3]
        size, price = 40 + 2 * (i % 5), 1000 + 500 * (i % 7)
        photos = [_photo(folder / f"p{i}_{k}.png", COLOURS[colour], (i + k) % 4) for k in range(1 + i % 3)]
        row = {
            "images": photos,
            "attributes": {"Категория": item, "Цвет": colour, "Размер": str(size), "Цена": f"{price} руб."},
            "text": f"Продаю {item.lower()}, размер {size}",
            "description": f"{item}, цвет {colour}, размер {size}. Цена {price} руб., отправлю сегодня.",
        }
        lines.append(json.dumps(row, ensure_ascii=False))
    good = json.loads(lines[0])
    lines.insert(3, json.dumps({**good, "images": ["нет-такого.png"]}, ensure_ascii=False))
    lines.insert(7, json.dumps({**good, "description": "  "}, ensure_ascii=False))
    lines.insert(11, "{не json")
    lines.insert(15, json.dumps({**good, "images": "p0_0.png"}, ensure_ascii=False))
    path = folder / "listings.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_decoder(folder: Path) -> None:
    torch.manual_seed(0)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(["<|endoftext|>"]), eos_token="<|endoftext|>", pad_token="<|endoftext|>"
    )
    eos = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=320, n_embd=32, n_layer=2, n_head=2,
        bos_token_id=eos, eos_token_id=eos,
    )  # fmt: skip
    model = GPT2LMHeadModel(config)
    with torch.no_grad():  # embeddings as large as a trained model's, so the frozen head can be sharp
        model.transformer.wte.weight.normal_(0.0, 0.5)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Models folder (tiny ruCLIP + tiny GPT-2), dataset, feature cache, checkpoints folder; the
    environment points the CLI commands at them."""
    root = tmp_path_factory.mktemp("prefix")
    models, checkpoints, data = root / "models", root / "checkpoints", root / "data"
    for folder in (models, checkpoints, data):
        folder.mkdir()
    make_tiny_ruclip(models / VISION)
    _write_decoder(models / DECODER)
    (checkpoints / "template").mkdir()
    manifest = {"kind": "template", "title": "Шаблон", "images": "multi"}
    (checkpoints / "template" / "checkpoint.json").write_text(json.dumps(manifest), encoding="utf-8")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread beats several on a shared machine
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LISTING_MODELS_DIR", str(models))
        patch.setenv("LISTING_CHECKPOINTS_DIR", str(checkpoints))
        patch.setenv("LISTING_DEVICE", "cpu")
        yield {
            "root": root,
            "models": models,
            "checkpoints": checkpoints,
            "data": _write_dataset(data),
            "cache": root / "features",
        }
    torch.set_num_threads(threads)


def _train_argv(world: dict[str, Path], name: str, *extra: str) -> list[str]:
    return [
        "--data", str(world["data"]), "--output", str(world["checkpoints"] / name), "--decoder", DECODER,
        "--vision", VISION, "--feature-cache", str(world["cache"]), "--batch-size", "4", "--lr", "0.03",
        "--warmup-steps", "3", "--max-steps", str(STEPS), "--save-every", str(STOP), "--log-every", "1",
        "--prefix-length", "2", "--mapper-hidden", "32", "--lora-r", "4", "--val-fraction", "0.15",
        "--max-prompt-tokens", "128", "--max-target-tokens", "128",
        "--max-new-tokens", "12", *extra,
    ]  # fmt: skip


def _metrics(folder: Path) -> list[dict]:
    lines = (folder / "training" / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def trained(world: dict[str, Path]) -> Path:
    """A checkpoint trained for STEPS steps in one go (the feature cache starts empty)."""
    assert train.main(_train_argv(world, "prefix-full")) == 0
    return world["checkpoints"] / "prefix-full"


@pytest.fixture(scope="module")
def resumed(world: dict[str, Path], trained: Path) -> Path:
    """The same run stopped after STOP steps and resumed to the end."""
    folder = world["checkpoints"] / "prefix-resumed"
    assert train.main([*_train_argv(world, "prefix-resumed"), "--stop-after", str(STOP)]) == 0
    assert [r["step"] for r in _metrics(folder) if "loss" in r][-1] == STOP
    assert train.main(["--output", str(folder), "--resume"]) == 0
    return folder


@pytest.fixture(scope="module")
def captioner(world: dict[str, Path], trained: Path) -> PrefixCaptioner:
    return Registry(Settings.from_env()).load(trained.name)


def test_training_lowers_the_loss(trained: Path) -> None:
    losses = [r["loss"] for r in _metrics(trained) if "loss" in r]
    assert len(losses) == STEPS
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.6 * first, losses
    validation = [r for r in _metrics(trained) if r.get("event") == "validation"]
    assert [r["step"] for r in validation] == CHECKPOINT_STEPS
    assert validation[-1]["val_loss"] < validation[0]["val_loss"]


def test_bad_rows_are_reported_and_skipped(world: dict[str, Path], trained: Path) -> None:
    lines = (trained / "training" / "bad_rows.jsonl").read_text(encoding="utf-8").splitlines()
    bad = {row["line"]: row["reason"] for row in map(json.loads, lines)}
    assert sorted(bad) == [4, 8, 12, 16]
    assert "нет фото нет-такого.png" in bad[4] and "пустое описание" in bad[8]
    assert "не JSON" in bad[12] and "списком" in bad[16]
    split = json.loads((trained / "training" / "split.json").read_text(encoding="utf-8"))
    used = split["train_lines"] + split["validation_lines"]
    assert len(used) == 24 and not set(used) & set(bad) and len(split["validation_lines"]) == 4


def test_feature_cache_hits_after_the_first_epoch(
    world: dict[str, Path], trained: Path, resumed: Path
) -> None:
    rows, _ = read_rows(world["data"])
    split = json.loads((trained / "training" / "split.json").read_text(encoding="utf-8"))
    train_photos = sum(len(r.images) for r in rows if r.line in split["train_lines"])
    distinct = len({p.read_bytes() for r in rows for p in r.images})
    (start,) = [r for r in _metrics(trained) if r.get("event") == "start"]
    assert 0 < start["prepare_cache_misses"] <= distinct  # labelling by photos encoded each photo once
    epochs = [r for r in _metrics(trained) if r.get("event") == "epoch"]
    assert len(epochs) == 6
    assert all(e["cache_misses"] == 0 and e["cache_hits"] == train_photos for e in epochs)
    # the second run (and its resumption) found every photo on disk already
    records = _metrics(resumed)
    assert all(r["prepare_cache_misses"] == 0 for r in records if r.get("event") == "start")
    assert all(r["cache_misses"] == 0 for r in records if r.get("event") == "epoch")
    assert len(list(world["cache"].rglob("*.safetensors"))) == start["prepare_cache_misses"]


def test_feature_cache_keeps_a_towers_precisions_apart(
    world: dict[str, Path], trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(world["cache"], cache)  # the float32 (or bfloat16) features of the `trained` run

    def start_misses(name: str) -> int:
        argv = [*_train_argv(world, name), "--feature-cache", str(cache), "--max-steps", "1"]
        assert train.main(argv) == 0
        (start,) = [r for r in _metrics(world["checkpoints"] / name) if r.get("event") == "start"]
        return start["prepare_cache_misses"]

    assert start_misses("prefix-same-tower") == 0  # the same tower finds every photo cached
    monkeypatch.setenv("LISTING_QUANTIZE", "int8-photos")
    assert start_misses("prefix-int8-tower") > 0  # an int8 tower's features are its own


def test_resume_continues_from_the_saved_step(trained: Path, resumed: Path) -> None:
    records = _metrics(resumed)
    starts = [r for r in records if r.get("event") == "start"]
    assert [s["step"] for s in starts] == [0, STOP]
    steps = [r["step"] for r in records if "loss" in r]
    assert steps == list(range(1, STEPS + 1))
    full = {r["step"]: r["loss"] for r in _metrics(trained) if "loss" in r}
    again = {r["step"]: r["loss"] for r in records if "loss" in r}
    assert again == pytest.approx(full, rel=1e-4)  # same data order, optimizer, schedule and dropout


def test_checkpoint_folder_lists_and_reloads_through_the_registry(
    trained: Path, captioner: PrefixCaptioner, world: dict[str, Path]
) -> None:
    info = Registry(Settings.from_env()).info(trained.name)
    assert (info.kind, info.images, info.present) == ("prefix", "multi", True)
    names = {p.name for p in trained.iterdir()}
    files = {"mapper.safetensors", "adapter_config.json", "adapter_model.safetensors", "prefix_config.json"}
    assert files <= names and "model.safetensors" not in names  # the base is referenced, not copied
    config = PrefixConfig.read(trained)
    assert (config.decoder, config.vision) == (DECODER, VISION)  # references, not copies
    tokenizer = captioner.coder.tokenizer
    base = PreTrainedTokenizerFast.from_pretrained(world["models"] / DECODER)
    assert len(tokenizer) == len(base) + len(special_tokens())
    for token in ("<PRICE>", "<SIZE_2>", "<SINGLE>", "<VARIATIVE>"):
        assert tokenizer.encode(f"цена {token}.")[-2] == tokenizer.convert_tokens_to_ids(token)


def test_reloaded_model_reproduces_the_validation_loss(trained: Path, captioner: PrefixCaptioner) -> None:
    """Mapper, LoRA, trained token rows and tokenizer all come back: the reloaded model's validation loss
    equals the one logged when the checkpoint was written."""
    rows = [json.loads(line) for line in (trained / "training" / "validation.jsonl").read_text().splitlines()]
    examples = [prepare(r) for r in read_rows(trained / "training" / "validation.jsonl")[0]]
    assert len(examples) == len(rows)
    with torch.no_grad():
        features = [captioner.features([Image.open(p) for p in e.row.images]) for e in examples]
        prompts = [captioner.coder.prompt(e.masked, e.diversity) for e in examples]
        targets = [captioner.coder.target(e.target) for e in examples]
        loss = float(captioner.model(features, prompts, targets))
    logged = [r["val_loss"] for r in _metrics(trained) if r.get("event") == "validation"][-1]
    assert loss == pytest.approx(logged, rel=1e-3)


def test_generates_from_one_and_many_photos(captioner: PrefixCaptioner, world: dict[str, Path]) -> None:
    masked = mask({"Категория": "Куртка", "Цвет": "синий", "Цена": "2500 руб."}, "Продаю куртку, размер 44")
    photos = [Image.open(p) for p in sorted((world["data"]).parent.glob("p1*_*.png"))][:10]
    one = captioner.generate(masked, "<SINGLE>", photos[:1])
    many = captioner.generate(masked, "<SINGLE>", photos)
    for generation in (one, many):
        assert 0 < generation.tokens <= 12 and 0.0 < generation.confidence <= 1.0
        assert generation.text.strip()
    assert captioner.generate(masked, "<SINGLE>", photos) == many  # deterministic decoding
    assert one != many  # the photos reach the decoder


def test_the_lean_greedy_loop_writes_what_generate_writes(
    captioner: PrefixCaptioner, world: dict[str, Path]
) -> None:
    masked = mask({"Категория": "Платье", "Цвет": "красный", "Цена": "900 руб."}, "Платье, размер 42")
    photos = [Image.open(p) for p in sorted((world["data"]).parent.glob("p1*_*.png"))][:3]
    features = captioner.features(photos)
    prompt = captioner.coder.prompt(masked, "<VARIATIVE>", captioner.prompt_budget(len(features)))
    with torch.inference_mode():
        batch = captioner.model.assemble([features], [prompt])
    decoder = captioner.model.decoder
    assert gpt2_greedy.supports(decoder, captioner.options, batch.embeds, batch.attention_mask)
    inputs = {"inputs_embeds": batch.embeds, "attention_mask": batch.attention_mask}
    lean, reference = captioner.decode(batch), generate_ids(decoder, inputs, captioner.options)
    assert lean.ids == reference.ids and lean.ids
    assert lean.confidence == pytest.approx(reference.confidence, rel=1e-4)


def test_target_masking_uses_the_input_tokens() -> None:
    attributes = {"Размер": "44", "Цена": "2500 руб."}
    masked = mask(attributes, "Продаю куртку, размер 44, ещё есть 46")
    target = mask_target(masked, attributes, "Куртка размера 44 за 2500 руб., пришлю 3 фото.")
    assert masked.values["<PRICE>"] == "2500 руб." and "<PRICE>" in target
    size_token = next(t for t, v in masked.values.items() if v == "44")
    assert size_token in target and "44" not in target and "2500" not in target
    invented = [t for t in restore(target, masked.values).erased]
    assert len(invented) == 1 and invented[0] not in masked.values  # "3 фото" has no source: erased


def test_evaluation_writes_the_comparison_tables(world: dict[str, Path], trained: Path) -> None:
    output = world["root"] / "report"
    data = trained / "training" / "validation.jsonl"
    argv = ["--data", str(data), "--checkpoints", str(trained), "template", "--output", str(output)]
    assert evaluation.main(argv) == 0
    with (output / "comparison.csv").open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [row["Модель"] for row in table] == [trained.name, "template"]
    columns = evaluation.COLUMNS
    for row in table:
        assert row[columns["rows"]] == "4" and row[columns["failed"]] == "0"
        assert 0.0 <= float(row[columns["chrf"]]) <= 100.0
        assert row[columns["bertscore"]] == evaluation.UNAVAILABLE  # no BERT in the models folder
        assert -1.0 <= float(row[columns["ruclip_mean"]]) <= float(row[columns["ruclip_max"]]) <= 1.0
        assert float(row[columns["invented_after"]]) == 0.0
    template = table[1]
    assert float(template[columns["coverage"]]) > 0.5  # the template states the attributes
    assert float(template[columns["chrf"]]) != float(table[0][columns["chrf"]])
    markdown = (output / "comparison.md").read_text(encoding="utf-8")
    assert markdown.splitlines()[0].startswith("| Модель |") and len(markdown.splitlines()) == 4
    outputs = [json.loads(line) for line in (output / f"{trained.name}.jsonl").read_text().splitlines()]
    assert len(outputs) == 4 and all(o["text"] and o["error"] is None for o in outputs)


def test_missing_decoder_base_is_a_russian_error(
    world: dict[str, Path], trained: Path, tmp_path: Path
) -> None:
    from captioning.neural import NeuralModelError

    copy = Path(shutil.copytree(trained, tmp_path / "copy"))
    config = json.loads((copy / "prefix_config.json").read_text(encoding="utf-8"))
    config["decoder"] = "нет-такой-модели"
    (copy / "prefix_config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(NeuralModelError, match="нет-такой-модели"):
        Registry(Settings(checkpoints_dir=tmp_path, models_dir=world["models"], device="cpu")).load("copy")


def test_evaluation_reports_a_checkpoint_it_cannot_load(
    world: dict[str, Path], trained: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "not-downloaded"
    folder.mkdir()
    manifest = {"kind": "prefix", "title": "нет весов", "images": "multi", "source": {"hub": "org/none"}}
    (folder / "checkpoint.json").write_text(json.dumps(manifest), encoding="utf-8")
    data = trained / "training" / "validation.jsonl"
    argv = ["--data", str(data), "--checkpoints", str(folder), "--output", str(tmp_path / "report")]
    assert evaluation.main(argv) == 1
    with (tmp_path / "report" / "comparison.csv").open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    columns = evaluation.COLUMNS
    assert row[columns["rows"]] == row[columns["failed"]] == "4"
    assert row[columns["chrf"]] == row[columns["coverage"]] == evaluation.UNAVAILABLE


def test_sizes_that_do_not_fit_the_decoder_are_refused(world: dict[str, Path], tmp_path: Path) -> None:
    argv = _train_argv(world, "too-long")
    argv[argv.index("--max-target-tokens") + 1] = "400"
    with pytest.raises(SystemExit, match="Не помещается в контекст декодера"):
        train.main(argv)


def test_pipeline_runs_a_listing_through_the_trained_checkpoint(
    world: dict[str, Path], trained: Path, tmp_path: Path
) -> None:
    """With the base models given by path, the checkpoint runs where the models folder is empty (the
    random tiny ruCLIP would fail the photo↔text moderation check)."""
    from core.listing import Listing
    from pipeline.runner import Pipeline

    copy = Path(shutil.copytree(trained, tmp_path / "checkpoints" / "by-path"))
    config = json.loads((copy / "prefix_config.json").read_text(encoding="utf-8"))
    config.update(decoder=str(world["models"] / DECODER), vision=str(world["models"] / VISION))
    (copy / "prefix_config.json").write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / "models").mkdir()
    settings = Settings(
        models_dir=tmp_path / "models",
        checkpoints_dir=copy.parent,
        default_checkpoint="by-path",
        device="cpu",
    )
    photos = sorted(world["data"].parent.glob("p2_*.png"))
    attributes = {"Категория": "Сумка", "Цена": "3500 руб."}
    result = Pipeline(settings).run(
        Listing(photos, attributes, "Сумка, цена 3500"), multi_checkpoint="by-path"
    )
    assert result.status == "ok", result.reasons
    assert result.checkpoint["used"] == "by-path" and len(photos) == 3
    assert result.text.strip() and "<" not in result.text
    assert not set(re.findall(r"\d+", result.text)) - {"3500"}  # restore leaves only the seller's numbers


def test_training_without_the_decoder_base_fails_in_russian(
    world: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _train_argv(world, "no-base")
    argv[argv.index("--decoder") + 1] = "org/нет-такой-модели"
    assert train.main(argv) == 2
    assert "«org/нет-такой-модели»" in capsys.readouterr().err


def test_resume_refuses_changed_data(world: dict[str, Path], trained: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(trained, tmp_path / "copy"))
    data = tmp_path / "listings.jsonl"
    lines = world["data"].read_text(encoding="utf-8").splitlines()
    data.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one listing fewer
    for name in world["data"].parent.glob("*.png"):
        shutil.copy(name, tmp_path / name.name)
    run_path = copy / "training" / "run.json"
    run = json.loads(run_path.read_text(encoding="utf-8"))
    run["args"].update(data=str(data), output=str(copy))
    run_path.write_text(json.dumps(run), encoding="utf-8")
    with pytest.raises(SystemExit, match="изменился после начала обучения"):
        train.main(["--output", str(copy), "--resume"])


def test_decoder_inputs_are_photos_then_prompt_then_target(captioner: PrefixCaptioner) -> None:
    k = captioner.model.config.prefix_length
    features = [
        torch.randn(2, captioner.model.config.clip_dim),
        torch.randn(0, captioner.model.config.clip_dim),
    ]
    prompts, targets = [[5, 6, 7], [5, 6]], [[8, 9], [10, 11, 12, 13]]
    with torch.no_grad():
        batch = captioner.model.assemble(features, prompts, targets)
    lengths = [2 * (1 + k) + 3 + 2, 2 + 4]
    assert batch.embeds.shape[:2] == (2, max(lengths))
    assert batch.attention_mask.sum(dim=1).tolist() == lengths
    assert batch.labels is not None
    assert [row[row != -100].tolist() for row in batch.labels] == targets  # only the target is learned
    assert batch.labels[0, : 2 * (1 + k) + 3].eq(-100).all()
    separators = captioner.model.mapper.separators
    assert torch.equal(batch.embeds[0, 0], separators[0]) and torch.equal(
        batch.embeds[0, 1 + k], separators[1]
    )


def _launch(*argv: str) -> subprocess.CompletedProcess[str]:
    """Two training processes on the CPU, as the README shows: `accelerate launch --multi_gpu
    --num_processes 2 -m tools.train …` with LISTING_DEVICE=cpu (set by `world`): torchrun starts the
    processes and the Accelerator joins them over gloo. (`accelerate launch --cpu --num_processes 2`
    starts one process only: accelerate's multi-CPU launcher is mpirun.)"""
    accelerate = Path(sys.executable).parent / "accelerate"
    command = [
        str(accelerate), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(free_port()),
        "-m", "tools.train", *argv,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_two_process_accelerate_run_resumes_exactly(world: dict[str, Path]) -> None:
    """Two CPU processes under `accelerate launch`: 4 steps in one go, and 2 steps then --resume for 2
    more, give the same losses and the same trained weights."""
    from safetensors.torch import load_file

    def argv(name: str, *extra: str) -> list[str]:
        args = _train_argv(world, name, *extra)
        for flag, value in (("--max-steps", "4"), ("--save-every", "2")):
            args[args.index(flag) + 1] = value
        return args

    straight, stopped = world["checkpoints"] / "ddp-straight", world["checkpoints"] / "ddp-resumed"
    _launch(*argv(straight.name))
    _launch(*argv(stopped.name), "--stop-after", "2")
    assert [r["step"] for r in _metrics(stopped) if "loss" in r] == [1, 2]
    _launch("--output", str(stopped), "--resume")

    (start, *_) = [r for r in _metrics(straight) if r.get("event") == "start"]
    # 20 training rows, 4 a batch on each of 2 processes: 3 batches a process per epoch, 3 steps an epoch
    assert (start["processes"], start["total_steps"]) == (2, 4)
    losses = {r["step"]: r["loss"] for r in _metrics(straight) if "loss" in r}
    again = {r["step"]: r["loss"] for r in _metrics(stopped) if "loss" in r}
    assert list(again) == [1, 2, 3, 4] and again == pytest.approx(losses, rel=1e-6)
    assert len(set(losses.values())) == 4  # the steps really differ
    def validation(folder: Path) -> list[float]:
        return [r["val_loss"] for r in _metrics(folder) if r.get("event") == "validation"]

    assert len(validation(stopped)) == 2 and validation(stopped) == pytest.approx(validation(straight))
    for weights in ("mapper.safetensors", "adapter_model.safetensors"):
        one, two = load_file(straight / weights), load_file(stopped / weights)
        assert one.keys() == two.keys()
        assert all(torch.allclose(one[k], two[k], rtol=1e-5, atol=1e-7) for k in one), weights
    run = json.loads((stopped / "training" / "run.json").read_text(encoding="utf-8"))
    assert run["processes"] == 2 and run["position"]["step"] == 4
    assert [p.name for p in (stopped / "training").glob("state-*")] == ["state-4"]


def test_every_config_field_is_a_flag_with_russian_help(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--output", "o", "--data", "d.jsonl", "--decoder", "x", "--batch-size", "2", "--grad_accum", "3",
            "--mixed-precision", "bf16"]  # fmt: skip
    args, resume = train.parse_args(argv)
    assert (args.batch_size, args.grad_accum, args.mixed_precision, args.epochs) == (2, 3, "bf16", 3)
    assert not resume
    with pytest.raises(SystemExit):
        train.parse_args(["--help"])
    text = capsys.readouterr().out
    flat = " ".join(text.split())
    for field in dataclasses.fields(train.TrainArgs):
        assert f"--{field.name.replace('_', '-')}" in text and field.metadata["help"][:20] in flat
    assert "(по умолчанию 8)" in text and "default" not in text
    with pytest.raises(SystemExit):
        train.parse_args(["--output", "o", "--mixed-precision", "fp8"])
    assert "Ошибка в аргументах" in capsys.readouterr().err
