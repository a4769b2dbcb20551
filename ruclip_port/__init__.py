"""Building block: our own port of ruCLIP (ai-forever/ru-clip) — model, YouTokenToMe tokeniser, image
preprocessing — with its loader, the per-request photo embeddings and the similarities read from them.

Not named `ruclip`: that is the import name of a PyPI package.
"""

from ruclip_port.embeddings import PhotoEmbeddings
from ruclip_port.loading import load_ruclip, load_ruclip_from
from ruclip_port.ruclip import RuCLIP
from ruclip_port.similarity import Spread, best_photo_index, photo_photo_similarity, text_photo_similarity

__all__ = [
    "PhotoEmbeddings",
    "RuCLIP",
    "Spread",
    "best_photo_index",
    "load_ruclip",
    "load_ruclip_from",
    "photo_photo_similarity",
    "text_photo_similarity",
]
