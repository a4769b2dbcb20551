"""Scores reported with every result: ruCLIP similarity, BERTScore, attribute coverage."""
