"""Scores reported with every result: ruCLIP similarity, BERTScore, attribute coverage."""

from scoring.report import compute_scores, seller_input
from scoring.similarity import best_photo_index

__all__ = ["best_photo_index", "compute_scores", "seller_input"]
