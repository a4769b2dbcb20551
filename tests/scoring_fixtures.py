"""Tiny scoring and moderation models (ruCLIP, BERT, the toxicity classifier) in one models folder, and
every number a result reports from them: for checks that a speed lever leaves the scores as they were."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image
from transformers import BertForSequenceClassification

from core.catalogue import BERTSCORE_MODEL, RUCLIP_MODEL, TOXICITY_MODEL
from core.models import ModelStore
from moderation.config import ModerationConfig
from moderation.text.toxicity import check_toxicity
from ruclip_port import PhotoEmbeddings, load_ruclip
from scoring import compute_scores
from scoring.report import CLIP_SCORES
from tests.test_moderation_toxicity import make_tiny_toxicity
from tests.tiny_bert import make_tiny_bert
from tests.tiny_models import make_tiny_ruclip

ATTRIBUTES = {"Тип": "чашка", "Цвет": "красный", "Цена": "350 руб."}
GENERATED = "Красная кофейная чашка с блюдцем из фарфора, без сколов. Цена 350 руб."
SELLER_TEXT = "Продаю чашку с блюдцем."
TOXIC_TEXT = "Чашка почти новая. Покупатели все дураки!"


def make_scoring_models(models: Path) -> Path:
    """A tiny ruCLIP, a 10-layer BERT 64 wide and a toxicity classifier whose head reads the text."""
    make_tiny_ruclip(models / RUCLIP_MODEL)
    make_tiny_bert(models / BERTSCORE_MODEL, layers=10, hidden=64, heads=4, intermediate=128)
    make_tiny_toxicity(models, {"non-toxic": 0.5, "insult": -0.5, "dangerous": -1.0})
    folder = models / TOXICITY_MODEL
    classifier = BertForSequenceClassification.from_pretrained(folder)
    with torch.no_grad():  # the helper's head gives its biases whatever it reads
        classifier.classifier.weight.normal_(0.0, 1.0, generator=torch.Generator().manual_seed(0))
    classifier.save_pretrained(folder)
    return models


def result_scores(store: ModelStore, photos: list[Image.Image]) -> dict[str, float]:
    """Every ruCLIP similarity and the BERTScore F1 of a result, and the toxicity of a text."""
    embeddings = PhotoEmbeddings(load_ruclip(store), photos)
    scores = compute_scores(GENERATED, ATTRIBUTES, SELLER_TEXT, embeddings, store)
    toxicity = check_toxicity(TOXIC_TEXT, store, ModerationConfig())
    return {**{name: scores[name] for name in (*CLIP_SCORES, "bertscore_f1")}, "toxicity": toxicity.score}
