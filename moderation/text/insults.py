"""Insults, slurs, vulgar words and threats, found offline (the neural toxicity check is a second opinion).

Each word of the normalised text (and each glued or spaced-out word, as for мат) is de-obfuscated and
looked up among the inflected forms of the lexicon's lemmas (pymorphy3), then matched against roots of
coinages; threat verbs count only in threatening forms ("убью", "сдохни"); phrases ("закрой рот",
"чтоб ты сдох") are matched on the look-alike-folded text. Words that also name an animal, a toy, a
garment, a food ("козёл", "ватник", "соска", "хрен") count when their sentence speaks to someone as "ты"
(listings address buyers as "вы"), or when the text has none of the cues of that innocent meaning and no
sale verb stands just before them ("продам козла", "ватник армейский, размер 50", "корень хрена" pass),
and never when capitalised inside a sentence (a name: "Козлов"). Words that insult only said to someone
("дырка", "тупость") count right beside "ты"/"твой"/"эй" or as a call of their own ("…, насекомое?").
A word inside a harmless phrase ("синдром Дауна", "тупой нос") does not count. Reasons quote the words
as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.morphology import morph
from moderation.report import Check
from moderation.text.caches import cached
from moderation.text.insult_words import (
    ADDRESSED_ONLY,
    AMBIGUOUS,
    CLASSES_RU,
    HOMONYMS,
    INSULT_ROOTS,
    INSULTS,
    PHRASES,
    SAFE_PHRASES,
    SALE_VERBS,
    SLUR_ROOTS,
    SLURS,
    THREAT_ROOTS,
    VERB_FORMS,
    VULGAR,
    VULGAR_ROOTS,
)
from moderation.text.lexicon import quote_words, word_details
from moderation.text.normalize import Normalised, Span, as_normalised, cyrillic_view, outermost
from moderation.text.words import candidates, normalise, readings

CHECK_NAME = "insults"
_AMBIGUOUS = "ambiguous"  # a word's class is "ambiguous:<kind>,<kind>" (its kinds of AMBIGUOUS)
_ADDRESSED = "addressed"  # ADDRESSED_ONLY
_SENTENCE = re.compile(r"[^.!?…\n]+")
_WORD = re.compile(r"[а-яё]+")
_DOUBLED = re.compile(r"(.)\1")
# What may stand before the first word of a sentence: nothing, an end of sentence, a dash, a reply's "@имя,"
# (after a colon a capital starts a value or a name: "Автор: Козлов").
_SENTENCE_START = re.compile(r"(?:^|[.!?…\n—-]|@\w+,)\W*$")
_FIRST_GROUP = re.compile(r"\\b\(\?:([^()\\]+)\)(?:\\s(?![*?])|\\b)")  # then a space, or the word ends
_AFTER_SALE = re.compile(rf"\b{SALE_VERBS}(?:\s+[\w-]+){{0,2}}\s+$")
# Speaking to someone as "ты": the pronoun in any case, "твой" in any form, a "ты" greeting or call.
_THOU = re.compile(
    r"\b(?:ты|тебя|тебе|тобой|тобою|тя|твой|твоя|твоё|твое|твои|твоего|твоей|твоему|твоим|твоих|твоими|твою|"
    r"эй|слышь|здравствуй)\b"
)
# Right before a word said to someone: "ты", "вы", "твой"/"ваш" in any form, "эй", "слышь", a reply's
# "@имя," — with at most one word between ("твоя же тупость", "ты жалкая пустышка").
_ADDRESS_BEFORE = re.compile(
    r"(?:(?<![\w@])(?:ты|вы|тебя|вас|тебе|вам|твой|твоя|твоё|твое|твои|твоего|твоей|твоему|твою|твоих|ваш|ваша|"
    r"ваше|ваши|вашего|вашей|вашу|ваших|эй|слышь)\s+|@\w+,\s*)(?:[а-яё-]+\s+)?$"
)
_ADDRESS_AFTER = re.compile(r"\s*(?:ты|вы)\b")
# A call of its own: after the text's start, a comma or a reply's "@имя,", before "?", "!" or the end.
_CALL_BEFORE = re.compile(r"(?:^|[,!?…]|@\w+,)\s*$")
_CALL_AFTER = re.compile(r"\s*(?:[?!]|$)")
# Forms taken from slaviclean's MIT lexicon (how they were chosen: the file's header), read on first use.
SLAVICLEAN_FORMS = Path(__file__).with_name("slaviclean_ru.tsv")


@dataclass(frozen=True)
class Finding:
    """A word or phrase of one class, by its span in the normalised text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class _Lexicon:
    forms: dict[str, str]  # inflected form (ё as е) → class
    # one named group per class: roots anchored at the word's start (matched), others (searched)
    anchored_roots: re.Pattern[str]
    inner_roots: re.Pattern[str]
    cues: dict[str, frozenset[str]]  # kind of AMBIGUOUS → forms of its cues
    # class, pattern, and the words one of which the pattern starts with (None: not known)
    phrases: tuple[tuple[str, re.Pattern[str], frozenset[str] | None], ...]
    safe: re.Pattern[str]


