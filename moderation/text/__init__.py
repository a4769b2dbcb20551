"""Text moderation on one normalised text: obscenity, insults and threats, contacts, neural toxicity."""

from moderation.text.contacts import check_contacts, find_contacts
from moderation.text.insults import check_insults, find_insults
from moderation.text.lexicon import check_obscenity, find_obscenities
from moderation.text.normalize import Normalised, normalise_text
from moderation.text.toxicity import check_toxicity

__all__ = [
    "Normalised", "check_contacts", "check_insults", "check_obscenity", "check_toxicity", "find_contacts",
    "find_insults", "find_obscenities", "normalise_text",
]  # fmt: skip
