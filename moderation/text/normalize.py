"""The one text normalisation every text check runs on, with a map back to what the seller wrote.

`normalise_text(raw)`: invisible characters removed (the set of `core.text`), Unicode NFKC (full-width
and styled letters and digits become plain ones, ligatures split, NBSP becomes a space), combining marks
composed or dropped ("и" + breve → "й", stress accents removed), every decimal digit made ASCII. Case is
kept. Each character of the result knows the span of the original it came from, so a check finds a
word in the normalised text and quotes it as the seller typed it (`Normalised.quote`).

Two views of the same text fold look-alike characters for the checks that need them: `latin_view` for
contacts (Cyrillic and Greek look-alikes inside Latin-looking tokens, "t.mе" → "t.me"; letters that pass
for digits inside numbers, "9OO" → "900"), `despaced` for words written letter by letter
("t . m e", "@ i v a n"). The lexicons fold words to Cyrillic themselves (moderation.text.words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from core.text import INVISIBLE, clean_text
from moderation.text.caches import cached

Span = tuple[int, int]
Found = TypeVar("Found")

# Characters that NFKC leaves as they are and that are neither marks nor invisible: the common case,
# copied without a per-character look.
_PLAIN = re.compile(r"[\t\n\x20-\x7e\u0401-\u045f«»°–—₽№]+")
# A character with the combining marks that follow it, composed together.
_MARKS = r"\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
_CLUSTER = re.compile(f".[{_MARKS}]*", re.S)

# Look-alikes read as Latin inside Latin-looking tokens (links, handles, e-mails).
_LATIN_LOOKALIKES = "аеорсхукмтвнѕіјԁһӏԛԝАВЕКМНОРСТХУЅІЈαορτυνκιεχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"
_TO_LATIN = str.maketrans(_LATIN_LOOKALIKES, "aeopcxykmtbhsijdhlqwABEKMHOPCTXYSIJaoptuvkiexABEZHIKMNOPTYX")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_FOLDABLE = re.compile(f"[{_LATIN_LOOKALIKES}]")
_OTHER_LETTER = re.compile(r"[^\W\dA-Za-z_]")
# Latin, Greek and Ukrainian/Serbian look-alikes read as Russian letters, inside words (lower case).
_CYRILLIC_LOOKALIKES = "aeopcxykmtbhiun@ёαβγεηικλμοπρτυφχωіїєѕһ"
_TO_CYRILLIC = str.maketrans(_CYRILLIC_LOOKALIKES, "аеорсхукмтвниипаеавуениклмопртуфхшииесн")
# Digits written for letters inside a word ("пи3да", "6ля").
_DIGITS_TO_CYRILLIC = str.maketrans("01346", "оизчб")
_HAS_LETTER = re.compile(r"[^\W\d_]")
# Tokens with a look-alike or a digit; those that also hold a Russian letter elsewhere are read as Russian.
_TO_FOLD_CYRILLIC = re.compile(rf"(?<!\S)\S*[{_CYRILLIC_LOOKALIKES}01346]\S*")
_CYRILLIC_FOLDABLE = re.compile(rf"[{_CYRILLIC_LOOKALIKES}01346]")
_RUSSIAN_LETTER = re.compile(r"[а-яё]")
# Letters that pass for digits inside a number ("8-9OO-12З-45-67").
_TO_DIGITS = str.maketrans("oOоОlI|ӏзЗб", "00001111336")
_DIGIT_LOOKALIKE = re.compile(r"[oOоОlI|ӏзЗб]")
_DIGIT = re.compile(r"\d")
# Tokens that may mix Latin with a look-alike, or digits with a letter that passes for one: a Latin letter
# or a digit somewhere, and a look-alike somewhere (two scans of the token from its start, no backtracking).
_TO_FOLD_LATIN = re.compile(rf"(?<!\S)(?=\S*[A-Za-z\d])(?=\S*[{_LATIN_LOOKALIKES}oOlI|ӏзЗб])\S+")
# Four or more single characters each followed by one space: "t . m e", "8 9 9 9", "@ i v a n".
_SPACED = re.compile(r"(?<!\S)\S(?: \S(?=[\s,;:!?)]|$)){3,}")


@dataclass(frozen=True, eq=False)
class Normalised:
    """A normalised text, the original, and for every normalised character the original span it came
    from (`starts[i]`, `ends[i]`)."""

    original: str
    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def original_span(self, start: int, end: int) -> Span:
        """The span of the original text that the normalised span [start, end) came from."""
        if end <= start:
            at = self.starts[start] if start < len(self.starts) else len(self.original)
            return at, at
        return self.starts[start], self.ends[end - 1]

    def quote(self, start: int, end: int) -> str:
        """The original text behind a normalised span, as the seller sees it (no invisible characters)."""
        first, last = self.original_span(start, end)
        return clean_text(self.original[first:last]).strip()

    def replaced(self, text: str) -> Normalised:
        """The same text with characters replaced one for one (offsets unchanged)."""
        assert len(text) == len(self.text)
        return Normalised(self.original, text, self.starts, self.ends)


def _fold_cluster(cluster: str) -> str:
    """NFKC of a character and its marks, marks that did not compose dropped, digits made ASCII."""
    folded = []
    for char in unicodedata.normalize("NFKC", cluster):
        category = unicodedata.category(char)
        if category[0] == "M" or INVISIBLE.match(char):
            continue
        folded.append(str(unicodedata.digit(char)) if category == "Nd" and not char.isascii() else char)
    return "".join(folded)


@cached(maxsize=64, per_text=True)
def normalise_text(raw: str) -> Normalised:
    """The normalised text with its map back to `raw` (cached: every check of a listing shares it)."""
    if _PLAIN.fullmatch(raw) or not raw:
        return Normalised(raw, raw, range(len(raw)), range(1, len(raw) + 1))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    while position < len(raw):
        plain = _PLAIN.match(raw, position)
        if plain:
            end = plain.end()
            # a plain character followed by combining marks belongs to the cluster after it
            if end < len(raw) and unicodedata.category(raw[end])[0] == "M":
                end -= 1
            if end > position:
                pieces.append(raw[position:end])
                starts += range(position, end)
                ends += range(position + 1, end + 1)
                position = end
                continue
        cluster = _CLUSTER.match(raw, position)
        assert cluster is not None
        folded = _fold_cluster(cluster.group())
        pieces.append(folded)
        starts += [position] * len(folded)
        ends += [cluster.end()] * len(folded)
        position = cluster.end()
    return Normalised(raw, "".join(pieces), starts, ends)


def _latin_token(token: str) -> str:
    if _DIGIT.search(token) and _DIGIT_LOOKALIKE.search(token):
        letters = _OTHER_LETTER.findall(token) + _LATIN_LETTER.findall(token)
        if all(_DIGIT_LOOKALIKE.fullmatch(c) for c in letters):
            return token.translate(_TO_DIGITS)
    if not _LATIN_LETTER.search(token):
        return token
    latin = len(_LATIN_LETTER.findall(token))
    others = _OTHER_LETTER.findall(token)
    foldable = sum(1 for c in others if _FOLDABLE.fullmatch(c))
    return token.translate(_TO_LATIN) if foldable == len(others) or latin > len(others) else token


def cyrillic_word(word: str) -> str:
    """A lower-case word with look-alike letters read as Russian and, beside letters, digits too."""
    word = word.translate(_TO_CYRILLIC)
    return word.translate(_DIGITS_TO_CYRILLIC) if _HAS_LETTER.search(word) else word


def lower_case(text: str) -> str:
    """Lower case, one character for one (the rare letters whose lower case is longer stay as they are)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _cyrillic_token(token: str) -> str:
    """The token read as Russian when a Russian letter stands in it beside a look-alike or a digit."""
    letters = _RUSSIAN_LETTER.findall(token)
    if not letters or (letters == ["ё"] and len(_CYRILLIC_FOLDABLE.findall(token)) == 1):
        return token  # no Russian letter, or a lone "ё" is the only look-alike
    return cyrillic_word(token)


