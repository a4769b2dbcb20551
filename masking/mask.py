"""mask(): replace every number the seller gave with a typed token before any model sees the listing."""

from __future__ import annotations

import re
from collections import Counter

from masking.classify import classify
from masking.fields import UNKNOWN
from masking.lemmas import name_type
from masking.patterns import patterns
from masking.tokens import token_name
from masking.types import MaskedListing

_LIST_GAP = re.compile(r"[ \u00a0]*(?:[,;/][ \u00a0]*|[ \u00a0](?:и|или)[ \u00a0]+)?", re.IGNORECASE)


class _Tokens:
    """Hands out tokens: numbered per type, one token per (value, type)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self._by_value: dict[tuple[str, str], str] = {}
        self._first: dict[str, str] = {}
        self._count: Counter[str] = Counter()

    def token(self, value: str, kind: str, source: str) -> str:
        """The token for `value` of type `kind`; an untyped repeat reuses the value's first token."""
        existing = self._by_value.get((value, kind))
        if existing is None and kind == UNKNOWN:
            existing = self._first.get(value)
        if existing is not None:
            return existing
        self._count[kind] += 1
        n = self._count[kind]
        token = token_name(kind, n)
        self.values[token] = value
        self.sources[token] = source
        self._by_value[(value, kind)] = token
        self._first.setdefault(value, token)
        return token


def _mask_one(text: str, tokens: _Tokens, source: str, field: str | None) -> str:
    """`text` with every value, phone and token-shaped piece replaced by a token."""
    pieces: list[str] = []
    pos = 0
    previous = field
    for match in patterns().matches(text):
        start, end = match.span()
        # Context ends at the previous value; a bare list ("размер 42, 44") continues its type.
        listed = previous if _LIST_GAP.fullmatch(text, pos, start) else field
        kind = classify(match, text, pos, listed)
        previous = kind if match.group("val") and not match.group("unit") else field
        pieces.append(text[pos:start])
        pieces.append(tokens.token(match.group(), kind, source))
        pos = end
    if not pieces:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)


def mask(attributes: dict[str, str], text: str = "") -> MaskedListing:
    """Replace every number in the attribute values and the free text by a typed token.

    Attributes are masked first, so a value the text repeats reuses the attribute's token.
    `values` maps each token to the exact original substring, `sources` to the attribute name or "text".
    """
    tokens = _Tokens()
    word = patterns().word
    masked_attributes = {
        name: _mask_one(value, tokens, name, name_type(word.findall(name)))
        for name, value in attributes.items()
    }
    masked_text = _mask_one(text, tokens, "text", None)
    return MaskedListing(
        attributes=masked_attributes, text=masked_text, values=tokens.values, sources=tokens.sources
    )
