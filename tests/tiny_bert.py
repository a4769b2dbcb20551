"""A tiny random BERT with a hand-written WordPiece vocabulary, saved like a hub folder.

Same files as `bert-base-multilingual-cased` on the hub (config.json, model.safetensors, vocab.txt,
tokenizer files), so the real BERTScore code loads it unchanged.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
WORDS = [
    "платье",
    "красное",
    "красный",
    "синее",
    "белые",
    "кроссовки",
    "размер",
    "цена",
    "хлопок",
    "кожа",
    "новое",
    "новый",
    "чашка",
    "блюдцем",
    "фарфор",
    "стул",
    "стулья",
    "дерево",
    "состояние",
    "хорошее",
    "отличное",
    "продаю",
    "продаётся",
    "летнее",
    "мужские",
    "носил",
    "сезон",
]
SUFFIXES = ["##ое", "##ый", "##ая", "##ие", "##ой", "##ом", "##ами", "##ов", "##а", "##ы", "##и", "##е"]


def wordpiece_vocab(extra_words: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Specials, Russian and Latin letters (whole and `##`), digits, punctuation, some whole words."""
    chars = LETTERS + LETTERS.upper() + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    vocab = [*SPECIAL, *chars, *(f"##{c}" for c in chars), *".,:;!?-–()%/«»\"'", *SUFFIXES, *WORDS]
    return list(dict.fromkeys([*vocab, *extra_words]))


def make_tiny_bert(
    folder: Path,
    layers: int = 10,
    hidden: int = 32,
    heads: int = 2,
    intermediate: int = 37,
    vocab: list[str] | None = None,
    vocab_size: int | None = None,
    max_positions: int = 512,
    seed: int = 0,
    labels: tuple[str, ...] = (),
) -> Path:
    """Write a random BertModel and its WordPiece tokenizer into `folder` and return it.

    `vocab_size` larger than the vocabulary pads it with `[unusedN]` entries (to get a real-sized
    embedding matrix in benchmarks); `labels` makes it a sequence classifier with those labels.
    """
    folder.mkdir(parents=True, exist_ok=True)
    vocab = list(vocab or wordpiece_vocab())
    vocab += [f"[unused{i}]" for i in range(max(0, (vocab_size or 0) - len(vocab)))]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(str(folder / "vocab.txt"), do_lower_case=False, model_max_length=max_positions)
    tokenizer.save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=max_positions,
        **({"num_labels": len(labels), "id2label": dict(enumerate(labels))} if labels else {}),
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        (BertForSequenceClassification if labels else BertModel)(config).save_pretrained(folder)
    return folder
