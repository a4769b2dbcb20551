"""Russian obscenity (мат) found by roots, on lemmas (pymorphy3) and on de-obfuscated spellings."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from core.morphology import morph
from moderation.report import Check
from moderation.text.normalize import (
    Span,
    candidate_spans,
    collapse_repeats,
    expand_wildcards,
    normalise,
    outermost,
    transliterate,
)

CHECK_NAME = "obscenity"

# Prefixes obscene verbs take before "еб"; bare "в", "с", "о" are left out ("веб", "себе").
_EB_PREFIXES = (
    "въ|вь|взъ|вы|до|за|изъ|изь|на|надъ|недо|объ|обь|отъ|оть|пере|по|подъ|подь|при|про|разъ|разь|"
    "съ|сь|у|полу|долбо|дол?бо"
)
# Obscene roots, matched against whole lemmas (or spellings the dictionary does not know).
OBSCENE_ROOTS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        # "страхуй", "плохую", "втихую", "психуй", "шахуй", "лопоухую" and patronymics ("-йехуевич") are fine
        "".join(
            f"(?<!{s})"
            for s in ("стра", "три", "пси", "ша", "пло", "глу", "су", "ти", "ли", "оу", "йе", "иа")
        )
        + r"ху[йеяюи]",
        r"пи[зс]д|пезд",
        rf"^(?:{_EB_PREFIXES})?еб(?:а[лнтшк]|ну|л[оаяи]|у[кчн]|ок|он|ыв|ищ|ыр|ись|ет|ут|у$|и$|$)",
        r"^(?:вы|за|по|раз|рас)?бля[дт]|^бля$",
        r"^муд(?:ак|ач|ил|озвон)",
        r"^манда$",
        r"^залуп",
        r"^пид[оа]р|^пидр",
        r"^г[ао]ндон",
        r"^шлюх",
    )
)
# Words typed in Latin letters are read phonetically and held to stricter whole-word patterns, so that
# brands and English words ("eBay", "ebony", "hue", "Huizhou") pass.
TRANSLIT_ROOTS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"^(?:на|по|ни|а|о)?ху[йи]$|^(?:на|по|ни)?хуя$|^ху[йи]н[яюи]$|^[оа]ху[еи](?:ть|л|нн|т)",
        r"пизд",
        r"^бля[дт]ь?$|^бля$",
        rf"^(?:{_EB_PREFIXES})?еба[лтн]",
    )
)
# Cheap pre-filter: only words containing one of these go to the morphological analyser.
_ROOT_HINT = re.compile(r"ху[йеяюи]|пи[зс]д|пезд|еб|бля|муд|манд|залуп|пид[оа]?р|г[ао]ндон|шлюх")


def _is_obscene_form(form: str) -> bool:
    return any(root.search(form) for root in OBSCENE_ROOTS)


@functools.lru_cache(maxsize=65536)
def is_obscene_word(word: str) -> bool:
    """Whether a normalised word is obscene: a known word by its lemmas, an unknown one by spelling."""
    for spelling in expand_wildcards(word):
        for form in dict.fromkeys((spelling, collapse_repeats(spelling))):
            if not _ROOT_HINT.search(form):
                continue
            lemmas, by_dictionary = _lemmas(form)
            if any(_is_obscene_form(lemma) for lemma in lemmas):
                return True
            if not by_dictionary and _is_obscene_form(form):
                return True
    return False


def _lemmas(word: str) -> tuple[set[str], bool]:
    """The word's lemmas, and whether the dictionary explains it (itself, or a known prefix + known word).

    Spellings the dictionary cannot explain are also judged as written, since most obscene words
    are missing from it or get nonsense lemmas ("ебло" → "ести").
    """
    analyser = morph()
    parses = analyser.parse(word)
    lemmas = {p.normal_form.replace("ё", "е") for p in parses}
    if analyser.word_is_known(word):
        return lemmas, True
    methods = [type(step[0]).__name__ for step in parses[0].methods_stack]
    return lemmas, methods == ["DictionaryAnalyzer", "KnownPrefixAnalyzer"]


@functools.lru_cache(maxsize=65536)
def is_obscene_spelling(raw: str) -> bool:
    """Whether a word as written in the text is obscene once de-obfuscated (or transliterated)."""
    if is_obscene_word(normalise(raw)):
        return True
    latin = transliterate(collapse_repeats(raw.lower()))
    return latin is not None and any(root.search(collapse_repeats(latin)) for root in TRANSLIT_ROOTS)


def find_obscenities(text: str) -> list[Span]:
    """Spans of the obscene words of a text, outermost first, none inside another."""
    found = (span for span in candidate_spans(text) if is_obscene_spelling(text[span[0] : span[1]]))
    return outermost(found, lambda span: span)


def quote_words(text: str, spans: Sequence[Span], limit: int = 5) -> str:
    """Russian-quoted original spellings, e.g. «слово», «другое»."""
    words = list(dict.fromkeys(text[start:end] for start, end in spans))
    shown = ", ".join(f"«{w}»" for w in words[:limit])
    return shown + (f" и ещё {len(words) - limit}" if len(words) > limit else "")


def check_obscenity(text: str) -> Check:
    """Reject a text with obscene words, naming them."""
    found = find_obscenities(text)
    details = {"words": [{"text": text[start:end], "start": start, "end": end} for start, end in found]}
    if not found:
        return Check(CHECK_NAME, "pass", 0.0, "", details)
    reason = f"Текст содержит нецензурную лексику: {quote_words(text, found)}"
    return Check(CHECK_NAME, "reject", 1.0, reason, details)
