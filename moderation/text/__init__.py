"""Text moderation: obscenity lexicon, contacts and neural toxicity."""

from moderation.text.contacts import check_contacts, find_contacts
from moderation.text.lexicon import check_obscenity, find_obscenities
from moderation.text.toxicity import check_toxicity

__all__ = ["check_contacts", "check_obscenity", "check_toxicity", "find_contacts", "find_obscenities"]
