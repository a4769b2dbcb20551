"""The publishable-description rubric (tests/rubric.py): it catches each fault it names, and the template
passes it on every preloaded case and on the real-style listings in tests/data/."""

from __future__ import annotations

import json
import re

import pytest

from captioning.template import compose_listing
from core.settings import PROJECT_ROOT, Settings
from masking import mask, restore
from pipeline import Pipeline
from pipeline.cases import list_cases
from tests.rubric import failures

DATA = PROJECT_ROOT / "tests" / "data"
BOOTS = {"Предмет одежды": "Обувь", "Размер": "30 (19 см)", "Цена": "5000"}
BOOTS_TEXT = "Зимние сапоги на девочку, натуральная шерсть внутри."


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("Сапоги на девочку, размер 30 (19 см). Цена 5000. В объявлении одна фотография.", "шаблонная"),
        (
            "Сапоги на девочку, размер 30 (19 см). Цена 5000. Если остались вопросы, пишите в сообщения.",
            "шаблонная",
        ),
        ("Предлагаю розовую обувь. Размер 30 (19 см), цена 5000. Зимние сапоги на девочку.", "не называет"),
        ("Сапоги зимние. Размер 30 (19 см), цена 5000. Продаю сапоги зимние.", "повтор"),
        ("Зимние сапоги на девочку, размер 30 (19 см).", "потеряно число 5000"),
        ("Зимние сапоги на девочку, размер 30 (19 см), 2 пары. Цена 5000.", "чужое число 2"),
        ("Зимние сапоги на девочку, размер 30 (19 см), цвет коричневый. Цена 5000.", "цвет не от продавца"),
        (
            "Зимние сапоги на девочку, размер 30 (19 см). Цена 5000. " + "Тёплые, удобные, красивые. " * 6,
            "длина",
        ),
    ],
)
def test_the_rubric_catches_what_a_seller_would_delete(text: str, fault: str) -> None:
    found = failures(text, BOOTS, BOOTS_TEXT, "сапоги")
    assert any(fault in f for f in found), found


def test_the_rubric_passes_a_listing_a_seller_would_post() -> None:
    text = "Зимние сапоги на девочку, размер 30 (19 см), натуральная шерсть внутри. Цена — 5000 ₽."
    assert failures(text, BOOTS, BOOTS_TEXT, "сапоги") == []
    assert failures(text.replace("Зимние", "Розовые зимние"), BOOTS, BOOTS_TEXT, "сапоги", ["розовый"]) == []


def test_the_rubric_lets_the_seller_keep_their_own_phrases() -> None:
    text = "Сапоги, размер 30 (19 см). Звоните! Цена 5000."
    assert failures(text, BOOTS, "Сапоги. Звоните!", "сапоги") == []


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(Settings.from_env())


CASES = list_cases(Settings.from_env())


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_preloaded_case_passes_the_rubric(case, pipeline: Pipeline) -> None:  # type: ignore[no-untyped-def]
    result = pipeline.run(case.listing)
    if result.status != "ok":
        assert result.text == ""  # a refused listing gets no text at all
        return
    expect = json.loads((case.folder / "expect.json").read_text(encoding="utf-8"))
    allowed = [
        m.group(1) for s in result.suggestions if (m := re.match(r"Цвет «(\w+)» определён по фото", s))
    ]
    listing = case.listing
    problems = failures(result.text, listing.attributes, listing.text, expect.get("specific_noun"), allowed)
    assert problems == [], result.text


def _composed(row: dict) -> str:
    masked = mask(row["attributes"], row["text"])
    return restore(compose_listing(masked, row["label"], []).text, masked.values).text


DEVELOPMENT = _rows("rubric_listings.jsonl")
NOISY = _rows("diversity_real_style.jsonl")  # 100 of them held out at first (tests/data/README)


def test_the_real_style_sets_are_big_enough() -> None:
    assert len(DEVELOPMENT) >= 40 and all(row["specific_noun"] for row in DEVELOPMENT)
    assert len(NOISY) >= 600 and not {r["id"] for r in NOISY} & {r["id"] for r in DEVELOPMENT}


@pytest.mark.parametrize("row", DEVELOPMENT, ids=[row["id"] for row in DEVELOPMENT])
def test_real_style_listings_pass_the_rubric(row: dict) -> None:
    text = _composed(row)
    assert failures(text, row["attributes"], row["text"], row["specific_noun"]) == [], text


@pytest.mark.parametrize("row", NOISY, ids=[row["id"] for row in NOISY])
def test_noisy_real_style_listings_pass_the_rubric(row: dict) -> None:
    text = _composed(row)
    assert failures(text, row["attributes"], row["text"], None) == [], text


def test_listings_of_one_kind_do_not_read_alike() -> None:
    shoes = [row for row in DEVELOPMENT if row["pattern"].startswith("shoes")]
    openings = {_composed(row).split()[0] for row in shoes}
    price_words = {re.search(r"(Цена|Стоимость)[: —]+", _composed(row)).group() for row in shoes}  # type: ignore[union-attr]
    assert len(shoes) >= 5 and len(openings) >= 3 and len(price_words) >= 2


def test_data_files_are_credited() -> None:
    readme = (DATA / "README").read_text(encoding="utf-8")
    assert "rubric_listings.jsonl" in readme and "random.Random(18).sample(rows, 100)" in readme
    assert "CC0" in readme
