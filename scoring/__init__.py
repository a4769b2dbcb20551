"""Stage: the scores reported with every result — ruCLIP similarities, BERTScore, attribute coverage."""

from scoring.report import compute_scores

__all__ = ["compute_scores"]
