"""Greedy decoding of a GPT-2 language model in one lean loop (the prefix captioner's), on the shared
decoder step of captioning.gpt2_forward. Batch of one, no padding: a listing is one sequence.

`supports` says when this loop computes what `generate` would; otherwise the caller uses `generate`.
"""

from __future__ import annotations

from typing import Any

import torch

from captioning.gpt2_forward import (
    HONOURED,
    KeyValueBuffers,
    generation_config,
    next_logits,
    plain_attention,
    processors,
    token_states,
)
from captioning.neural import Decoded, GenerationOptions, decoded, eos_ids


def supports(model: Any, options: GenerationOptions, embeds: torch.Tensor, mask: torch.Tensor) -> bool:
    """True when `model` is a plain GPT-2 decoder, the options ask for greedy decoding with no more than
    an n-gram ban and a repetition penalty, and the input is one unpadded sequence."""
    config = getattr(model, "config", None)
    if config is None or not plain_attention(config) or config.add_cross_attention:
        return False
    if embeds.shape[0] != 1 or not bool(mask.all()) or options.num_beams != 1:
        return False
    return set(generation_config(model, options).to_diff_dict()) <= HONOURED


@torch.inference_mode()
def greedy_decode(model: Any, embeds: torch.Tensor, options: GenerationOptions) -> Decoded:
    """Greedy continuation of the input embeddings (1, length, hidden) up to the manifest's
    `max_new_tokens` or end-of-text; the same ids and token probabilities as `generate` would give."""
    chosen_processors = processors(generation_config(model, options))
    stop = eos_ids(model)
    cache = KeyValueBuffers(model.config, 1, embeds.shape[1] + options.max_new_tokens, embeds)
    positions = torch.arange(embeds.shape[1], device=embeds.device)
    hidden = embeds + model.transformer.wpe(positions)
    logprobs: list[torch.Tensor] = []
    ids = torch.empty((1, 0), dtype=torch.long, device=embeds.device)  # the new tokens so far
    for _ in range(options.max_new_tokens):
        logits = next_logits(model, hidden, cache)
        scores = chosen_processors(ids, logits.clone()) if chosen_processors else logits
        token = scores.argmax(-1)
        logprobs.append(torch.log_softmax(logits, -1)[0, token])
        ids = torch.cat([ids, token[:, None]], dim=1)
        if int(token) in stop:
            break
        hidden = token_states(model, token, cache.length)
    return decoded(ids[0].tolist(), torch.cat(logprobs), stop)
