"""The GPT-2 decoder step the lean decoding loops share (captioning.gpt2_greedy, captioning.gpt2_beam).

`model.generate` gives the same tokens, but on a CPU a third of each decoded token went to Python around
the layers (the cache's classes, masks, per-module bookkeeping) and to growing the key/value cache by
concatenation (24 copies of the whole context per token). Here keys and values go into buffers sized for
the whole text once, the model's own modules run the layers (float32, bfloat16, float16 or int8 alike),
only the attention core is ours (scaled dot product, as GPT-2's), and the manifest's logits processors
are transformers' own. A photo's cross-attention keys and values are computed once and shared by every
beam.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F
from transformers import LogitsProcessorList, NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor

from captioning.neural import GenerationOptions

# generation flags both loops honour (the rest must keep transformers' defaults)
HONOURED = {
    "max_new_tokens",
    "max_length",  # max_new_tokens, always set from the manifest, takes precedence over it
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


def plain_attention(config: Any) -> bool:
    """GPT-2's default attention: scaled by 1/√(head size), without the fp16 upcasting tricks."""
    tricks = config.scale_attn_by_inverse_layer_idx or config.reorder_and_upcast_attn
    return getattr(config, "model_type", None) == "gpt2" and config.scale_attn_weights and not tricks


def generation_config(model: Any, options: GenerationOptions) -> Any:
    """The model's generation config with the manifest's options on top, as `generate` merges them."""
    generation = copy.deepcopy(model.generation_config)
    generation.update(**options.generate_kwargs())
    return generation


def processors(generation: Any) -> LogitsProcessorList:
    """The n-gram ban and repetition penalty `generate` would apply."""
    chosen = LogitsProcessorList()
    if generation.repetition_penalty not in (None, 1.0):
        chosen.append(RepetitionPenaltyLogitsProcessor(generation.repetition_penalty))
    if generation.no_repeat_ngram_size:
        chosen.append(NoRepeatNGramLogitsProcessor(generation.no_repeat_ngram_size))
    return chosen


class KeyValueBuffers:
    """Each layer's keys and values for the whole text, (rows, heads, capacity, head size), filled in place;
    a row is a sequence (a beam)."""

    def __init__(self, config: Any, rows: int, capacity: int, like: torch.Tensor) -> None:
        self.heads = config.n_head
        self.head_size = config.n_embd // config.n_head
        shape = (rows, self.heads, capacity, self.head_size)
        self.keys = [like.new_empty(shape) for _ in range(config.n_layer)]
        self.values = [like.new_empty(shape) for _ in range(config.n_layer)]
        self.length = 0

    def reorder(self, rows: torch.Tensor) -> None:
        """Row i continues the sequence that was row `rows[i]` (beam search's choice)."""
        for buffer in (*self.keys, *self.values):
            buffer[:, :, : self.length] = buffer[:, :, : self.length].index_select(0, rows)


CrossKeyValues = list[tuple[torch.Tensor, torch.Tensor]]


def cross_key_values(decoder: Any, encoder_states: torch.Tensor) -> CrossKeyValues:
    """Each layer's cross-attention keys and values of the encoder states (1, positions, width), shaped
    (1, heads, positions, head size): computed once, read by every beam."""
    width, heads = decoder.config.n_embd, decoder.config.n_head
    shape = (1, encoder_states.shape[1], heads, width // heads)
    pairs = []
    for block in decoder.transformer.h:
        keys, values = block.crossattention.c_attn(encoder_states).split(width, dim=2)
        pairs.append((keys.view(shape).transpose(1, 2), values.view(shape).transpose(1, 2)))
    return pairs


def token_states(decoder: Any, ids: torch.Tensor, position: int) -> torch.Tensor:
    """Input states of one new token per row, ids (rows,) at `position`: (rows, 1, width)."""
    where = torch.tensor([position], device=ids.device)
    return decoder.transformer.wte(ids[:, None]) + decoder.transformer.wpe(where)


def next_logits(
    decoder: Any, hidden: torch.Tensor, cache: KeyValueBuffers, cross: CrossKeyValues | None = None
) -> torch.Tensor:
    """Run the new positions `hidden` (rows, n, width) through every block, adding their keys and values
    to the cache (and attending to the photo's `cross` keys and values); float32 logits of each row's last
    position, (rows, vocabulary)."""
    start = cache.length
    layers = zip(decoder.transformer.h, cache.keys, cache.values, strict=True)
    for index, (block, keys, values) in enumerate(layers):
        hidden = hidden + _self_attention(block, block.ln_1(hidden), keys, values, start, cache)
        if cross is not None:
            hidden = hidden + _cross_attention(block, block.ln_cross_attn(hidden), *cross[index], cache)
        hidden = hidden + block.mlp(block.ln_2(hidden))
    cache.length = start + hidden.shape[1]
    last = decoder.transformer.ln_f(hidden[:, -1:])
    return decoder.lm_head(last)[:, -1].float()


def _heads(states: torch.Tensor, cache: KeyValueBuffers) -> torch.Tensor:
    """(rows, n, width) → (rows, heads, n, head size)."""
    rows, new, _ = states.shape
    return states.view(rows, new, cache.heads, cache.head_size).transpose(1, 2)


def _merged(mixed: torch.Tensor) -> torch.Tensor:
    """(rows, heads, n, head size) → (rows, n, width)."""
    rows, _, new, _ = mixed.shape
    return mixed.transpose(1, 2).reshape(rows, new, -1)


def _self_attention(
    block: Any,
    hidden: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    start: int,
    cache: KeyValueBuffers,
) -> torch.Tensor:
    """GPT-2 self-attention of the new positions over everything so far: one new token attends to all the
    cache, several (the prompt, into an empty cache) attend causally among themselves."""
    new = hidden.shape[1]
    if new > 1 and start:
        raise ValueError("several new positions are only decoded into an empty cache (the prompt)")
    end = start + new
    parts = block.attn.c_attn(hidden).split(hidden.shape[-1], dim=2)
    query, key, value = (_heads(part, cache) for part in parts)
    keys[:, :, start:end] = key
    values[:, :, start:end] = value
    mixed = F.scaled_dot_product_attention(query, keys[:, :, :end], values[:, :, :end], is_causal=new > 1)
    return block.attn.c_proj(_merged(mixed))


def _cross_attention(
    block: Any, hidden: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, cache: KeyValueBuffers
) -> torch.Tensor:
    """GPT-2 cross-attention of every row's new positions to the photo's keys and values."""
    rows = hidden.shape[0]
    query = _heads(block.crossattention.q_attn(hidden), cache)
    shape = (rows, *keys.shape[1:])
    mixed = F.scaled_dot_product_attention(query, keys.expand(shape), values.expand(shape))
    return block.crossattention.c_proj(_merged(mixed))
