"""A tiny Detoxify multilingual model folder, laid out as `python -m pipeline download` leaves it.

- `multilingual_debiased-0b549669.ckpt`: what Detoxify publishes, in its own format — a torch-saved dict
  with the training `config` (arch args naming `xlm-roberta-base`, XLMRobertaForSequenceClassification,
  XLMRobertaTokenizer, 16 outputs; the 7 main classes) and the classifier's `state_dict` (random weights;
  the output layer zeroed, so each label's probability is sigmoid(its bias) whatever the text);
- `xlm-roberta-base/`: a small XLM-R config without labels and a sentencepiece unigram tokenizer
  trained here, saved as the hub has them (config.json, sentencepiece.bpe.model, tokenizer.json).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sentencepiece
import torch
from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification, XLMRobertaTokenizer

from core.catalogue import DETOXIFY_BASE, DETOXIFY_CHECKPOINT, DETOXIFY_MODEL

# Detoxify's multilingual classes, in its training config's order; 9 identity outputs follow them.
CLASSES = ("toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat", "sexual_explicit")
OUTPUTS = 16
CORPUS = (
    "Продаю женское пальто из шерсти, размер 46, цвет бежевый, носила один сезон.",
    "Состояние отличное, без пятен и затяжек, все пуговицы на месте.",
    "Кофейная чашка с блюдцем, без сколов и трещин. Самовывоз у метро.",
    "Куртка новая, тёплая, с капюшоном. Торг уместен, обмен не предлагать.",
    "Покупатели все дураки, не пишите мне глупости! Ну такое себе пальто.",
    "Детские кроссовки, белые, размер 30. Стул деревянный, крепкий.",
)


def _train_tokenizer(folder: Path, corpus: Sequence[str], pieces: int) -> XLMRobertaTokenizer:
    """A sentencepiece unigram model of at most `pieces` pieces trained on `corpus`, as XLM-R's tokenizer."""
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus), model_prefix=str(folder / "sentencepiece.bpe"),
        vocab_size=pieces, model_type="unigram", character_coverage=1.0, hard_vocab_limit=False,
        minloglevel=2,
    )  # fmt: skip
    (folder / "sentencepiece.bpe.vocab").unlink()
    return XLMRobertaTokenizer.from_pretrained(folder)


def make_tiny_detoxify(
    models: Path,
    biases: dict[str, float],
    max_positions: int = 66,
    shape: tuple[int, int, int, int] = (32, 2, 2, 37),
    vocab_size: int | None = None,
    corpus: Sequence[str] = CORPUS * 20,
    pieces: int = 200,
) -> Path:
    """Write the folder under `models` and return it; a class missing from `biases` gets bias −6.

    `shape` is (hidden, layers, heads, intermediate); `vocab_size` larger than the trained tokenizer's
    gives a real-sized embedding matrix (for benchmarks).
    """
    folder = models / DETOXIFY_MODEL
    base = folder / DETOXIFY_BASE
    base.mkdir(parents=True)
    tokenizer = _train_tokenizer(base, corpus, pieces)
    tokenizer.save_pretrained(base)
    (base / "tokenizer_config.json").unlink()  # the hub repository has none either
    hidden, layers, heads, intermediate = shape
    config = XLMRobertaConfig(
        vocab_size=max(vocab_size or 0, len(tokenizer)), hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=heads, intermediate_size=intermediate, max_position_embeddings=max_positions,
    )  # fmt: skip
    config.save_pretrained(base)
    config.num_labels = OUTPUTS
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = XLMRobertaForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.out_proj.weight.zero_()
        bias = [biases.get(label, -6.0) for label in CLASSES] + [-6.0] * (OUTPUTS - len(CLASSES))
        model.classifier.out_proj.bias.copy_(torch.tensor(bias))
    checkpoint = {
        "config": {
            "arch": {
                "type": "XLMRoberta",
                "args": {
                    "num_classes": OUTPUTS,
                    "model_type": DETOXIFY_BASE,
                    "model_name": "XLMRobertaForSequenceClassification",
                    "tokenizer_name": "XLMRobertaTokenizer",
                },
            },
            "dataset": {"type": "JigsawDataBias", "args": {"classes": list(CLASSES)}},
        },
        "state_dict": model.state_dict(),
    }
    torch.save(checkpoint, folder / DETOXIFY_CHECKPOINT.name)
    return folder
