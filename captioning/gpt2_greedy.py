"""Greedy decoding of a Hugging Face GPT-2 language model in one lean loop (the prefix captioner's).

`model.generate` gives the same tokens, but on a CPU a third of each decoded token went to Python around
the layers (the cache's classes, masks, per-module bookkeeping) and to growing the key/value cache by
concatenation (24 copies of the whole context per token). Here keys and values go into buffers sized for
the whole text once, the model's own modules run the layers (float32, bfloat16 or int8 alike), only the
attention core is ours (scaled dot product, as GPT-2's), and the manifest's logits processors are
transformers' own. Batch of one, no padding: a listing is one sequence.

`supports` says when this loop computes what `generate` would; otherwise the caller uses `generate`.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F
from transformers import LogitsProcessorList, NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor

from captioning.neural import Decoded, GenerationOptions, decoded, eos_ids

# generation flags this loop honours (the rest must keep transformers' defaults)
_HONOURED = {
    "max_new_tokens",
    "do_sample",
    "num_beams",
    "use_cache",
    "no_repeat_ngram_size",
    "repetition_penalty",
    "bos_token_id",
    "eos_token_id",
    "pad_token_id",
    "decoder_start_token_id",
    "output_attentions",
    "output_hidden_states",
    "_from_model_config",
    "transformers_version",
}


def supports(model: Any, options: GenerationOptions, embeds: torch.Tensor, mask: torch.Tensor) -> bool:
    """True when `model` is a plain GPT-2 decoder, the options ask for greedy decoding with no more than
    an n-gram ban and a repetition penalty, and the input is one unpadded sequence."""
    config = getattr(model, "config", None)
    if getattr(config, "model_type", None) != "gpt2" or not _plain_attention(config):
        return False
    if embeds.shape[0] != 1 or not bool(mask.all()) or options.num_beams != 1:
        return False
    return set(_generation_config(model, options).to_diff_dict()) <= _HONOURED


@torch.inference_mode()
def greedy_decode(model: Any, embeds: torch.Tensor, options: GenerationOptions) -> Decoded:
    """Greedy continuation of the input embeddings (1, length, hidden) up to the manifest's
    `max_new_tokens` or end-of-text; the same ids and token probabilities as `generate` would give."""
    generation = _generation_config(model, options)
    processors = _processors(generation)
    stop = eos_ids(model)
    cache = _KeyValueBuffers(model, embeds.shape[1] + options.max_new_tokens, embeds)
    positions = torch.arange(embeds.shape[1], device=embeds.device)
    hidden = embeds + model.transformer.wpe(positions)
    chosen: list[int] = []
    logprobs: list[torch.Tensor] = []
    ids = torch.empty((1, 0), dtype=torch.long, device=embeds.device)
    for _ in range(options.max_new_tokens):
        logits = _last_logits(model, hidden, cache)
        scores = processors(ids, logits.clone()) if processors else logits
        token = scores.argmax(-1)
        logprobs.append(torch.log_softmax(logits, -1)[0, token])
        ids = torch.cat([ids, token[:, None]], dim=1)
        chosen.append(int(token))
        if chosen[-1] in stop:
            break
        position = torch.tensor([cache.length], device=embeds.device)
        hidden = model.transformer.wte(token[:, None]) + model.transformer.wpe(position)
    return decoded(chosen, torch.cat(logprobs), stop)


def _plain_attention(config: Any) -> bool:
    """Self-attention only, scaled by 1/√(head size) as GPT-2's default, without fp16 upcasting tricks."""
    tricks = config.scale_attn_by_inverse_layer_idx or config.reorder_and_upcast_attn
    return not config.add_cross_attention and config.scale_attn_weights and not tricks


def _generation_config(model: Any, options: GenerationOptions) -> Any:
    """The model's generation config with the manifest's options on top, as `generate` merges them."""
    generation = copy.deepcopy(model.generation_config)
    generation.update(**options.generate_kwargs())
    return generation


def _processors(generation: Any) -> LogitsProcessorList:
    """The n-gram ban and repetition penalty `generate` would apply, in its order."""
    processors = LogitsProcessorList()
    if generation.repetition_penalty not in (None, 1.0):
        processors.append(RepetitionPenaltyLogitsProcessor(generation.repetition_penalty))
    if generation.no_repeat_ngram_size:
        processors.append(NoRepeatNGramLogitsProcessor(generation.no_repeat_ngram_size))
    return processors


class _KeyValueBuffers:
    """Each layer's keys and values for the whole text, (1, heads, capacity, head size), filled in place."""

    def __init__(self, model: Any, capacity: int, like: torch.Tensor) -> None:
        config = model.config
        self.heads = config.n_head
        self.head_size = config.n_embd // config.n_head
        shape = (1, self.heads, capacity, self.head_size)
        self.keys = [like.new_empty(shape) for _ in range(config.n_layer)]
        self.values = [like.new_empty(shape) for _ in range(config.n_layer)]
        self.length = 0


def _last_logits(model: Any, hidden: torch.Tensor, cache: _KeyValueBuffers) -> torch.Tensor:
    """Run the new positions `hidden` (1, n, hidden) through every block, adding their keys and values to
    the cache; float32 logits of the last position, (1, vocabulary)."""
    start = cache.length
    for block, keys, values in zip(model.transformer.h, cache.keys, cache.values, strict=True):
        hidden = hidden + _attention(block, block.ln_1(hidden), keys, values, start, cache)
        hidden = hidden + block.mlp(block.ln_2(hidden))
    cache.length = start + hidden.shape[1]
    last = model.transformer.ln_f(hidden[:, -1:])
    return model.lm_head(last)[:, -1].float()


def _attention(
    block: Any,
    hidden: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    start: int,
    cache: _KeyValueBuffers,
) -> torch.Tensor:
    """GPT-2 self-attention of the new positions over everything so far: one new token attends to all the
    cache, several (the prompt, into an empty cache) attend causally among themselves."""
    new = hidden.shape[1]
    if new > 1 and start:
        raise ValueError("several new positions are only decoded into an empty cache (the prompt)")
    end = start + new
    query, key, value = (
        part.view(1, new, cache.heads, cache.head_size).transpose(1, 2)
        for part in block.attn.c_attn(hidden).split(hidden.shape[-1], dim=2)
    )
    keys[:, :, start:end] = key
    values[:, :, start:end] = value
    mixed = F.scaled_dot_product_attention(query, keys[:, :, :end], values[:, :, :end], is_causal=new > 1)
    return block.attn.c_proj(mixed.transpose(1, 2).reshape(1, new, -1))
