"""Text as people see it: control and format characters removed, every visible character kept exactly;
what they typed echoed back never more than a line's worth; a library's English message told apart from
our Russian ones.

Sellers paste text with invisible characters (zero-width spaces, soft hyphens, a BOM, right-to-left
overrides) and caption models can emit control bytes and U+FFFD; none of them may reach a description
or hide a word from moderation. `clean_text` is applied to the seller's text and attribute values and to
every caption model's output; moderation's normalisation starts from the same character set.
"""

from __future__ import annotations

import re

from core.listing import Listing

# Format characters (Unicode category Cf, as of Unicode 14-15), written out so that no start-up scan of
# the code space is needed; tests/test_text_cleaning.py checks the list against `unicodedata`.
FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# Invisible letters and marks that are not Cf but render as nothing (Unicode's default-ignorable code
# points): Hangul fillers, the combining grapheme joiner.
_BLANK_LETTERS = "\u034f\u115f\u1160\u3164\uffa0"
# Control characters except tab and line feed; surrogates; private use; noncharacters; U+FFFD, the
# replacement character a broken decoder leaves.
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_OTHER = "\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff\ufdd0-\ufdef\ufffd-\uffff"
INVISIBLE = re.compile(f"[{FORMAT_CHARACTERS}{_BLANK_LETTERS}{_CONTROL}{_OTHER}]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")
# A zero-width joiner between two pictographs is part of one emoji ("👩\u200d💻") and stays.
_PICTOGRAPH = "\u2600-\u27bf\U0001f000-\U0001faff"
_DROPPED = re.compile(f"(?<=[{_PICTOGRAPH}\ufe0f])(\u200d)(?=[{_PICTOGRAPH}])|{INVISIBLE.pattern}")


def clean_text(text: str) -> str:
    """The text with its invisible characters removed and its line breaks as "\\n"; visible ones unchanged."""
    text = _LINE_BREAKS.sub("\n", text)
    if not INVISIBLE.search(text):
        return text
    return _DROPPED.sub(lambda m: m.group(1) or "", text)


def clean_listing(listing: Listing) -> Listing:
    """The listing with its text and its attribute names and values cleaned (photos as they are)."""
    attributes = {clean_text(name): clean_text(value) for name, value in listing.attributes.items()}
    return Listing(list(listing.images), attributes, clean_text(listing.text))


ECHO_CHARS = 100
_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def shorten(text: object, limit: int = ECHO_CHARS) -> str:
    """`text` as a string of at most `limit` characters; a longer one is cut and ends with "…"."""
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def is_russian(text: str) -> bool:
    """Whether a message is ours (Russian), not a library's English one."""
    return bool(_CYRILLIC.search(text))
