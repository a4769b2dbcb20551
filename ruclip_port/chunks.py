"""Split a long text into pieces that fit ruCLIP's 77-token context, at sentence boundaries."""

from __future__ import annotations

from razdel import sentenize

from ruclip_port.tokenizer import RuCLIPTokenizer


def text_chunks(text: str, tokenizer: RuCLIPTokenizer) -> list[list[int]]:
    """Subword id lists, each at most `context_length - 2` long, that together cover the whole text.

    A text that fits is one chunk (exactly what the original ruCLIP encodes). A longer one is split
    into sentences (razdel); consecutive whole sentences are packed into a chunk while they fit, and
    a sentence longer than the limit is cut into limit-sized windows. Nothing is dropped.
    """
    limit = tokenizer.max_subwords
    whole = tokenizer.subwords(text)
    if len(whole) <= limit:
        return [whole]
    chunks: list[list[int]] = []
    current: list[int] = []
    for sentence in sentenize(text):
        ids = tokenizer.subwords(sentence.text)
        for start in range(0, len(ids), limit):
            piece = ids[start : start + limit]
            if current and len(current) + len(piece) > limit:
                chunks.append(current)
                current = []
            current.extend(piece)
    if current:
        chunks.append(current)
    return chunks
