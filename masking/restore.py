"""restore(): put the seller's values back into model output, erase unknown tokens, drop invented numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable

from masking.classify import ascii_digits
from masking.lemmas import field_type
from masking.patterns import patterns
from masking.types import Restored

_HSPACE = " \t\u00a0\u202f\u2009"
_CLAUSE_END = ".,;:!?)\n"
_BOUNDARY = re.compile(r"[,;(]|[.!?…](?=\s)|\n")
_LABEL = re.compile(r"[^\W\d_]+(?:[ -][^\W\d_]+){0,3}[ ]*[:—–-]")
_DANGLING = re.compile(r"(?:^|(?<=\s))(?:за|от|до|по|около|примерно|всего|на|в|с|~|≈)\Z", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?:[.!?…]\s+|\n\s*)\Z")
_TAIL = 200  # the gap's surroundings looked at by _tidy; a longer clause is never a label


def _at_sentence_start(left: str) -> bool:
    return not left.strip() or _SENTENCE_END.search(left[-_TAIL:]) is not None


def _canonical(token: str) -> str:
    return token.strip("<> \t").upper()


def _numbers(text: str) -> set[str]:
    """Every number in `text`, written one way: ASCII digits, no group spaces, a dot for the decimal sign."""
    found = set()
    for match in patterns().number.finditer(text):
        number = ascii_digits(match.group())
        found.add(re.sub(r"\s", "", number).replace(",", "."))
    return found


def seller_numbers(values: Iterable[str], source_text: str | None = None) -> set[str]:
    """The numbers the seller gave: all of them sit inside the masked values (and `source_text`, if given)."""
    found: set[str] = set()
    for value in values:
        found |= _numbers(value)
    if source_text:
        found |= _numbers(source_text)
    return found


def _is_label(clause: str) -> bool:
    """Is this clause only a name for the number that was removed ("Цена:", "размер", "")?"""
    clause = clause.strip()
    if not clause or _LABEL.fullmatch(clause):
        return True
    words = patterns().word.findall(clause)
    if " ".join(words) != " ".join(clause.split()):
        return False
    return len(words) <= 4 and any(field_type(w) for w in words)


def _tidy(left: str, text: str, pos: int) -> tuple[str, int]:
    """Join the output so far with the model text from `pos`, where a piece was just removed.

    Collapses the spaces around the gap, drops a dangling preposition, empty brackets, a clause
    that only named the removed number and punctuation left without a clause; nothing else.
    """
    had_space = left[-1:] in _HSPACE and left != ""
    while True:
        lt = left.rstrip(_HSPACE)
        r = pos
        while r < len(text) and text[r] in _HSPACE:
            r += 1
        had_space = had_space or r > pos
        nxt = text[r : r + 1]
        if lt.endswith("(") and nxt == ")":
            left, pos = lt[:-1], r + 1
            continue
        if nxt and nxt not in _CLAUSE_END:
            if _at_sentence_start(lt):
                return _capitalised(lt, text, r)
            return lt + (" " if had_space and not lt.endswith(("(", "\n")) else ""), r
        dangling = _DANGLING.search(lt, max(0, len(lt) - 20))
        if dangling:
            left, pos = lt[: dangling.start()], r
            continue
        break
    cut, sep = max(0, len(lt) - _TAIL), ""
    for boundary in _BOUNDARY.finditer(lt, cut):
        cut, sep = boundary.end(), boundary.group()
    if _is_label(lt[cut:]):
        if sep in (",", ";"):
            return lt[: cut - 1].rstrip(_HSPACE), r
        if sep == "(":
            return _tidy(lt[:cut], text, r) if lt[cut:].strip() else (lt, r)
        lt = lt[:cut]
        if nxt and nxt in ".,;:!?":
            r += 1
            while r < len(text) and text[r] in _HSPACE:
                r += 1
        if r >= len(text) or text[r] == "\n":
            lt = lt.rstrip(_HSPACE)
            if r < len(text) and (not lt or lt.endswith("\n")):
                r += 1  # the whole line was the removed clause
            return lt, r
        lt = lt.rstrip(_HSPACE) + (" " if lt.strip() and not lt.endswith("\n") else "")
        return _capitalised(lt, text, r)
    if nxt in ".!?" and nxt and lt.endswith((",", ":", ";", "—", "–", "-")):
        lt = lt[:-1].rstrip(_HSPACE)
    elif nxt == "," and lt.endswith((",", ":", ";")):
        r += 1
    return lt, r


def _capitalised(left: str, text: str, r: int) -> tuple[str, int]:
    """`left` and `r`, the sentence that now starts at `r` beginning with a capital letter."""
    if r < len(text) and text[r].islower():
        return left + text[r].upper(), r + 1
    return left, r


def _keep_final_dot(text: str, end: int) -> int:
    """Where a removed piece ends: an abbreviation's dot that also ends the text stays."""
    return end - 1 if end == len(text) and text.endswith(".") else end


def restore(text: str, values: dict[str, str], source_text: str | None = None) -> Restored:
    """Put every token with a value back verbatim, erase tokens without one and remove invented numbers.

    `values` is MaskedListing.values: after masking every number the seller gave sits inside one of
    them, so a number in `text` outside a token that matches none of them was invented by the model
    (`source_text`, the seller's raw text, may add more allowed numbers). Tokens are read leniently:
    `<PRICE>`, `< PRICE >`, `<price>`, `<PRICE` at the end. The text is tidied only where something
    was erased or removed.
    """
    pat = patterns()
    lookup = {_canonical(token): value for token, value in values.items()}
    allowed = seller_numbers(values.values(), source_text)
    result = Restored(text="")
    out: list[str] = []
    pos = 0
    while (match := pat.next_match(text, pos)) is not None:
        out.append(text[pos : match.start()])
        pos = match.end()
        if match.group("tok") is not None:
            name = _canonical(match.group("known") or match.group("other"))
            value = lookup.get(name)
            unit = pat.unit_after.match(text, pos)
            if value is not None:
                result.restored.append(f"<{name}>")
                if unit and pat.unit_tail.search(value):
                    pos = _keep_final_dot(text, unit.end())  # "<PRICE> руб." when the value has "руб."
                if value.endswith(".") and text.startswith(".", pos):
                    value = value[:-1]
                out.append(value)
                continue
            result.erased.append(f"<{name}>")
            if unit:
                pos = _keep_final_dot(text, unit.end())
        elif _numbers(match.group()) <= allowed:
            out.append(match.group())
            continue
        else:
            pos = _keep_final_dot(text, pos)
            result.removed_numbers.append(text[match.start() : pos])
        left, pos = _tidy("".join(out), text, pos)
        out = [left]
    out.append(text[pos:])
    result.text = "".join(out)
    return result
