"""Beam search of a photo encoder + GPT-2 decoder (a VisionEncoderDecoderModel, vit-rugpt2's kind) in one
lean loop, on the shared decoder step of captioning.gpt2_forward. One photo at a time.

The search is transformers' own beam search for one sequence, step for step: each beam's log-softmax
scores pass the manifest's processors and add to the beam's running score; the best 2 × beams
continuations are taken; those that end (end-of-text or the token limit) and rank among the first `beams`
become finished candidates with their score divided by length ** length_penalty; the best `beams`
continuations that did not end run on; the search stops when no running beam can beat the worst
finished one (transformers' early-stop heuristic), when every continuation ended, or, with
`early_stopping`, once `beams` sequences finished. What it returns is the best finished sequence and the
probability of each of its tokens along its own beam, as `generate` + `compute_transition_scores` do.

`supports` says when this loop computes what `generate` would; otherwise the caller uses `generate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from captioning.gpt2_forward import (
    HONOURED,
    KeyValueBuffers,
    cross_key_values,
    generation_config,
    next_logits,
    plain_attention,
    processors,
    token_states,
)
from captioning.neural import Decoded, GenerationOptions, decoded, eos_ids

NEVER = -1.0e9  # transformers' score for what may not be chosen


def supports(model: Any, options: GenerationOptions, pixel_values: torch.Tensor) -> bool:
    """True when `model` is a photo encoder + plain GPT-2 decoder with cross-attention, the options ask for
    beam search with no more than an n-gram ban and a repetition penalty, and there is one photo."""
    if getattr(getattr(model, "config", None), "model_type", None) != "vision-encoder-decoder":
        return False
    decoder = model.decoder.config
    if not plain_attention(decoder) or not decoder.add_cross_attention or pixel_values.shape[0] != 1:
        return False
    generation = generation_config(model, options)
    if options.num_beams < 2 or generation.early_stopping not in (None, False, True):
        return False
    return set(generation.to_diff_dict()) <= HONOURED | {"length_penalty", "early_stopping"}


@dataclass
class _Finished:
    """The best `beams` finished sequences so far, ranked by their length-penalised scores."""

    scores: torch.Tensor  # (beams,), NEVER where a slot is still empty
    done: torch.Tensor  # (beams,): the slot holds a sequence that ended
    sequences: list[list[int]]
    logprobs: list[torch.Tensor]

    @property
    def full(self) -> bool:
        """Every slot holds a sequence that ended."""
        return bool(self.done.all())


@torch.inference_mode()
def beam_decode(model: Any, pixel_values: torch.Tensor, options: GenerationOptions) -> Decoded:
    """Beam search over the decoder for one photo's pixel values (1, 3, h, w) up to the manifest's
    `max_new_tokens`; the same ids and token probabilities as `generate` would give."""
    decoder = model.decoder
    generation = generation_config(model, options)
    beams, limit = options.num_beams, options.max_new_tokens
    stop = eos_ids(model)
    device = pixel_values.device
    stop_ids = torch.tensor(sorted(stop), dtype=torch.long, device=device)
    penalty = 1.0 if generation.length_penalty is None else generation.length_penalty  # the default
    early = bool(generation.early_stopping)
    chosen_processors = processors(generation)
    cross = cross_key_values(decoder, _encoder_states(model, pixel_values))
    cache = KeyValueBuffers(decoder.config, beams, 1 + limit, cross[0][0])
    start = generation.decoder_start_token_id
    sequences = torch.full((beams, 1), start if start is not None else generation.bos_token_id, device=device)
    running = torch.full((beams,), NEVER, device=device)
    running[0] = 0.0  # only the first beam's continuations count at the first step
    paths = torch.zeros((beams, 0), device=device)
    empty = torch.zeros(beams, dtype=torch.bool, device=device)
    nothing = torch.full((beams,), NEVER, device=device)
    finished = _Finished(nothing, empty, [[] for _ in range(beams)], [paths[0]] * beams)
    improvable = True
    for step in range(limit):
        logits = next_logits(decoder, token_states(decoder, sequences[:, -1], step), cache, cross)
        raw = torch.log_softmax(logits, -1)
        scores = chosen_processors(sequences, raw.clone()) if chosen_processors else raw
        total, flat = (scores + running[:, None]).view(-1).topk(max(2, 1 + len(stop)) * beams)
        origin, tokens = flat // logits.shape[-1], flat % logits.shape[-1]
        candidates = torch.cat([sequences[origin], tokens[:, None]], dim=1)
        candidate_paths = torch.cat([paths[origin], raw[origin, tokens][:, None]], dim=1)
        ended = torch.isin(tokens, stop_ids) | (step + 1 >= limit)
        open_scores = total + ended * NEVER
        keep = open_scores.topk(beams).indices
        finished = _with_finished(
            finished, candidates, candidate_paths, total, ended, step + 1, penalty, early, improvable
        )
        sequences, running, paths = candidates[keep], open_scores[keep], candidate_paths[keep]
        cache.reorder(origin[keep])
        best_running = running[0] / ((step + 1) ** penalty)
        worst_finished = finished.scores.min() if finished.full else NEVER
        improvable = improvable and bool(best_running > worst_finished)
        if not improvable or bool(ended.all()) or (early and finished.full):
            break
    return decoded(finished.sequences[0][1:], finished.logprobs[0], stop)  # ranked best first


def _encoder_states(model: Any, pixel_values: torch.Tensor) -> torch.Tensor:
    """The photo's encoder states, projected to the decoder's width where the model does so."""
    states = model.encoder(pixel_values=pixel_values).last_hidden_state
    encoder, decoder = model.encoder.config, model.decoder.config
    if (
        encoder.hidden_size != decoder.hidden_size
        and getattr(decoder, "cross_attention_hidden_size", None) is None
    ):
        states = model.enc_to_dec_proj(states)
    return states


def _with_finished(
    finished: _Finished,
    candidates: torch.Tensor,
    paths: torch.Tensor,
    total: torch.Tensor,
    ended: torch.Tensor,
    length: int,
    penalty: float,
    early: bool,
    improvable: bool,
) -> _Finished:
    """The best `beams` of the finished sequences and this step's candidates that ended among the first
    `beams` (transformers' `_update_finished_beams` for one sequence)."""
    beams = finished.scores.shape[0]
    ranked_first = torch.arange(total.shape[0], device=total.device) < beams
    scores = total / (length**penalty)
    scores = scores + (NEVER if early and finished.full else 0.0)
    scores = scores + (0.0 if improvable else NEVER)
    just_ended = ended & ranked_first
    scores = scores + (~just_ended) * NEVER
    merged = torch.cat([finished.scores, scores])
    best = merged.topk(beams).indices
    done = torch.cat([finished.done, just_ended])[best]
    sequences = finished.sequences + candidates.tolist()
    logprobs = [*finished.logprobs, *paths]
    chosen = best.tolist()
    return _Finished(merged[best], done, [sequences[i] for i in chosen], [logprobs[i] for i in chosen])
