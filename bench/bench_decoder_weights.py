"""What one generated token costs a 12-layer GPT-2 decoder on this CPU, and how far weight formats move it.

Decoding one token reads every weight of the decoder once: the twelve blocks' four Linear layers and the
50 304-wide output layer (≈ 124 M weights). The bench runs those layers back to back on one token, in
decoding order, so the weights stream from memory as they do in `generate` (they do not fit the CPU's
caches), and reports milliseconds per token for:

- float32 Linear layers;
- the shipped int8 (`core.placement.quantize_int8`: dynamic quantisation, int8 weights per channel);
- weight-only int8 and int4 (group 128) matrix products from torch's own CPU kernels, bfloat16
  activations — candidates, not used by the product;

and the memory read bandwidth of this box (summing a 512 MiB tensor), which gives the floor of a format:
its bytes per token over that bandwidth. Medians over `--runs` runs.

    python -m bench.bench_decoder_weights [--runs 20] [--threads N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial

import torch
from torch import nn

from bench.timing import median_seconds
from core.placement import quantize_int8, thread_count

WIDTH, LAYERS, GROUP = 768, 12, 128
VOCAB = 50_304  # ruGPT-3 small's 50 264 tokens, rounded up to a multiple of 64 (the int4 kernel's tile)
BLOCK = ((WIDTH, 3 * WIDTH), (WIDTH, WIDTH), (WIDTH, 4 * WIDTH), (4 * WIDTH, WIDTH))  # c_attn … mlp.c_proj
SHAPES = [*BLOCK * LAYERS, (WIDTH, VOCAB)]  # (in, out), in decoding order; the last is the output layer


def read_bandwidth(runs: int) -> float:
    """Bytes per second this process reads from memory (a sum over 512 MiB of float32)."""
    data = torch.ones(2**27)
    return data.numel() * data.element_size() / median_seconds(data.sum, runs)


def int8_weights(layer: nn.Linear) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric per-output-channel int8 weights and their scales."""
    scale = layer.weight.abs().amax(1).clamp(min=1e-8) / 127
    return (layer.weight / scale[:, None]).round().to(torch.int8), scale.bfloat16()


def int4_weights(layer: nn.Linear) -> tuple[torch.Tensor, torch.Tensor]:
    """Asymmetric int4 weights in groups of GROUP inputs, packed for torch's CPU kernel, and the groups'
    scales and zero points."""
    weight = layer.weight.view(layer.out_features, -1, GROUP)
    low, high = weight.amin(-1), weight.amax(-1)
    scale = ((high - low) / 15).clamp(min=1e-8)
    levels = ((weight - low[..., None]) / scale[..., None]).round().clamp(0, 15).to(torch.int32)
    packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(levels.view(layer.out_features, -1), 1)
    zero = low + 8 * scale  # the kernel reads (level - 8)·scale + zero
    return packed, torch.stack([scale, zero], -1).transpose(0, 1).contiguous().bfloat16()


def token_pass(steps: list[Callable[[], object]]) -> Callable[[], None]:
    """One decoding token: every layer once, in order."""

    def run() -> None:
        for step in steps:
            step()

    return run


def formats(layers: list[nn.Linear]) -> dict[str, tuple[list[Callable[[], object]], int]]:
    """Each weight format: its layers' calls on one token, in order, and the weight bytes they read."""
    full = {size: torch.randn(1, size) for size in (WIDTH, 4 * WIDTH)}
    half = {size: x.bfloat16() for size, x in full.items()}
    inputs = [size_in for size_in, _ in SHAPES]
    count = sum(layer.weight.numel() for layer in layers)
    shipped = list(quantize_int8(nn.ModuleList(layers)))
    eight = [int8_weights(layer) for layer in layers]
    four = [int4_weights(layer) for layer in layers]
    mm8, mm4 = torch.ops.aten._weight_int8pack_mm, torch.ops.aten._weight_int4pack_mm_for_cpu
    return {
        "float32": ([partial(m, full[n]) for m, n in zip(layers, inputs, strict=True)], 4 * count),
        "int8 (поставляемый, динамический)": (
            [partial(m, full[n]) for m, n in zip(shipped, inputs, strict=True)],
            count,
        ),
        "int8, только веса (кандидат)": (
            [partial(mm8, half[n], *w) for w, n in zip(eight, inputs, strict=True)],
            count,
        ),
        "int4, группы по 128, только веса (кандидат)": (
            [partial(mm4, half[n], w[0], GROUP, w[1]) for w, n in zip(four, inputs, strict=True)],
            count // 2,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", default="auto", help="torch threads (LISTING_THREADS syntax)")
    args = parser.parse_args()
    torch.set_num_threads(thread_count(args.threads))
    torch.manual_seed(0)
    bandwidth = read_bandwidth(args.runs)
    print(f"потоков: {torch.get_num_threads()}; чтение памяти: {bandwidth / 1e9:.1f} ГБ/с")
    print("| веса | МБ на токен | мс на токен | предел по памяти, мс | 160 токенов, с |")
    print("|---|---|---|---|---|")
    with torch.inference_mode():
        layers = [nn.Linear(size_in, size_out).eval() for size_in, size_out in SHAPES]
        for name, (steps, size) in formats(layers).items():
            seconds = median_seconds(token_pass(steps), args.runs)
            floor = size / bandwidth * 1e3
            print(f"| {name} | {size / 1e6:.0f} | {seconds * 1e3:.1f} | {floor:.1f} | {seconds * 160:.2f} |")


if __name__ == "__main__":
    main()
