"""The lean beam search (captioning.gpt2_beam) against transformers' own `generate` on tiny ViT + GPT-2
models built here with random weights: the same ids and token probabilities with the manifest's beams,
n-gram ban and repetition penalty, in float32 and int8; with sequences ending early at every point
(end-of-text set to tokens the search meets), a length penalty either way and early stopping; anything
else it does not compute is left to `generate`."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, VisionEncoderDecoderModel, ViTConfig, ViTModel

from captioning.gpt2_beam import beam_decode, supports
from captioning.neural import GenerationOptions, generate_ids
from core.placement import quantize_int8

VOCAB = 90
START = 1
UNUSED = 0  # end-of-text at first: a token the random decoders are kept from choosing


def _captioner(seed: int) -> VisionEncoderDecoderModel:
    """ViT (2 layers, 32 px photos) + GPT-2 with cross-attention (2 layers), random weights."""
    torch.manual_seed(seed)
    encoder = ViTModel(
        ViTConfig(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                  intermediate_size=37)
    )  # fmt: skip
    decoder = GPT2LMHeadModel(
        GPT2Config(vocab_size=VOCAB, n_positions=64, n_embd=48, n_layer=2, n_head=4, add_cross_attention=True,
                   initializer_range=0.2)
    )  # fmt: skip
    with torch.no_grad():
        decoder.lm_head.weight[UNUSED] = 0.0
    model = VisionEncoderDecoderModel(encoder=encoder, decoder=decoder).eval()
    for config in (model.config, model.generation_config):
        config.decoder_start_token_id, config.pad_token_id, config.eos_token_id = START, UNUSED, UNUSED
    return model


def _photo(seed: int) -> torch.Tensor:
    return torch.randn((1, 3, 32, 32), generator=torch.Generator().manual_seed(seed))


def _by_generate(model: VisionEncoderDecoderModel, pixels: torch.Tensor, options: GenerationOptions) -> Any:
    """What transformers' `generate` decodes (the path the captioner took before the lean loop)."""
    return generate_ids(model, {"pixel_values": pixels}, options)


def _assert_same(model: VisionEncoderDecoderModel, pixels: torch.Tensor, options: GenerationOptions) -> Any:
    assert supports(model, options, pixels)
    lean, reference = beam_decode(model, pixels, options), _by_generate(model, pixels, options)
    assert lean.ids == reference.ids
    assert lean.confidence == pytest.approx(reference.confidence, rel=1e-4)
    return lean


OPTIONS = {
    "vit-rugpt2's": GenerationOptions(max_new_tokens=16, num_beams=4, no_repeat_ngram_size=3),
    "plain": GenerationOptions(max_new_tokens=16, num_beams=3),
    "penalty and ban": GenerationOptions(
        max_new_tokens=16, num_beams=2, no_repeat_ngram_size=2, repetition_penalty=1.3
    ),
}


@pytest.mark.parametrize("weights", ["float32", "int8"])
@pytest.mark.parametrize("name", list(OPTIONS))
def test_same_ids_and_probabilities_as_generate(name: str, weights: str) -> None:
    for seed in range(3):
        model = _captioner(seed)
        if weights == "int8":
            quantize_int8(model, ("decoder",))
        _assert_same(model, _photo(seed), OPTIONS[name])


def test_sequences_that_end_early_are_ranked_as_generate_ranks_them() -> None:
    options = OPTIONS["vit-rugpt2's"]
    model, pixels = _captioner(7), _photo(7)
    free_run = beam_decode(model, pixels, options).ids
    lengths = set()
    for ending in dict.fromkeys(free_run):  # each token the search meets, in turn, ends the text
        model.generation_config.eos_token_id = ending
        lengths.add(len(_assert_same(model, pixels, options).ids))
    assert len(lengths) > 2  # texts ended at several points, so the finished-beam bookkeeping was exercised


@pytest.mark.parametrize(("length_penalty", "early_stopping"), [(0.5, False), (2.0, False), (1.0, True)])
def test_length_penalty_and_early_stopping_as_generate(length_penalty: float, early_stopping: bool) -> None:
    options = OPTIONS["plain"]
    for seed in range(3):
        model, pixels = _captioner(seed), _photo(seed)
        free_run = beam_decode(model, pixels, options).ids
        model.generation_config.eos_token_id = free_run[len(free_run) // 3]
        model.generation_config.length_penalty = length_penalty
        model.generation_config.early_stopping = early_stopping
        _assert_same(model, pixels, options)


def test_what_it_does_not_compute_is_left_to_generate() -> None:
    model, pixels = _captioner(3), _photo(3)
    beams = OPTIONS["plain"]
    assert supports(model, beams, pixels)
    assert not supports(model, GenerationOptions(max_new_tokens=8), pixels)  # greedy
    assert not supports(model, beams, pixels.repeat(2, 1, 1, 1))
    model.generation_config.early_stopping = "never"
    assert not supports(model, beams, pixels)
    model.generation_config.early_stopping = False
    model.generation_config.min_new_tokens = 3  # a processor the loop does not apply
    assert not supports(model, beams, pixels)
