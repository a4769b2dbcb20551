"""The speed switches in one place (core.placement): int8 Linear layers on the CPU, float16 on a GPU, the
thread count; and how the settings and a checkpoint's manifest reach every real loader."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.pytorch_utils import Conv1D

from captioning.neural import GenerationOptions, NeuralModelError
from captioning.registry import Registry
from core.catalogue import RUCLIP_MODEL
from core.models import ModelStore
from core.placement import (
    Placement,
    PlacementError,
    cpu_computes_bfloat16,
    in_threads,
    quantize_int8,
    thread_count,
    usable_cpus,
)
from core.settings import Settings
from moderation.text.toxicity import TOXICITY_MODEL, load_classifier
from ruclip_port import load_ruclip
from scoring.bertscore import load_bertscorer
from tests.neural_fixtures import build_vit_gpt2, write_manifest
from tests.test_moderation_toxicity import make_tiny_toxicity
from tests.tiny_bert import make_tiny_bert
from tests.tiny_models import make_tiny_ruclip

ED = "tiny-vit-gpt2"


def _kinds(module: nn.Module) -> dict[str, int]:
    """How many float Linear, GPT-2 Conv1D and int8 dynamic Linear layers a module holds."""
    counts = {"linear": 0, "conv1d": 0, "int8": 0}
    for child in module.modules():
        if type(child) is nn.Linear:
            counts["linear"] += 1
        elif isinstance(child, Conv1D):
            counts["conv1d"] += 1
        elif isinstance(child, DynamicLinear):
            counts["int8"] += 1
    return counts


def _gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=64, n_positions=32, n_embd=32, n_layer=2, n_head=2, bos_token_id=0,
                        eos_token_id=0)  # fmt: skip
    return GPT2LMHeadModel(config).eval()


def test_int8_turns_gpt2_conv1d_and_linear_layers_into_int8_ones_with_the_same_function() -> None:
    model = _gpt2()
    ids = torch.randint(1, 64, (2, 12), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        before = model(ids).logits
    assert _kinds(model) == {"linear": 1, "conv1d": 8, "int8": 0}  # lm_head + 4 Conv1D per block
    quantize_int8(model)
    assert _kinds(model) == {"linear": 0, "conv1d": 0, "int8": 9}
    with torch.inference_mode():
        after = model(ids).logits
    assert not torch.equal(before, after)  # int8 really runs
    assert (after - before).abs().max() < 0.05 * before.abs().max()
    assert torch.equal(model.transformer.wte.weight, model.transformer.wte.weight.float())  # embeddings stay


def test_int8_reaches_only_the_named_parts() -> None:
    model = _gpt2()
    quantize_int8(model, ("transformer.h.1", "lm_head"))
    assert _kinds(model.transformer.h[0]) == {"linear": 0, "conv1d": 4, "int8": 0}
    assert _kinds(model.transformer.h[1]) == {"linear": 0, "conv1d": 0, "int8": 4}
    assert isinstance(model.lm_head, DynamicLinear)


def test_int8_is_a_cpu_lever_and_a_gpu_gets_float16() -> None:
    native = cpu_computes_bfloat16()
    assert Placement.resolved("cpu", "int8", 2) == Placement("cpu", int8=True, threads=2, bf16_photos=native)
    photos = Placement("cpu", int8=True, threads=2, int8_photos=True)
    assert Placement.resolved("cpu", "int8-photos", 2) == photos
    gpu = Placement.resolved("cuda", "int8-photos", 2)
    assert not gpu.int8 and not gpu.int8_photos and gpu.half and not gpu.with_int8(True).int8
    assert str(gpu) == "cuda"
    model = _gpt2()
    assert Placement("cpu").prepare(model) is model and _kinds(model)["int8"] == 0  # off: untouched
    Placement("cpu", int8=True).prepare(model, ("lm_head",))
    assert _kinds(model) == {"linear": 0, "conv1d": 8, "int8": 1}


def test_bfloat16_photo_towers_only_with_int8_on_a_cpu_that_computes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": False, "amx_bf16": False})
    assert not cpu_computes_bfloat16() and not Placement.resolved("cpu", "int8", 2).bf16_photos
    for capability in ("avx512_bf16", "amx_bf16"):
        monkeypatch.setattr(torch.cpu, "get_capabilities", lambda c=capability: {c: True})
        assert cpu_computes_bfloat16() and Placement.resolved("cpu", "int8", 2).bf16_photos
    for quantize, device in (("none", "cpu"), ("int8-photos", "cpu"), ("int8", "cuda")):
        assert not Placement.resolved(device, quantize, 2).bf16_photos, (quantize, device)
    bf16 = Placement("cpu", int8=True, bf16_photos=True)
    assert not bf16.with_int8(False).bf16_photos and bf16.with_int8(True).bf16_photos
    assert not Placement("cpu", bf16_photos=True).bf16_photos  # a float32 placement stays float32
    tower = torch.nn.Sequential(torch.nn.Linear(4, 4))
    assert Placement("cpu").photo_tower(tower)[0].weight.dtype == torch.float32
    assert bf16.photo_tower(tower)[0].weight.dtype == torch.bfloat16


def test_settings_reach_the_store_placement_and_bad_values_are_refused_in_russian() -> None:
    placement = ModelStore(Settings(device="cpu", quantize="int8", threads="1")).placement
    assert placement == Placement("cpu", int8=True, threads=1, bf16_photos=cpu_computes_bfloat16())
    assert ModelStore(Settings(device="cpu")).placement.int8 is True  # on by default: parity is tested
    assert ModelStore(Settings(device="cpu", quantize="none")).placement.int8 is False
    with pytest.raises(PlacementError, match="LISTING_QUANTIZE=int4: допустимо none, int8, int8-photos"):
        _ = ModelStore(Settings(device="cpu", quantize="int4")).placement
    for bad in ("0", "два", "-1"):
        with pytest.raises(PlacementError, match=f"LISTING_THREADS={bad}: допустимо auto"):
            thread_count(bad)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTING_QUANTIZE", " INT8 ")
    monkeypatch.setenv("LISTING_THREADS", "3")
    settings = Settings.from_env()
    assert (settings.quantize, settings.threads) == ("int8", "3")
    monkeypatch.delenv("LISTING_QUANTIZE")
    monkeypatch.delenv("LISTING_THREADS")
    assert (Settings.from_env().quantize, Settings.from_env().threads) == ("int8", "auto")


def test_in_threads_runs_items_side_by_side_and_keeps_their_order() -> None:
    meeting = threading.Barrier(2, timeout=10)  # broken unless two items run at the same time

    def work(item: int) -> tuple[int, str]:
        if item < 2:
            meeting.wait()
        return item * item, threading.current_thread().name

    done = in_threads(work, range(6), threads=2)
    assert [square for square, _ in done] == [0, 1, 4, 9, 16, 25]
    assert threading.current_thread().name not in {name for _, name in done}
    alone = in_threads(work, [5], threads=4)  # one item: no pool, the caller's own thread
    assert alone == [(25, threading.current_thread().name)]
    assert in_threads(work, [], threads=2) == []


def test_usable_cpus_follow_a_cgroup_quota(tmp_path: Path) -> None:
    quota = tmp_path / "cpu.max"
    affinity = usable_cpus(tmp_path / "missing")
    quota.write_text("100000 100000\n")
    assert usable_cpus(quota) == 1
    quota.write_text("150000 100000\n")
    assert usable_cpus(quota) == min(2, affinity)  # 1.5 CPUs of time: two threads can use it
    quota.write_text("max 100000\n")
    assert usable_cpus(quota) == affinity


def test_auto_threads_take_a_workers_smaller_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert thread_count("auto") == usable_cpus()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # a batch worker's or Ray actor's share of the cores
    assert thread_count("auto") == 1
    monkeypatch.setenv("OMP_NUM_THREADS", str(usable_cpus() + 5))  # never more than the CPUs
    assert thread_count("auto") == usable_cpus()
    monkeypatch.setenv("OMP_NUM_THREADS", "garbage")
    assert thread_count("auto") == usable_cpus()
    assert thread_count("3") == 3  # an explicit setting wins


def test_the_store_lowers_torch_threads_to_the_setting_but_never_raises_them() -> None:
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        _ = ModelStore(Settings(device="cpu", threads="1")).placement
        assert torch.get_num_threads() == 1
        _ = ModelStore(Settings(device="cpu", threads="4")).placement
        assert torch.get_num_threads() == 1  # a caller's lower choice stands
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize(
    ("generation", "message"),
    [({"quantize": "int4"}, "quantize — одно из none, int8, int8-photos"),
     ({"quantize": "int8", "dtype": "bfloat16"}, "только с dtype auto или float32")],
)  # fmt: skip
def test_the_manifest_quantize_option_is_validated(generation: dict, message: str) -> None:
    with pytest.raises(NeuralModelError, match=message):
        GenerationOptions.from_manifest({"generation": generation}, Path("checkpoints/x"))
    options = GenerationOptions.from_manifest({"generation": {"quantize": "int8"}}, Path("x"))
    assert options.quantize == "int8" and "quantize" not in options.generate_kwargs()


def test_the_manifest_option_quantizes_the_captioners_decoder_only(tmp_path: Path) -> None:
    build_vit_gpt2(tmp_path / ED)
    shutil.copytree(tmp_path / ED, tmp_path / f"{ED}-int8")
    write_manifest(tmp_path / f"{ED}-int8", "encoder-decoder", "single", {"quantize": "int8"})
    registry = Registry(Settings(checkpoints_dir=tmp_path, device="cpu", quantize="int8"))
    plain, int8 = registry.load(ED).model, registry.load(f"{ED}-int8").model
    assert _kinds(plain.decoder)["int8"] == 0  # the setting is for scoring models, not captioners
    assert _kinds(int8.decoder) == {"linear": 0, "conv1d": 0, "int8": _kinds(plain.decoder)["conv1d"] + 1}
    assert _kinds(int8.encoder) == _kinds(plain.encoder)  # the vision encoder stays float


def test_the_setting_quantizes_the_scoring_and_moderation_models(tmp_path: Path) -> None:
    models = tmp_path / "models"
    make_tiny_ruclip(models / RUCLIP_MODEL)
    make_tiny_toxicity(models, {"non-toxic": 5.0})
    make_tiny_bert(models / "bert-base-multilingual-cased")
    for quantize, expect_int8 in (("none", False), ("int8", True), ("int8-photos", True)):
        store = ModelStore(Settings(models_dir=models, device="cpu", quantize=quantize))
        clip = load_ruclip(store)
        assert clip is not None
        assert (_kinds(clip.model.transformer)["int8"] > 0) is expect_int8  # the text tower
        assert (_kinds(clip.model.visual)["int8"] > 0) is (quantize == "int8-photos")  # the image tower
        folder = models / TOXICITY_MODEL
        _, classifier = store.load(folder, load_classifier, TOXICITY_MODEL)
        assert (_kinds(classifier)["linear"] == 0) is expect_int8
        scorer = load_bertscorer(store)
        assert scorer is not None
        assert (_kinds(scorer._model)["linear"] == 0) is expect_int8


def test_onnx_runtime_gets_the_store_thread_count() -> None:
    from moderation.images import bundled_model_path, nudenet_session

    path = bundled_model_path()
    assert path is not None
    session = ModelStore(Settings(device="cpu", threads="1")).load(path, nudenet_session)
    options = session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)
