"""Russian obscenity (мат) found by roots, on lemmas (pymorphy3) and on de-obfuscated spellings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from moderation.report import Check
from moderation.text.caches import cached
from moderation.text.normalize import Normalised, Span, as_normalised, cyrillic_view, outermost
from moderation.text.words import candidates, collapse_repeats, lemmas, readings, transliterate

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
        rf"^(?:{_EB_PREFIXES})?еб(?:а[лнтшкр]|ну|л[оаяи]|у[кчн]|ок|он|ыв|ищ|ыр|ись|ет|ит|ут|ень|ен(?:[июяе]|ей)$|у$|и$|$)",
        # the noun after a prefix, in any case ("заебы", "доеба"); bare "еба", "ебе" may be typos
        rf"^(?:{_EB_PREFIXES})еб(?:[аыуе]|ом|ов|ам|ами|ах)$",
        r"^(?:вы|за|по|раз|рас|про|у)?бля[дт]|^бля$",
        # "ипать", "епанутый", "ёпт": the same root spelled as heard
        rf"^(?:{_EB_PREFIXES})?[еи]п(?:ать$|ал|ан[нуы]|ну[тл])|^[её]пт[аь]?$",
        r"^муд(?:ак|ач|ил|озвон)",
        r"^манда$",
        r"^залуп",
        r"^пид(?:[оаи]?р|обол|фрас)",
        r"^г[ао]ндон",
        r"^шлюх",
        r"^(?:на|по)?хул[ия]$",
    )
)
# Obscene whatever the dictionary says: "хули" is also an imperative of "хулить", "збс" no word at all.
_OBSCENE_SPELLINGS = re.compile(r"^(?:(?:на|по)?хул[ия]|збс|пздц)$")
# "бл" cut short by dots or stars ("бл...", "бл**") or standing before a comma or "!" ("бл, ну"); "бл."
# may be "блок".
_CUT_SHORT = re.compile(r"(?<![^\W\d_])бл(?:\.{2,}|…|\*+|(?=\s*[,!?)]))(?![^\W\d_])")
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
_HINTS = r"ху[йеяюил]|пи[зс]д|пезд|пзд|еб|[еиё]п[ант]|бля|муд|манд|залуп|пид|г[ао]ндон|шлюх|збс"
_ROOT_HINT = re.compile(_HINTS)
# A plain word of the text is looked at only with a hint, or with a doubled letter ("хууй" reads "хуй").
_MAY_BE_OBSCENE = re.compile(rf"{_HINTS}|(.)\1")


def _is_obscene_form(form: str) -> bool:
    return any(root.search(form) for root in OBSCENE_ROOTS)


@cached(maxsize=65536)
def is_obscene_form(form: str) -> bool:
    """Whether one reading of a word is obscene: a known word by its lemmas, an unknown one by spelling."""
    if not _ROOT_HINT.search(form):
        return False
    if _OBSCENE_SPELLINGS.match(form):
        return True
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
    words = candidates(norm.text)
    suspects = {word for word in words.vocabulary if _MAY_BE_OBSCENE.search(word)}
    spans = [*(span for span, word in words.plain.items() if word in suspects), *words.other]
    found = [span for span in spans if is_obscene_spelling(norm.text[span[0] : span[1]])]
    found += [m.span() for m in _CUT_SHORT.finditer(cyrillic_view(norm).text)]
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
