"""ruCLIP's text tokeniser: a pure-Python reader and encoder for YouTokenToMe `bpe.model` files.

The file format (youtokentome 1.0.6, `BPEState::dump`) is whitespace-separated integers:
`n_chars n_rules`, then `n_chars` pairs `codepoint id`, then `n_rules` triples `left right merged`,
then the special ids `unk pad bos eos` (-1 when disabled).

Encoding replays youtokentome's `BaseEncoder::encode_sentence` step by step, so ids are identical:
trailing whitespace is dropped, the text is split into words at ASCII whitespace and U+2581, every
word starts with the U+2581 token, a run of characters missing from the alphabet becomes one `unk`,
and merges are applied lowest rule index first, leftmost first. ruCLIP then lower-cases the text,
keeps at most `context_length - 2` subwords and wraps them in `bos` … `eos` (its `RuCLIPProcessor`).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import torch

SPACE_TOKEN = "\u2581"
_ASCII_SPACES = frozenset(" \t\n\v\f\r")
_UNKNOWN_BASE = 10**9  # placeholder ids for unknown-character runs, above any real id


def _is_space(char: str) -> bool:
    """youtokentome's `is_space`: C `isspace` on code points below 256, or U+2581."""
    return char in _ASCII_SPACES or char == SPACE_TOKEN


@dataclass(frozen=True)
class SpecialIds:
    """Ids of youtokentome's special tokens; -1 means the token is disabled."""

    unk: int = 1
    pad: int = 0
    bos: int = 2
    eos: int = 3

    def count(self) -> int:
        """How many special tokens are enabled."""
        return sum(i != -1 for i in (self.unk, self.pad, self.bos, self.eos))


