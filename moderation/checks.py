"""The registry of moderation checks: one entry per check, with its id, Russian label and function.

Adding a check is one entry here (plus its thresholds in `ModerationConfig`); the moderate stage runs
every entry in order and the app reads the labels from `LABELS_RU`. Text checks read the one normalised
text (`moderation.text.normalize`) and also run on every generated description (`moderate_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from core.listing import Photo
from core.models import ModelStore
from moderation.config import ModerationConfig
from moderation.consistency import PHOTO_CHECK, TEXT_CHECK, photo_matches, text_matches
from moderation.images import CHECK_NAME as NUDITY_CHECK
from moderation.images import check_photos
from moderation.report import Check
from moderation.text.contacts import CHECK_NAME as CONTACTS_CHECK
from moderation.text.contacts import check_contacts
from moderation.text.insults import CHECK_NAME as INSULTS_CHECK
from moderation.text.insults import check_insults
from moderation.text.lexicon import CHECK_NAME as OBSCENITY_CHECK
from moderation.text.lexicon import check_obscenity
from moderation.text.normalize import Normalised, normalise_text
from moderation.text.toxicity import CHECK_NAME as TOXICITY_CHECK
from moderation.text.toxicity import check_toxicity

if TYPE_CHECKING:
    from ruclip_port import PhotoEmbeddings


@dataclass(frozen=True)
class ModerationInput:
    """What every check may read: the photos, the seller's whole text, the request's ruCLIP
    embeddings, the model store and the thresholds."""

    photos: Sequence[Photo]
    text: str
    embeddings: PhotoEmbeddings | None
    models: ModelStore
    config: ModerationConfig

    @property
    def normalised(self) -> Normalised:
        """The text as every text check reads it (computed once per text)."""
        return normalise_text(self.text)


@dataclass(frozen=True)
class ModerationCheck:
    """One registered check: `run` returns its Checks (one per photo for photo checks); `reads` says
    whether it looks at the photos, the text or both."""

    id: str
    label_ru: str
    run: Callable[[ModerationInput], list[Check]]
    reads: Literal["photos", "text", "both"]


CHECKS: tuple[ModerationCheck, ...] = (
    ModerationCheck(
        NUDITY_CHECK, "Откровенные фото (NudeNet)",
        lambda i: check_photos(i.photos, i.models, i.config), "photos",
    ),
    ModerationCheck(OBSCENITY_CHECK, "Мат", lambda i: [check_obscenity(i.normalised)], "text"),
    ModerationCheck(
        INSULTS_CHECK, "Оскорбления, угрозы и грубые слова", lambda i: [check_insults(i.normalised)], "text"
    ),
    ModerationCheck(
        CONTACTS_CHECK, "Контакты и ссылки", lambda i: [check_contacts(i.normalised, i.config)], "text"
    ),
    ModerationCheck(
        TOXICITY_CHECK, "Токсичность (нейросеть)",
        lambda i: [check_toxicity(i.normalised.text, i.models, i.config)], "text",
    ),
    ModerationCheck(
        PHOTO_CHECK, "Фото соответствует тексту (ruCLIP)",
        lambda i: photo_matches(i.photos, i.text, i.embeddings, i.config), "both",
    ),
    ModerationCheck(
        TEXT_CHECK, "Текст соответствует хотя бы одному фото (ruCLIP)",
        lambda i: text_matches(i.photos, i.text, i.embeddings, i.config), "both",
    ),
)  # fmt: skip

LABELS_RU: dict[str, str] = {check.id: check.label_ru for check in CHECKS}
