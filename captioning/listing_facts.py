"""Sort a listing's attribute fields into the roles of the field table (item, brand, colour, …).

Fields with names the table does not know are kept, in the seller's order, to be phrased plainly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from captioning.attribute_phrases import FIELDS

ROLE_KEYS: dict[str, tuple[str, ...]] = {kind.role: kind.names for kind in FIELDS}
_ROLE_OF = {key: role for role, keys in ROLE_KEYS.items() for key in keys}
# An item or category field whose value names who it is for ("Для мальчиков", "Женская обувь") is an
# audience.
_AUDIENCE = re.compile(r"^(для|на)\s|^(женск|мужск|детск)\w*(\s+(одежда|обувь))?$", re.IGNORECASE)


def normalise_key(key: str) -> str:
    """How an attribute name is matched: trimmed, lower-case, "ё" as "е", no trailing colon."""
    return " ".join(key.strip().rstrip(":").lower().replace("ё", "е").split())


@dataclass
class ListingFacts:
    """The attributes by role (the most specific field wins when a role repeats) and the rest as
    (name, value), in the seller's order."""

    roles: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    others: list[tuple[str, str]] = field(default_factory=list)

    def get(self, role: str) -> str | None:
        """The seller's value for a role, or None when not given."""
        return self.roles.get(role)


def sort_attributes(attributes: dict[str, str]) -> ListingFacts:
    """Split attribute fields into known roles and plain "name: value" leftovers; empty values dropped.

    When two fields fill one role, the more specific name wins and the other is kept as a plain field.
    """
    facts = ListingFacts()
    for key, raw in attributes.items():
        value = " ".join(str(raw).split())
        name = " ".join(key.split()).rstrip(":")
        if not value or not name:
            continue
        role = _ROLE_OF.get(normalise_key(key))
        if role in ("item", "category") and _AUDIENCE.search(value):
            role = "audience"
        if role is None:
            facts.others.append((name, value))
            continue
        previous = facts.names.get(role)
        if previous is not None and _rank(role, previous) <= _rank(role, name):
            facts.others.append((name, value))
            continue
        if previous is not None:  # a more specific field for the role: the earlier one becomes plain
            facts.others.append((previous, facts.roles[role]))
        facts.roles[role] = value
        facts.names[role] = name
    return facts


def _rank(role: str, name: str) -> int:
    """Position of a field name within its role's list: "Предмет одежды" outranks "Вид одежды"; a name
    outside the list (an item field holding an audience) ranks last."""
    key = normalise_key(name)
    keys = ROLE_KEYS[role]
    return keys.index(key) if key in keys else len(keys)
