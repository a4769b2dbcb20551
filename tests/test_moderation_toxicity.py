"""Neural toxicity: the real loading and scoring code on a tiny BertForSequenceClassification."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

from core.models import ModelLoadError, ModelStore
from core.settings import Settings
from moderation.config import ModerationConfig
from moderation.text.toxicity import LABELS, check_toxicity, sentences, toxicity

CONFIG = ModerationConfig()
CHARS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяabcdefghijklmnopqrstuvwxyz0123456789.,!?-"


def make_tiny_toxicity(models: Path, biases: dict[str, float], order: tuple[str, ...] = LABELS) -> Settings:
    """A random 2-layer BERT classifier whose label probabilities are sigmoid(bias), whatever the text."""
    folder = models / "rubert-tiny-toxicity"
    folder.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *CHARS, *(f"##{c}" for c in CHARS)]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=37, max_position_embeddings=64, num_labels=len(order),
        id2label=dict(enumerate(order)), label2id={label: i for i, label in enumerate(order)},
        problem_type="multi_label_classification",
    )  # fmt: skip
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([biases.get(label, -4.0) for label in order]))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Settings(models_dir=models, device="cpu")


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_missing_model_is_unavailable_with_download_command(empty_models_settings: Settings) -> None:
    check = check_toxicity("Отличная куртка", ModelStore(empty_models_settings), CONFIG)
    assert check.verdict == "unavailable"
    assert check.score is None
    assert "python -m pipeline download rubert-tiny-toxicity" in check.reason_ru
    assert check.details["download"] == "python -m pipeline download rubert-tiny-toxicity"


def test_folder_without_weights_is_an_error_naming_the_folder(tmp_path: Path) -> None:
    settings = make_tiny_toxicity(tmp_path / "models", {"non-toxic": 5.0})
    folder = settings.models_dir / "rubert-tiny-toxicity"
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError) as error:
        check_toxicity("Отличная куртка.", ModelStore(settings), CONFIG)
    assert str(folder.resolve()) in str(error.value)
    assert "не загружается" in str(error.value)
    assert "python -m pipeline download rubert-tiny-toxicity" in str(error.value)


def test_toxicity_formula() -> None:
    probs = {"non-toxic": 0.8, "insult": 0.1, "obscenity": 0.0, "threat": 0.0, "dangerous": 0.25}
    assert toxicity(probs) == pytest.approx(1 - 0.8 * 0.75)


def test_toxic_model_output_rejects_naming_the_sentence(tmp_path: Path) -> None:
    settings = make_tiny_toxicity(tmp_path / "models", {"non-toxic": -3.0, "insult": 2.0, "dangerous": 0.0})
    check = check_toxicity("Куртка новая. Покупатели все дураки!", ModelStore(settings), CONFIG)
    expected = 1 - _sigmoid(-3.0) * (1 - _sigmoid(0.0))
    assert check.verdict == "reject"
    assert check.score == pytest.approx(expected, abs=1e-3)
    assert check.details["sentences"] == 2
    assert check.details["labels"]["insult"] == pytest.approx(_sigmoid(2.0), abs=1e-3)
    assert f"«{check.details['worst_sentence']}»" in check.reason_ru
    assert check.details["worst_sentence"] in sentences("Куртка новая. Покупатели все дураки!")


def test_borderline_output_warns_and_clean_output_passes(tmp_path: Path) -> None:
    borderline = make_tiny_toxicity(tmp_path / "a", {"non-toxic": -0.5, "dangerous": -5.0})
    check = check_toxicity("Ну такое себе пальто.", ModelStore(borderline), CONFIG)
    assert check.verdict == "warn"
    assert check.score == pytest.approx(1 - _sigmoid(-0.5) * (1 - _sigmoid(-5.0)), abs=1e-3)
    clean = make_tiny_toxicity(tmp_path / "b", {"non-toxic": 5.0, "dangerous": -5.0})
    assert check_toxicity("Отличное пальто, тёплое.", ModelStore(clean), CONFIG).verdict == "pass"


def test_labels_are_read_by_name_not_position(tmp_path: Path) -> None:
    """A checkpoint listing its labels in another order still scores p(non-toxic) and p(dangerous)."""
    order = ("dangerous", "threat", "obscenity", "insult", "non-toxic")
    settings = make_tiny_toxicity(tmp_path / "models", {"non-toxic": 4.0, "dangerous": 3.0}, order)
    check = check_toxicity("Нож охотничий, сталь 65х13.", ModelStore(settings), CONFIG)
    assert check.score == pytest.approx(1 - _sigmoid(4.0) * (1 - _sigmoid(3.0)), abs=1e-3)
    assert check.verdict == "reject"


def test_model_is_loaded_once_per_folder(tmp_path: Path) -> None:
    models = ModelStore(make_tiny_toxicity(tmp_path / "models", {"non-toxic": 5.0}))
    check_toxicity("Первый раз.", models, CONFIG)
    loaded = models.loaded()
    check_toxicity("Второй раз.", models, CONFIG)
    assert len(loaded) == 1 and models.loaded() == loaded


def test_long_text_is_split_into_sentences_and_batched(tmp_path: Path) -> None:
    settings = make_tiny_toxicity(tmp_path / "models", {"non-toxic": 5.0})
    text = " ".join(f"Предложение номер {i} про пальто." for i in range(40))
    check = check_toxicity(text, ModelStore(settings), ModerationConfig(toxicity_batch_size=8))
    assert check.details["sentences"] == 40
    assert check.verdict == "pass"


def test_empty_text_passes_without_a_score(tmp_path: Path) -> None:
    settings = make_tiny_toxicity(tmp_path / "models", {"non-toxic": -5.0})
    check = check_toxicity("   ", ModelStore(settings), CONFIG)
    assert (check.verdict, check.score) == ("pass", None)
