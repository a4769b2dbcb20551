"""The one normalisation every text check reads: what it folds, and the map back to the seller's text."""

from __future__ import annotations

import pytest

from moderation.text.caches import clear_caches
from moderation.text.insults import check_insults
from moderation.text.lexicon import check_obscenity
from moderation.text.normalize import cyrillic_view, despaced, latin_view, normalise_text
from moderation.text.words import candidates, readings


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("б\u200bл\u00adя\ufeff", "бля"),
        ("\u202eдебил\u202c", "дебил"),
        ("ｔ．ｍｅ/ｓｅｌｌｅｒ ８９９９", "t.me/seller 8999"),
        ("и\u0306 мо\u0301локо", "й молоко"),  # composed, stress accent dropped
        ("цена\u00a0500", "цена 500"),
        ("𝟖𝟗𝟗𝟗 ٨٩", "8999 89"),  # styled and Arabic-Indic digits
        ("ﬁle ½", "file 1⁄2"),
        ("plain text, ёлка", "plain text, ёлка"),
    ],
)
def test_normalised_text(raw: str, normalised: str) -> None:
    assert normalise_text(raw).text == normalised


def test_every_normalised_character_maps_back_to_what_the_seller_typed() -> None:
    raw = "Звоните ８\u200b(９９９) и пишите б\u00adл\u00adя ﬁn"
    norm = normalise_text(raw)
    start = norm.text.index("8")
    end = norm.text.index(")") + 1
    assert norm.text[start:end] == "8(999)"
    assert norm.original_span(start, end) == (raw.index("８"), raw.index(")") + 1)
    assert norm.quote(start, end) == "８(９９９)"  # as typed, minus the invisible character
    word = norm.text.index("бля")
    assert norm.quote(word, word + 3) == "бля"
    fi = norm.text.index("fi")
    assert norm.quote(fi, fi + 1) == norm.quote(fi, fi + 2) == "ﬁ"  # one ligature, two letters


def test_latin_view_reads_look_alikes_in_latin_tokens_and_digits_in_numbers() -> None:
    norm = normalise_text("смотри t.mе/sеllеr и @ivаn_shop, 8-9OO-12З-45-67, пишите")
    assert latin_view(norm).text == "смотри t.me/seller и @ivan_shop, 8-900-123-45-67, пишите"
    assert len(latin_view(norm).text) == len(norm.text)


def test_cyrillic_view_reads_look_alikes_in_russian_words_only() -> None:
    norm = normalise_text("Xyйня и дeбил, пи3да, iPhone 13, 6ля")
    assert cyrillic_view(norm).text == "хуйня и дебил, пизда, iphone 13, бля"


def test_despaced_joins_letter_by_letter_writing_and_maps_back() -> None:
    raw = "пишите t . m e / s e l l e r, а я в"
    view = despaced(latin_view(normalise_text(raw)))
    assert "t.me/seller" in view.text
    start = view.text.index("t.me")
    assert view.quote(start, start + len("t.me/seller")) == "t . m e / s e l l e r"
    assert view.text.endswith(", а я в")  # fewer than four single letters stay apart


def test_plain_text_needs_no_per_character_work() -> None:
    norm = normalise_text("Платье льняное, размер 44, цена 2 500 ₽.")
    assert norm.text == norm.original and isinstance(norm.starts, range)


def test_candidates_keep_plain_words_apart_and_skip_numbers() -> None:
    text = "Ёлка Дебил, х.уй, х у й, за 2500 ₽, 6ля"
    found = candidates(text)
    assert sorted(found.plain.values()) == sorted(["елка", "дебил", "х", "у", "й", "за"])
    others = {text[start:end] for start, end in found.other}
    assert {"х.уй", "х у й", "6ля"} <= others and "2500" not in others


def test_clear_caches_empties_every_text_cache_or_only_the_per_text_ones() -> None:
    def fill() -> None:
        check_insults("Продам козла, 2 года")
        check_obscenity("Продам козла, 2 года")

    fill()
    clear_caches(keep_words=True)
    assert normalise_text.cache_info().currsize == candidates.cache_info().currsize == 0
    assert readings.cache_info().currsize > 0
    fill()
    clear_caches()
    assert normalise_text.cache_info().currsize == candidates.cache_info().currsize == 0
    assert readings.cache_info().currsize == 0
