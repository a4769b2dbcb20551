"""Russian obscenity (мат) found by roots, on lemmas (pymorphy3) and on de-obfuscated spellings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from moderation.report import Check
from moderation.text.caches import cached
from moderation.text.normalize import Normalised, Span, as_normalised, outermost
from moderation.text.words import candidate_spans, collapse_repeats, lemmas, readings, transliterate

CHECK_NAME = "obscenity"

# Prefixes obscene verbs take before "еб"; bare "в", "с", "о" are left out ("веб", "себе").
_EB_PREFIXES = (
    "въ|вь|взъ|вы|до|за|изъ|изь|на|надъ|недо|объ|обь|отъ|оть|пере|по|подъ|подь|при|про|разъ|разь|"
    "съ|сь|у|полу|долб[оа]|дол?бо"
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
        r"пи[зс]д|пезд|^пзд",
        rf"^(?:{_EB_PREFIXES})?еб(?:а[лнтшк]|ну|л[оаяи]|у[кчн]|ок|он|ыв|ищ|ыр|ись|ет|ут|у$|и$|$)",
        r"^(?:вы|за|по|раз|рас)?бля[дт]|^бля$",
        r"^муд(?:ак|ач|ил|озвон)",
        r"^манда$",
        r"^залуп",
        r"^пид[оа]р|^пидр",
        r"^г[ао]ндон",
        r"^шлюх",
        r"^(?:на|по)?хул[ия]$",
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
_ROOT_HINT = re.compile(r"ху[йеяюил]|пи[зс]д|пезд|пзд|еб|бля|муд|манд|залуп|пид[оа]?р|г[ао]ндон|шлюх")


def _is_obscene_form(form: str) -> bool:
    return any(root.search(form) for root in OBSCENE_ROOTS)


@cached(maxsize=65536)
def is_obscene_form(form: str) -> bool:
    """Whether one reading of a word is obscene: a known word by its lemmas, an unknown one by spelling."""
    if not _ROOT_HINT.search(form):
        return False
    forms, by_dictionary = lemmas(form)
    return any(_is_obscene_form(lemma) for lemma in forms) or (not by_dictionary and _is_obscene_form(form))


@cached(maxsize=65536)
def is_obscene_spelling(raw: str) -> bool:
    """Whether a word as written in the text is obscene once de-obfuscated (or transliterated)."""
    if any(is_obscene_form(form) for form in readings(raw)):
        return True
    if not raw.isascii():
        return False
    latin = transliterate(collapse_repeats(raw.lower()))
    return latin is not None and any(root.search(collapse_repeats(latin)) for root in TRANSLIT_ROOTS)


def find_obscenities(text: str | Normalised) -> list[Span]:
    """Spans of the obscene words of a (normalised) text, outermost first, none inside another."""
    norm = as_normalised(text)
    found = (span for span in candidate_spans(norm.text) if is_obscene_spelling(norm.text[span[0] : span[1]]))
    return outermost(found, lambda span: span)


def quote_words(norm: Normalised, spans: Sequence[Span], limit: int = 5) -> str:
    """Russian-quoted spellings as the seller wrote them, each once, e.g. «слово», «другое»."""
    words = list(dict.fromkeys(norm.quote(start, end) for start, end in spans))
    shown = ", ".join(f"«{w}»" for w in words[:limit])
    return shown + (f" и ещё {len(words) - limit}" if len(words) > limit else "")


def word_details(norm: Normalised, spans: Sequence[Span]) -> list[dict[str, object]]:
    """JSON-ready found words: as written, with their span in the original text."""
    return [
        {"text": norm.quote(start, end), "start": norm.original_span(start, end)[0],
         "end": norm.original_span(start, end)[1]}
        for start, end in spans
    ]  # fmt: skip


def check_obscenity(text: str | Normalised) -> Check:
    """Reject a text with obscene words, naming them as the seller wrote them."""
    norm = as_normalised(text)
    found = find_obscenities(norm)
    details = {"words": word_details(norm, found)}
    if not found:
        return Check(CHECK_NAME, "pass", 0.0, "", details)
    reason = f"Текст содержит нецензурную лексику: {quote_words(norm, found)}"
    return Check(CHECK_NAME, "reject", 1.0, reason, details)
