"""The lean greedy loop (captioning.gpt2_greedy) against transformers' own `generate` on tiny GPT-2 models
built here with random weights: the same ids and token probabilities, with the manifest's n-gram ban and
repetition penalty, in float32, bfloat16, float16 and int8, stopping at end-of-text as `generate` does;
anything else it does not compute is left to `generate`."""

from __future__ import annotations

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from captioning.gpt2_greedy import greedy_decode, supports
from captioning.neural import Decoded, GenerationOptions, generate_ids
from core.placement import quantize_int8

VOCAB = 120
EOS = 0


def _gpt2(seed: int, **config: object) -> GPT2LMHeadModel:
    """A 2-layer GPT-2 with random weights; larger-than-default initial weights make its choices sharp."""
    torch.manual_seed(seed)
    settings = {"vocab_size": VOCAB, "n_positions": 96, "n_embd": 48, "n_layer": 2, "n_head": 4}
    model = GPT2LMHeadModel(GPT2Config(**{**settings, "initializer_range": 0.2, **config}))
    model.generation_config.eos_token_id = EOS
    model.generation_config.pad_token_id = EOS
    return model.eval()


def _prompt(model: GPT2LMHeadModel, length: int, seed: int) -> torch.Tensor:
    """Input embeddings of `length` random tokens (as the prefix captioner gives: embeddings, not ids)."""
    ids = torch.randint(1, VOCAB, (1, length), generator=torch.Generator().manual_seed(seed))
    with torch.inference_mode():
        return model.transformer.wte(ids)


def _by_generate(model: GPT2LMHeadModel, embeds: torch.Tensor, options: GenerationOptions) -> Decoded:
    """What transformers' `generate` decodes (the path the captioners took before the lean loop)."""
    mask = torch.ones(embeds.shape[:2], dtype=torch.long)
    return generate_ids(model, {"inputs_embeds": embeds, "attention_mask": mask}, options)


OPTIONS = {
    "plain": GenerationOptions(max_new_tokens=40),
    "n-gram ban": GenerationOptions(max_new_tokens=40, no_repeat_ngram_size=3),
    "penalty and ban": GenerationOptions(max_new_tokens=40, no_repeat_ngram_size=2, repetition_penalty=1.3),
}


@pytest.mark.parametrize("weights", ["float32", "bfloat16", "float16", "int8"])
@pytest.mark.parametrize("name", list(OPTIONS))
def test_same_ids_and_probabilities_as_generate(name: str, weights: str) -> None:
    """int8 is the CPU's speed lever; bfloat16 and float16 are what a GPU runs (here on the CPU)."""
    options = OPTIONS[name]
    for seed in range(4):
        model = _gpt2(seed)
        if weights == "int8":
            quantize_int8(model)
        elif weights != "float32":
            model = model.to(getattr(torch, weights))
        embeds = _prompt(model, 7 + seed, seed)
        mask = torch.ones(embeds.shape[:2], dtype=torch.long)
        assert supports(model, options, embeds, mask)
        lean, reference = greedy_decode(model, embeds, options), _by_generate(model, embeds, options)
        assert lean.ids == reference.ids
        assert lean.confidence == pytest.approx(reference.confidence, rel=1e-4)


def test_the_options_change_the_text_so_parity_covers_them() -> None:
    model = _gpt2(1)
    embeds = _prompt(model, 9, 1)
    texts = {name: tuple(greedy_decode(model, embeds, options).ids) for name, options in OPTIONS.items()}
    assert len(set(texts.values())) == len(OPTIONS)


def test_stops_at_end_of_text_where_generate_does() -> None:
    model = _gpt2(2)
    embeds = _prompt(model, 8, 2)
    options = GenerationOptions(max_new_tokens=30)
    free_run = greedy_decode(model, embeds, options).ids
    model.generation_config.eos_token_id = free_run[5]  # the sixth token now ends the text
    stop_at = free_run.index(free_run[5])
    lean, reference = greedy_decode(model, embeds, options), _by_generate(model, embeds, options)
    assert lean.ids == reference.ids == free_run[:stop_at]
    assert lean.confidence == pytest.approx(reference.confidence, rel=1e-4)


def test_what_it_does_not_compute_is_left_to_generate() -> None:
    model = _gpt2(3)
    embeds = _prompt(model, 6, 3)
    ones = torch.ones((1, 6), dtype=torch.long)
    greedy = GenerationOptions(max_new_tokens=10)
    assert supports(model, greedy, embeds, ones)
    assert not supports(model, GenerationOptions(max_new_tokens=10, num_beams=2), embeds, ones)
    padded = ones.clone()
    padded[0, 0] = 0
    assert not supports(model, greedy, embeds, padded)
    assert not supports(model, greedy, embeds.repeat(2, 1, 1), ones.repeat(2, 1))
    model.generation_config.min_new_tokens = 3  # a processor the loop does not apply
    assert not supports(model, greedy, embeds, ones)
    layer_scaled = _gpt2(3, scale_attn_by_inverse_layer_idx=True)
    assert not supports(layer_scaled, greedy, embeds, ones)
    cross = _gpt2(3, add_cross_attention=True)
    assert not supports(cross, greedy, embeds, ones)