@dataclass
class BPETokenizer:
    """A YouTokenToMe BPE model: character ids, merge rules and special ids."""

    char_ids: dict[str, int]
    rules: list[tuple[int, int, int]]
    special: SpecialIds = field(default_factory=SpecialIds)

    def __post_init__(self) -> None:
        if SPACE_TOKEN not in self.char_ids:
            raise ValueError("в модели BPE нет символа начала слова U+2581")
        self._rule_index = {(x, y): i for i, (x, y, _) in enumerate(self.rules)}
        self._encode_word = lru_cache(maxsize=65536)(self._encode_word_uncached)

    @classmethod
    def from_file(cls, path: Path | str) -> BPETokenizer:
        """Read a youtokentome `bpe.model` file."""
        malformed = ValueError(f"{path}: не похоже на модель youtokentome (bpe.model)")
        try:
            numbers = [int(x) for x in Path(path).read_text(encoding="ascii").split()]
        except (UnicodeDecodeError, ValueError) as error:
            raise malformed from error
        if len(numbers) < 2:
            raise malformed
        chars_end = 2 + 2 * numbers[0]
        rules_end = chars_end + 3 * numbers[1]
        if len(numbers) != rules_end + 4:
            raise malformed
        pairs = numbers[2:chars_end]
        char_ids = {chr(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)}
        flat = numbers[chars_end:rules_end]
        rules = [(flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3)]
        unk, pad, bos, eos = numbers[rules_end:]
        return cls(char_ids, rules, SpecialIds(unk=unk, pad=pad, bos=bos, eos=eos))

    def save(self, path: Path | str) -> None:
        """Write the model in youtokentome's `bpe.model` format."""
        lines = [f"{len(self.char_ids)} {len(self.rules)}"]
        lines += [f"{ord(c)} {i}" for c, i in self.char_ids.items()]
        lines += [f"{x} {y} {z}" for x, y, z in self.rules]
        s = self.special
        lines.append(f"{s.unk} {s.pad} {s.bos} {s.eos}")
        Path(path).write_text("\n".join(lines) + "\n", encoding="ascii")

    @property
    def vocab_size(self) -> int:
        """Number of ids the model can emit (as youtokentome's `vocab_size`)."""
        return len(self.rules) + len(self.char_ids) + self.special.count()

    def encode(self, text: str) -> list[int]:
        """Subword ids of `text`, exactly as `youtokentome.BPE.encode([text])[0]` (no bos/eos)."""
        end = len(text)
        while end and _is_space(text[end - 1]):
            end -= 1
        ids: list[int] = []
        pos = 0
        while pos < end:
            while _is_space(text[pos]):
                pos += 1
            start = pos
            while pos < end and not _is_space(text[pos]):
                pos += 1
            ids.extend(self._encode_word(text[start:pos]))
        return ids

    def _encode_word_uncached(self, word: str) -> tuple[int, ...]:
        """One word's ids: youtokentome's linked-list merge loop, replayed."""
        tokens = [self.char_ids[SPACE_TOKEN]]
        i = 0
        while i < len(word):
            if word[i] in self.char_ids:
                tokens.append(self.char_ids[word[i]])
                i += 1
                continue
            while i < len(word) and word[i] not in self.char_ids:
                i += 1
            tokens.append(_UNKNOWN_BASE + len(tokens))
        prev = list(range(-1, len(tokens) - 1))
        nxt = [*range(1, len(tokens)), -1]
        queue: list[tuple[int, int]] = []

        def push(pos: int) -> None:
            rule = self._rule_index.get((tokens[pos], tokens[nxt[pos]]))
            if rule is not None:
                heapq.heappush(queue, (rule, pos))

        for pos in range(len(tokens) - 1):
            push(pos)
        while queue:
            rule, pos_1 = heapq.heappop(queue)
            x, y, z = self.rules[rule]
            pos_2 = nxt[pos_1]
            if tokens[pos_1] != x or pos_2 == -1 or tokens[pos_2] != y:
                continue
            pos_0, pos_3 = prev[pos_1], nxt[pos_2]
            tokens[pos_2], prev[pos_2], nxt[pos_2] = 0, -1, -1
            tokens[pos_1], prev[pos_1], nxt[pos_1] = z, pos_0, pos_3
            if pos_3 != -1:
                prev[pos_3] = pos_1
            if pos_0 != -1:
                push(pos_0)
            if pos_3 != -1:
                push(pos_1)
        out: list[int] = []
        node = next(i for i, t in enumerate(tokens) if t != 0)
        while node != -1:
            out.append(self.special.unk if tokens[node] >= _UNKNOWN_BASE else tokens[node])
            node = nxt[node]
        return tuple(out)


class RuCLIPTokenizer:
    """ruCLIP's text side: lower-case, BPE, `bos` + at most `context_length - 2` ids + `eos`."""

    def __init__(self, bpe: BPETokenizer, context_length: int = 77) -> None:
        self.bpe = bpe
        self.context_length = context_length
        self.max_subwords = context_length - 2

    @property
    def eos_id(self) -> int:
        """The id whose position the text encoder pools."""
        return self.bpe.special.eos

    def subwords(self, text: str) -> list[int]:
        """All subword ids of the lower-cased text, not truncated."""
        return self.bpe.encode(text.lower())

    def wrap(self, ids: list[int]) -> list[int]:
        """`bos` + ids truncated to `context_length - 2` + `eos`, as ruCLIP's processor does."""
        special = self.bpe.special
        return [special.bos, *ids[: self.max_subwords], special.eos]

    def batch(self, sequences: list[list[int]]) -> torch.Tensor:
        """Wrapped id lists padded with `pad` (0 when disabled) to the longest one: (n, length) int64.

        The text encoder is causal and pools at `eos`, so the padding after it never changes a result.
        """
        wrapped = [self.wrap(s) for s in sequences]
        length = max(len(w) for w in wrapped)
        pad = max(self.bpe.special.pad, 0)
        return torch.tensor([w + [pad] * (length - len(w)) for w in wrapped], dtype=torch.long)

    def __call__(self, texts: list[str]) -> torch.Tensor:
        """Token ids of texts, each truncated as the original ruCLIP does: (n, length) int64."""
        return self.batch([self.subwords(t) for t in texts])
