"""Sort a listing's attribute fields into the roles the template knows (item, brand, colour, …).

Fields with names the template does not know are kept, in the seller's order, to be rendered plainly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Attribute names (lower-case, "ё" → "е") the template understands, by role.
ROLE_KEYS: dict[str, tuple[str, ...]] = {
    "item": (
        "предмет одежды", "вид одежды", "вид обуви", "вид товара", "тип товара", "тип", "товар",
        "наименование", "название", "предмет", "что продается",
    ),
    "category": ("категория", "раздел", "подкатегория"),
    "brand": ("бренд", "марка", "производитель", "фирма"),
    "model": ("модель",),
    "colour": ("цвет", "расцветка"),
    "material": ("материал", "состав", "ткань"),
    "condition": ("состояние",),
    "size": ("размер", "размер одежды", "размер обуви", "рост"),
    "price": ("цена", "стоимость"),
    "quantity": ("количество", "кол-во", "число предметов", "количество предметов"),
    "gender": ("пол", "для кого"),
    "season": ("сезон",),
    "year": ("год", "год выпуска"),
}
_ROLE_OF = {key: role for role, keys in ROLE_KEYS.items() for key in keys}
# An "item" field whose value names who it is for ("Для мальчиков", "Женская одежда") is not an item.
_AUDIENCE = re.compile(r"^(для|на)\s|\bодежда$", re.IGNORECASE)


def normalise_key(key: str) -> str:
    """How an attribute name is matched: trimmed, lower-case, "ё" as "е", no trailing colon."""
    return " ".join(key.strip().rstrip(":").lower().replace("ё", "е").split())


@dataclass
class ListingFacts:
    """The attributes by role (first field wins when a role repeats) and the rest as (name, value)."""

    roles: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    others: list[tuple[str, str]] = field(default_factory=list)

    def get(self, role: str) -> str | None:
        """The seller's value for a role, or None when not given."""
        return self.roles.get(role)

    def label(self, role: str) -> str:
        """The seller's own field name for a role, lower-cased for use inside a sentence."""
        name = self.names[role]
        return name[:1].lower() + name[1:]


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
        if role == "item" and _AUDIENCE.search(value):
            role = None
        if role is None:
            facts.others.append((name, value))
            continue
        previous = facts.names.get(role)
        if previous is not None and _rank(previous) <= _rank(name):
            facts.others.append((name, value))
            continue
        if previous is not None:  # a more specific field for the role: the earlier one becomes plain
            facts.others.append((previous, facts.roles[role]))
        facts.roles[role] = value
        facts.names[role] = name
    return facts


def _rank(name: str) -> int:
    """Position of a field name within its role's list: "Предмет одежды" outranks "Вид одежды"."""
    key = normalise_key(name)
    return ROLE_KEYS[_ROLE_OF[key]].index(key)