@cached(maxsize=16, per_text=True)
def cyrillic_view(norm: Normalised) -> Normalised:
    """Lower case, look-alikes read as Russian letters in tokens that contain a Russian letter."""
    return norm.replaced(_TO_FOLD_CYRILLIC.sub(lambda m: _cyrillic_token(m.group()), lower_case(norm.text)))


@cached(maxsize=16, per_text=True)
def latin_view(norm: Normalised) -> Normalised:
    """Look-alikes read as Latin in tokens that contain Latin letters, as digits inside numbers."""
    return norm.replaced(_TO_FOLD_LATIN.sub(lambda m: _latin_token(m.group()), norm.text))


@cached(maxsize=16, per_text=True)
def despaced(norm: Normalised) -> Normalised:
    """Runs of four or more single characters written one space apart, with those spaces removed."""
    keep = [True] * len(norm.text)
    for run in _SPACED.finditer(norm.text):
        for i in range(run.start() + 1, run.end(), 2):
            keep[i] = False
    if all(keep):
        return norm
    kept = [i for i, k in enumerate(keep) if k]
    return Normalised(
        norm.original,
        "".join(norm.text[i] for i in kept),
        [norm.starts[i] for i in kept],
        [norm.ends[i] for i in kept],
    )


def as_normalised(text: str | Normalised) -> Normalised:
    """A check's input as a Normalised text (normalising a plain string)."""
    return text if isinstance(text, Normalised) else normalise_text(text)


def outermost(found: Iterable[Found], span: Callable[[Found], Span]) -> list[Found]:
    """Findings in text order, the longest first at each start, none overlapping an earlier one."""
    kept: list[Found] = []
    for item in sorted(found, key=lambda f: (span(f)[0], -span(f)[1])):
        if not kept or span(item)[0] >= span(kept[-1])[1]:
            kept.append(item)
    return kept
