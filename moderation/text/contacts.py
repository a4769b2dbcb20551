"""Contacts in a listing text: phones, e-mails, links, messenger handles and invitations.

The patterns read lower-case text (case-insensitive matching is several times slower in `re`), and the
link pattern runs only where a text has something a link needs ("://", "www.", a dot before a domain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from moderation.config import ModerationConfig
from moderation.report import Check
from moderation.text.normalize import (
    Normalised,
    as_normalised,
    cyrillic_view,
    despaced,
    latin_view,
    lower_case,
    outermost,
)
from moderation.text.spoken import spoken_phones

CHECK_NAME = "contacts"
KINDS_RU = {
    "phone": "телефон",
    "email": "e-mail",
    "url": "ссылка",
    "handle": "ник",
    "messenger": "мессенджер",
}

_TLDS = "ru|рф|su|com|net|org|info|biz|me|io|ly|cc|shop|store|online|site|pro|by|kz|ua|moscow|gg"
_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|\(at\)|\[at\]|\(собака\)|\sсобака\s)\s*[\w-]+(?:\s*(?:\.|\(dot\)|\sточка\s)\s*[\w-]+)+"
)
_URL = re.compile(
    rf"(?:https?://|www\.)\S+|(?<![\w@.])(?:[\w-]+\.)+(?:{_TLDS})\b(?:/[^\s,;]*)?"
    # a link with spaces around its dots: with a path after it, or a messenger's short host ("t . me")
    rf"|(?<![\w@.])(?:[a-z0-9-]+\s?\.\s?)+(?:{_TLDS})\s?/\s?[^\s,;]+|\b(?:t|vk|wa|ok)\s*\.\s*(?:me|com|ru|cc)\b"
)
_URL_HINT = re.compile(rf"://|www\.|\.\s*(?:{_TLDS})\b")
# Digit runs long enough to be a phone number; only these go to the (slow) phonenumbers matcher.
_DIGIT_RUN = re.compile(r"\+?\d[\d\s().\-]{5,}\d")
_EMAIL_HINT = re.compile(r"@|\(at\)|\[at\]|собака")
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_.]{2,31}")
_MESSENGER = re.compile(
    r"\b(?:телеграм\w*|telegram|whats\s?app|watsapp|вотс?ап\w*|ватс?ап\w*|вацап\w*|viber|вайбер\w*|"
    r"skype|скайп\w*|instagram|инстаграм\w*|вконтакте|discord|дискорд\w*|signal)\b"
)
# Words that name a messenger only after an invitation: "пишите в телегу", "стучите в тг".
_INVITED_MESSENGER = re.compile(
    r"\b(?:пиш|напиш|звон|стуч|добав|свяж|обращ|отвеч|скин|кин|жду|ждем|ждём)\w*"
    r"(?:\s+\S+){0,2}?\s+(?:в|во|на)\s+(?:телег\w*|тг|tg|тележк\w*|вк|vk|инст\w*|insta\w*|ватс\w*|вотс\w*)\b"
)


@dataclass(frozen=True)
class Contact:
    """A contact found in the text: its kind (a key of KINDS_RU) and span."""

    kind: str
    start: int
    end: int
    text: str


def _looks_like_phone(raw: str) -> bool:
    """Rule out digit lists that merely parse as numbers, like sizes "90 92 94 96 98"."""
    groups = re.findall(r"\d+", raw)
    lengths = {len(g) for g in groups}
    return (
        raw.lstrip().startswith("+")
        or "(" in raw
        or len(groups) == 1
        or lengths == {1}
        or groups[0] in ("7", "8")
        or len(groups[0]) == 3
    )


def _phones(text: str) -> list[Contact]:
    found = []
    for run in _DIGIT_RUN.finditer(text):
        if sum(c.isdigit() for c in run.group()) < 7:
            continue
        matcher = phonenumbers.PhoneNumberMatcher(run.group(), "RU", leniency=phonenumbers.Leniency.VALID)
        found += [
            Contact("phone", run.start() + m.start, run.start() + m.end, m.raw_string)
            for m in matcher
            if _looks_like_phone(m.raw_string)
        ]
    return found


def _find(text: str) -> list[Contact]:
    """Contacts in one view of the text (lower case), with spans in that view."""
    found = _phones(text)
    if _EMAIL_HINT.search(text):
        found += [Contact("email", m.start(), m.end(), m.group()) for m in _EMAIL.finditer(text)]
    if _URL_HINT.search(text):
        found += [Contact("url", m.start(), m.end(), m.group()) for m in _URL.finditer(text)]
    for kind, pattern in (
        ("handle", _HANDLE),
        ("messenger", _MESSENGER),
        ("messenger", _INVITED_MESSENGER),
    ):
        found += [Contact(kind, m.start(), m.end(), m.group()) for m in pattern.finditer(text)]
    return found


def find_contacts(text: str | Normalised) -> list[Contact]:
    """Every contact in the text, by position in the seller's original and quoted as written there.

    The contact patterns run on the normalised text with look-alikes read as Latin or as digits, and
    again with letter-by-letter spelling joined up; numbers in words are read on the Russian view. A span
    inside an earlier, longer one is dropped.
    """
    norm = as_normalised(text)
    latin, spoken = latin_view(norm), cyrillic_view(norm)
    joined = despaced(latin)
    found = []
    for view, contacts in (
        (latin, _find(lower_case(latin.text))),
        (joined, _find(lower_case(joined.text)) if joined is not latin else []),
        (spoken, [Contact("phone", start, end, "") for start, end in spoken_phones(spoken.text)]),
    ):
        for contact in contacts:
            start, end = view.original_span(contact.start, contact.end)
            found.append(Contact(contact.kind, start, end, view.quote(contact.start, contact.end)))
    return outermost(found, lambda c: (c.start, c.end))


def check_contacts(text: str | Normalised, config: ModerationConfig) -> Check:
    """Contacts are not allowed in a description: reject (or warn, per config), naming each one."""
    found = find_contacts(text)
    details = {"contacts": [{"kind": c.kind, "text": c.text, "start": c.start, "end": c.end} for c in found]}
    if not found:
        return Check(CHECK_NAME, "pass", 0.0, "", details)
    listed = ", ".join(dict.fromkeys(f"{KINDS_RU[c.kind]} «{c.text}»" for c in found))
    reason = f"В тексте есть контакты ({listed}) — на площадке их указывать нельзя, покупатель напишет в чат"
    return Check(CHECK_NAME, config.contacts_verdict, 1.0, reason, details)
