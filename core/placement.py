"""Where a model runs and how it is made fast there: the torch device, float16 on CUDA, int8 Linear
layers on the CPU, bfloat16 photo towers on a CPU that computes it natively, and how many CPU threads
torch and ONNX Runtime use.

The model store hands every loader its `Placement`, so each of these levers is applied here and
nowhere else. torch is imported only when a model is placed: importing the pipeline stays light.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from torch import nn

# none: float32; int8: the Linear layers of the text models (ruCLIP's text tower, toxicity, BERTScore),
# and ruCLIP's image tower in bfloat16 on a CPU with bfloat16 instructions; int8-photos: the image tower
# in int8 too
QUANTIZE_CHOICES = ("none", "int8", "int8-photos")
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")

Module = TypeVar("Module", bound="nn.Module")
Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class PlacementError(ValueError):
    """A speed setting with a value that is not allowed; the message is Russian and says what is."""


def check_quantize(value: str, where: str) -> str:
    """`value` if it is one of QUANTIZE_CHOICES, else PlacementError naming `where` it came from."""
    if value not in QUANTIZE_CHOICES:
        raise PlacementError(f"{where}={value}: допустимо {', '.join(QUANTIZE_CHOICES)}")
    return value


def usable_cpus(cgroup_cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """CPUs this process may really use: its affinity mask, lowered by a cgroup CPU quota when there is
    one (a container limited to 2 CPUs on a 64-core host sees 64 in os.cpu_count())."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = cgroup_cpu_max.read_text().split()[:2]
    except (OSError, ValueError):
        return cpus
    if quota == "max":
        return cpus
    return max(1, min(cpus, math.ceil(int(quota) / int(period))))


def thread_count(setting: str) -> int:
    """The LISTING_THREADS setting as a number: `auto` is every usable CPU, or the share a batch worker
    or Ray actor was given in OMP_NUM_THREADS when that is fewer; PlacementError in Russian for anything
    but `auto` or a positive whole number."""
    if setting == "auto":
        share = os.environ.get("OMP_NUM_THREADS", "").strip()
        cpus = usable_cpus()
        return min(cpus, int(share)) if share.isdigit() and int(share) > 0 else cpus
    if not setting.isdigit() or int(setting) < 1:
        raise PlacementError(f"LISTING_THREADS={setting}: допустимо auto или целое число ≥ 1")
    return int(setting)


def in_threads(
    work: Callable[[Item], Outcome], items: Sequence[Item], threads: int | None = None
) -> list[Outcome]:
    """`work` on every item, results in order, up to `threads` at a time (default: as many as torch may
    use, `thread_count("auto")`): for per-photo Pillow and numpy work, which runs outside the GIL while
    no model does. A single item, or a single thread, runs in the caller's thread."""
    count = min(len(items), thread_count("auto") if threads is None else threads)
    if count <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(work, items))


def cpu_computes_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AVX512-BF16 or AMX): there a photo
    tower runs about twice as fast in bfloat16 as in float32; elsewhere bfloat16 is emulated and slower."""
    import torch

    capabilities = torch.cpu.get_capabilities()
    return bool(capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"))


def limit_torch_threads(threads: int) -> None:
    """Lower torch's intra-op thread pool to `threads` (never raise it: a caller that asked for fewer
    keeps its choice). torch sizes the pool by the host's cores, which over-subscribes a CPU quota."""
    import torch

    if torch.get_num_threads() > threads:
        torch.set_num_threads(threads)


def _as_linear(conv: nn.Module) -> nn.Module:
    """GPT-2's Conv1D (y = x·W + b, W stored as in × out) as the equivalent nn.Linear."""
    from torch import nn

    linear = nn.Linear(conv.weight.shape[0], conv.weight.shape[1], device=conv.weight.device)
    linear.weight = nn.Parameter(conv.weight.detach().t().contiguous(), requires_grad=False)
    linear.bias = nn.Parameter(conv.bias.detach().clone(), requires_grad=False)
    return linear


