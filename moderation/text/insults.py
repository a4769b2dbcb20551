"""Insults, slurs, vulgar words and threats, found offline (the neural toxicity check is a second opinion).

Each word of the normalised text (and each glued or spaced-out word, as for мат) is de-obfuscated and
looked up among the inflected forms of the lexicon's lemmas (pymorphy3), then matched against roots of
coinages; threat verbs count only in threatening forms ("убью", "сдохни"); phrases ("закрой рот",
"чтоб ты сдох") are matched on the look-alike-folded text. Words that also name animals, toys or
clothes ("козёл", "ватник", "соска") count when their sentence speaks to someone as "ты" (listings
address buyers as "вы"), or when nothing in the text speaks of such things ("продам козла", "ватник
армейский, размер 50" pass); a word inside a harmless phrase ("синдром Дауна", "тупой нос") does not
count. Reasons quote the words as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.morphology import morph
from moderation.report import Check
from moderation.text.caches import cached
from moderation.text.insult_words import (
    AMBIGUOUS,
    CLASSES_RU,
    INNOCENT_CUES,
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
from moderation.text.words import candidate_spans, normalise, readings

CHECK_NAME = "insults"
_AMBIGUOUS = "ambiguous"
_SENTENCE = re.compile(r"[^.!?…\n]+")
_WORD = re.compile(r"[а-яё]+")
_AFTER_SALE = re.compile(rf"\b{SALE_VERBS}(?:\s+[\w-]+){{0,2}}\s+$")
# Speaking to someone as "ты": the pronoun in any case, "твой" in any form, a "ты" greeting or call.
_THOU = re.compile(
    r"\b(?:ты|тебя|тебе|тобой|тобою|тя|твой|твоя|твоё|твое|твои|твоего|твоей|твоему|твоим|твоих|твоими|твою|"
    r"эй|слышь|здравствуй)\b"
)


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
    cues: frozenset[str]  # forms of INNOCENT_CUES
    phrases: tuple[tuple[str, re.Pattern[str]], ...]
    safe: re.Pattern[str]


def _forms(lemma: str, grammemes: tuple[str, ...] | None = None) -> Iterable[str]:
    """Every form of the lemma's dictionary entries (with one of the grammemes, when given)."""
    for parse in morph().parse(lemma):
        if parse.normal_form.replace("ё", "е") != lemma.replace("ё", "е"):
            continue
        for form in parse.lexeme:
            # short forms and comparatives are predicates about things ("тупо", "больна"), not names
            if {"ADJS", "COMP"} & form.tag.grammemes:
                continue
            if grammemes is None or any(g in form.tag for g in grammemes):
                yield form.word.replace("ё", "е")
    if grammemes is None:
        yield lemma.replace("ё", "е")


def _roots(chosen: Callable[[str], bool]) -> re.Pattern[str]:
    """The chosen roots of every class in one pattern, a named group per class."""
    classes = (
        ("insult", INSULT_ROOTS), ("slur", SLUR_ROOTS), ("vulgar", VULGAR_ROOTS), ("threat", THREAT_ROOTS)
    )
    groups = [(kind, [f"(?:{root})" for root in roots if chosen(root)]) for kind, roots in classes]
    return re.compile("|".join(f"(?P<{kind}>{'|'.join(roots)})" for kind, roots in groups if roots))


@functools.lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """The lexicon with every inflected form spelled out (built once, on first use)."""
    forms: dict[str, str] = {}
    for kind, words in (("vulgar", VULGAR), (_AMBIGUOUS, AMBIGUOUS), ("slur", SLURS), ("insult", INSULTS)):
        forms.update({form: kind for lemma in words.split() for form in _forms(lemma)})
    forms.update({form: kind for verb, (kind, grams) in VERB_FORMS.items() for form in _forms(verb, grams)})
    return _Lexicon(
        forms=forms,
        anchored_roots=_roots(lambda root: root.startswith("^")),
        inner_roots=_roots(lambda root: not root.startswith("^")),
        cues=frozenset(form for lemma in INNOCENT_CUES.split() for form in _forms(lemma)),
        # without its leading \b a phrase is found by a fast literal scan; the word start is checked after
        phrases=tuple((kind, re.compile(pattern.removeprefix(r"\b"))) for kind, pattern in PHRASES),
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
                return "insult" if censored and kind == _AMBIGUOUS else kind
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


@cached(maxsize=4096)
def _is_singular_imperative(word: str) -> bool:
    return {"impr", "sing", "excl"} <= morph().parse(word)[0].tag.grammemes  # the likeliest reading only


def find_insults(text: str | Normalised) -> list[Finding]:
    """Insults, slurs, vulgar words and threats of a (normalised) text, outermost first."""
    norm = as_normalised(text)
    view = cyrillic_view(norm)
    lexicon = _lexicon()
    found = [
        Finding(kind, start, end)
        for start, end in candidate_spans(norm.text)
        if (kind := word_class(norm.text[start:end])) is not None
    ]
    # a glued or spaced-out candidate that holds a word found on its own is that word ("москалей.так")
    found = [f for f in found if not any(f.start <= g.start and g.end <= f.end and g != f for g in found)]
    for kind, pattern in lexicon.phrases:
        matches = (m for m in pattern.finditer(view.text) if _word_start(view.text, m))
        found += [Finding(kind, m.start(), m.end()) for m in matches]
    if any(f.kind == _AMBIGUOUS for f in found):
        cued = any(word in lexicon.cues for word in _WORD.findall(view.text.replace("ё", "е")))
        found = [
            Finding("insult", f.start, f.end) if f.kind == _AMBIGUOUS else f
            for f in found
            if f.kind != _AMBIGUOUS or _addressed(view, f.start) or not (cued or _after_sale(view, f.start))
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