@functools.lru_cache(maxsize=4096)  # the cues of several kinds share lemmas; used while building only
def _forms(lemma: str, grammemes: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Every form of the lemma's dictionary entries (with one of the grammemes, when given)."""
    found = []
    for parse in morph().parse(lemma):
        if parse.normal_form.replace("ё", "е") != lemma.replace("ё", "е"):
            continue
        for form in parse.lexeme:
            # short forms and comparatives are predicates about things ("тупо", "больна"), not names
            if {"ADJS", "COMP"} & form.tag.grammemes:
                continue
            if grammemes is None or any(g in form.tag for g in grammemes):
                found.append(form.word.replace("ё", "е"))
    if grammemes is None:
        found.append(lemma.replace("ё", "е"))
    return tuple(dict.fromkeys(found))


def _roots(chosen: Callable[[str], bool]) -> re.Pattern[str]:
    """The chosen roots of every class in one pattern, a named group per class."""
    classes = (
        ("insult", INSULT_ROOTS), ("slur", SLUR_ROOTS), ("vulgar", VULGAR_ROOTS), ("threat", THREAT_ROOTS)
    )
    groups = [(kind, [f"(?:{root})" for root in roots if chosen(root)]) for kind, roots in classes]
    return re.compile("|".join(f"(?P<{kind}>{'|'.join(roots)})" for kind, roots in groups if roots))


def _first_words(pattern: str) -> frozenset[str] | None:
    """The words a phrase must start with, when it starts with a group of plain words ("\\b(?:иди|вали)\\s"),
    so that a text without any of them is not searched for it; None for any other phrase."""
    group = _FIRST_GROUP.match(pattern)
    if group is None:
        return None
    words = group.group(1).replace("[её]", "е").split("|")
    return frozenset(words) if all(_WORD.fullmatch(word) for word in words) else None


def _slaviclean_forms() -> dict[str, str]:
    """Word form → class, from the forms derived from slaviclean's lexicon."""
    with SLAVICLEAN_FORMS.open(encoding="utf-8") as f:
        rows = (line.rstrip("\n").split("\t") for line in f if not line.startswith("#"))
        return {form: kind for form, kind, _lemma in rows}


@functools.lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """The lexicon with every inflected form spelled out (built once, on first use)."""
    kinds: dict[str, list[str]] = {}  # an ambiguous lemma → its kinds
    for kind, (words, _) in AMBIGUOUS.items():
        for lemma in words.split():
            kinds.setdefault(lemma, []).append(kind)
    ambiguous = {lemma: f"{_AMBIGUOUS}:{','.join(of)}" for lemma, of in kinds.items()}
    forms: dict[str, str] = {}
    listed = ((_ADDRESSED, ADDRESSED_ONLY), ("vulgar", VULGAR), ("slur", SLURS), ("insult", INSULTS))
    for kind, words in listed:
        forms.update({form: kind for lemma in words.split() for form in _forms(lemma)})
    forms.update({form: kind for lemma, kind in ambiguous.items() for form in _forms(lemma)})
    forms.update({form: kind for verb, (kind, grams) in VERB_FORMS.items() for form in _forms(verb, grams)})
    forms.update(dict.fromkeys(HOMONYMS.split(), _ADDRESSED))
    for form, kind in _slaviclean_forms().items():  # our own classes of a form come first
        forms.setdefault(form, kind)
    return _Lexicon(
        forms=forms,
        anchored_roots=_roots(lambda root: root.startswith("^")),
        inner_roots=_roots(lambda root: not root.startswith("^")),
        cues={
            kind: frozenset(form for lemma in cues.split() for form in _forms(lemma))
            for kind, (_, cues) in AMBIGUOUS.items()
        },
        # without its leading \b a phrase is found by a fast literal scan; the word start is checked after
        phrases=tuple(
            (kind, re.compile(pattern.removeprefix(r"\b")), _first_words(pattern))
            for kind, pattern in PHRASES
        ),
        safe=re.compile("|".join(SAFE_PHRASES)),
    )


@cached(maxsize=65536)
def word_class(spelling: str) -> str | None:
    """The class of one word as written ("insult", "slur", "vulgar", "threat", "ambiguous"), or None.

    A censored spelling ("с*ка", "с..ка", a dot for a letter) must give a whole listed form, and then it
    is meant as the insult: nobody censors the name of a dog.
    """
    lexicon = _lexicon()
    variants = [spelling, spelling.replace(".", "*")] if "." in spelling else [spelling]
    for variant in variants:
        censored = ("*" in variant or "." in variant) and "*" in normalise(variant)
        for form in readings(variant):
            kind = lexicon.forms.get(form)
            if kind is None and not censored:
                root = lexicon.anchored_roots.match(form) or lexicon.inner_roots.search(form)
                kind = root.lastgroup if root else None
            if kind is not None:
                return "insult" if censored and kind.startswith((_AMBIGUOUS, _ADDRESSED)) else kind
    return None


def _word_start(text: str, match: re.Match[str]) -> bool:
    """Whether a match starts a word."""
    return match.start() == 0 or not text[match.start() - 1].isalnum()


def _after_sale(view: Normalised, start: int) -> bool:
    """Whether a sale verb stands at most two words before a position ("продам молодого козла")."""
    return _AFTER_SALE.search(view.text, max(0, start - 60), start) is not None


def _addressed(view: Normalised, start: int) -> bool:
    """Whether the sentence around a position speaks to someone as "ты": the pronoun, or a verb in the
    singular imperative ("иди", "не психуй"; listings ask buyers in the plural, "пишите")."""
    for sentence in _SENTENCE.finditer(view.text):
        if sentence.start() <= start < sentence.end():
            return _THOU.search(sentence.group()) is not None or any(
                _is_singular_imperative(word) for word in _WORD.findall(sentence.group())
            )
    return False


def _said_to_someone(view: Normalised, start: int, end: int) -> bool:
    """Whether a word in the nominative is said right to someone: "ты"/"твой"/"эй"/"@имя," just before
    it, "ты" just after it, or a call of its own ("Дырка??", "…, насекомое?")."""
    if not _nominative(view.text[start:end].replace("ё", "е")):
        return False
    before = view.text[max(0, start - 40) : start]
    if _ADDRESS_BEFORE.search(before) or _ADDRESS_AFTER.match(view.text, end):
        return True
    return _CALL_BEFORE.search(before) is not None and _CALL_AFTER.match(view.text, end) is not None


@cached(maxsize=4096)
def _nominative(word: str) -> bool:
    return any("nomn" in parse.tag for parse in morph().parse(word))


@cached(maxsize=4096)
def _is_singular_imperative(word: str) -> bool:
    grammemes = morph().parse(word)[0].tag.grammemes  # the likeliest reading only; not "см" (centimetres)
    return {"impr", "sing", "excl"} <= grammemes and "Abbr" not in grammemes


def _counts(finding: Finding, norm: Normalised, view: Normalised, lexicon: _Lexicon) -> bool:
    """Whether an ambiguous or addressed-only word counts as an insult where it stands."""
    if finding.kind == _ADDRESSED:
        return _said_to_someone(view, finding.start, finding.end)
    if _name(norm.text, finding.start, finding.end):
        return False
    if _addressed(view, finding.start):
        return True
    cues = frozenset().union(*(lexicon.cues[kind] for kind in finding.kind.split(":")[1].split(",")))
    cued = not cues.isdisjoint(_text_words(view.text))
    return not (cued or _after_sale(view, finding.start))


def _name(text: str, start: int, end: int) -> bool:
    """Whether a word is capitalised inside a sentence, so a name ("Козлов", "Слон и Моська"); a word in
    capitals throughout is shouted, not a name ("ЖРАТЬ ХОЧУ, СУКА")."""
    word = text[start:end]
    return word[0].isupper() and not word.isupper() and _SENTENCE_START.search(text, 0, start) is None


@cached(maxsize=16, per_text=True)
def _text_words(text: str) -> frozenset[str]:
    """The Russian words of a (lower-case) text, ё read as е."""
    return frozenset(_WORD.findall(text.replace("ё", "е")))


@cached(maxsize=16, per_text=True)
def _suspects(vocabulary: frozenset[str]) -> frozenset[str]:
    """The plain words that may be in the lexicon: a listed form, a root, or a doubled letter ("дууура")."""
    lexicon = _lexicon()
    return frozenset(
        word
        for word in vocabulary
        if word in lexicon.forms
        or _DOUBLED.search(word)
        or lexicon.anchored_roots.match(word)
        or lexicon.inner_roots.search(word)
    )


def find_insults(text: str | Normalised) -> list[Finding]:
    """Insults, slurs, vulgar words and threats of a (normalised) text, outermost first."""
    norm = as_normalised(text)
    view = cyrillic_view(norm)
    lexicon = _lexicon()
    words = candidates(norm.text)
    suspects = _suspects(words.vocabulary)
    spans = [*(span for span, word in words.plain.items() if word in suspects), *words.other]
    found = [Finding(kind, start, end) for start, end in spans if (kind := word_class(norm.text[start:end]))]
    # a glued or spaced-out candidate that holds a word found on its own is that word ("москалей.так")
    found = [f for f in found if not any(f.start <= g.start and g.end <= f.end and g != f for g in found)]
    words_of_text = _text_words(view.text)
    for kind, pattern, first in lexicon.phrases:
        if first is not None and first.isdisjoint(words_of_text):
            continue
        matches = (m for m in pattern.finditer(view.text) if _word_start(view.text, m))
        found += [Finding(kind, m.start(), m.end()) for m in matches]
    found = [
        Finding("insult", f.start, f.end) if f.kind.startswith((_AMBIGUOUS, _ADDRESSED)) else f
        for f in found
        if not f.kind.startswith((_AMBIGUOUS, _ADDRESSED)) or _counts(f, norm, view, lexicon)
    ]
    safe = [m.span() for m in lexicon.safe.finditer(view.text)] if found else []
    found = [f for f in found if not any(start <= f.start and f.end <= end for start, end in safe)]
    return outermost(found, lambda f: (f.start, f.end))


def check_insults(text: str | Normalised) -> Check:
    """Reject a text with insults, slurs, vulgar words or threats, naming each class and the words."""
    norm = as_normalised(text)
    found = find_insults(norm)
    details = {
        "words": [
            {"kind": f.kind, **word}
            for f, word in zip(found, word_details(norm, [(f.start, f.end) for f in found]), strict=True)
        ]
    }
    if not found:
        return Check(CHECK_NAME, "pass", 0.0, "", details)
    by_kind: dict[str, list[Span]] = {}
    for f in found:
        by_kind.setdefault(f.kind, []).append((f.start, f.end))
    listed = "; ".join(f"{CLASSES_RU[kind]}: {quote_words(norm, spans)}" for kind, spans in by_kind.items())
    return Check(CHECK_NAME, "reject", 1.0, f"Текст содержит недопустимые слова — {listed}", details)
