"""The shape of masking tokens: `<PRICE>`, `<SIZE_2>`, `<UNK_VAL>`; every module outside masking
reads and writes tokens through these functions, never through its own pattern."""

from __future__ import annotations

import re

# A well-formed token: an upper-case type name (words joined by "_") and an optional repeat number.
TOKEN = re.compile(r"<([A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*)(?:_(\d+))?>")


def token_name(kind: str, n: int = 1) -> str:
    """The n-th token of a type: <SIZE>, <SIZE_2>, <SIZE_3>, …"""
    return f"<{kind}>" if n == 1 else f"<{kind}_{n}>"


def find_tokens(text: str) -> list[str]:
    """Every well-formed token in `text`, in order (repeats kept)."""
    return [match.group() for match in TOKEN.finditer(text)]


def is_token(value: str) -> bool:
    """Whether `value` is exactly one token (a masked number with nothing around it)."""
    return TOKEN.fullmatch(value.strip()) is not None


def token_kind(token: str) -> str:
    """The type of a token without its repeat number: "<SIZE_2>" → "SIZE"; other text is returned as it is."""
    match = TOKEN.fullmatch(token)
    return match.group(1) if match else token


def rename_tokens(text: str, renamed: dict[str, str]) -> str:
    """`text` with every token found in `renamed` replaced by its new name."""
    return TOKEN.sub(lambda m: renamed.get(m.group(), m.group()), text)