def quantize_int8(module: Module, parts: tuple[str, ...] | None = None) -> Module:
    """`module` with every Linear layer of `parts` (dotted submodule names; default: all of it) replaced by
    a dynamically quantised one: int8 weights per output channel, activations quantised per call, int8
    matrix products (fbgemm/oneDNN). GPT-2's Conv1D layers are turned into Linear ones first; the layers
    of an unmerged LoRA adapter stay float (peft reads their weights).
    In place; `module` must be a float32 one on the CPU in eval mode."""
    from peft.tuners.tuners_utils import BaseTunerLayer
    from torch import nn
    from transformers.pytorch_utils import Conv1D

    with warnings.catch_warnings():
        # torch.ao's eager dynamic quantisation is marked deprecated in favour of torchao, whose CPU path
        # needs torch.compile; the kernels behind it are the maintained fbgemm/oneDNN int8 ones
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per", category=UserWarning)
        from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
        from torch.ao.quantization import per_channel_dynamic_qconfig

        modules = list(module.named_modules())
        adapted = tuple(f"{name}." for name, child in modules if isinstance(child, BaseTunerLayer))
        for name, child in modules:
            inside = parts is None or any(name == p or name.startswith(f"{p}.") for p in parts)
            if not name or not inside or name.startswith(adapted) or isinstance(child, BaseTunerLayer):
                continue
            if isinstance(child, Conv1D):
                child = _as_linear(child)
            if type(child) is nn.Linear:
                child.qconfig = per_channel_dynamic_qconfig
                parent, _, attribute = name.rpartition(".")
                setattr(module.get_submodule(parent), attribute, DynamicLinear.from_float(child))
    return module


@dataclass(frozen=True)
class Placement:
    """How the models of one store run: on `device`; with int8 Linear layers when `int8` (the
    LISTING_QUANTIZE setting; never on a GPU), photo encoders included when `int8_photos`, else photo
    encoders in bfloat16 when `bf16_photos` (int8 asked on a CPU that computes bfloat16); in float16
    when `half` (the scoring and moderation models on a GPU); with `threads` CPU threads for torch and
    ONNX Runtime.

    `str(placement)` is the device name, so it reads as a device wherever one is expected.
    """

    device: str = "cpu"
    int8: bool = False
    threads: int = 1
    half: bool = False
    int8_photos: bool = False
    bf16_photos: bool = False

    @classmethod
    def resolved(cls, device: str, quantize: str, threads: int) -> Placement:
        """The placement for a resolved device and a LISTING_QUANTIZE value: float16 on a GPU, int8 (when
        asked) on the CPU, with bfloat16 photo towers where the CPU computes it."""
        int8 = quantize in ("int8", "int8-photos")
        half = device == "cuda"
        bf16 = quantize == "int8" and device == "cpu" and cpu_computes_bfloat16()
        return cls(
            device, int8=int8, threads=threads, half=half, int8_photos=quantize == "int8-photos",
            bf16_photos=bf16,
        )  # fmt: skip

    def __post_init__(self) -> None:
        if self.device != "cpu":
            object.__setattr__(self, "int8", False)  # int8 dynamic quantisation is a CPU technique
        if not self.int8 or self.int8_photos:
            object.__setattr__(self, "bf16_photos", False)
        if not self.int8:
            object.__setattr__(self, "int8_photos", False)

    def __str__(self) -> str:
        return self.device

    def with_int8(self, wanted: bool) -> Placement:
        """This placement with int8 on or off (a caption checkpoint's own `quantize` option); off also
        leaves its photo tower in float32."""
        return replace(
            self, int8=wanted, int8_photos=wanted and self.int8_photos,
            bf16_photos=wanted and self.bf16_photos,
        )  # fmt: skip

    def quantize(self, module: Module, parts: tuple[str, ...] | None = None) -> Module:
        """`module` with the Linear layers of `parts` (default: all) in int8 when this placement asks for
        it (see `quantize_int8`); unchanged otherwise."""
        return quantize_int8(module, parts) if self.int8 else module

    def prepare(self, module: Module, int8_parts: tuple[str, ...] | None = None) -> Module:
        """`module` on the device in eval mode: in float16 on a GPU; on the CPU with the Linear layers of
        `int8_parts` (default: all) in int8 when this placement asks for it."""
        module = module.to(self.device).eval()
        return module.half() if self.half else self.quantize(module, int8_parts)

    def photo_tower(self, module: Module) -> Module:
        """`module` (a photo encoder already prepared) in bfloat16 when `bf16_photos`, in place; unchanged
        otherwise. Its caller feeds it pixels in its dtype and reads float32 features back."""
        import torch

        return module.to(torch.bfloat16) if self.bf16_photos else module
