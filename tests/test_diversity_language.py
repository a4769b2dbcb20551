"""The diversity rules on real sellers' language: glued numbers, list lines, accessories, adverts for
other listings, plural-only and paired nouns, and the calibration of the score."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest

from core.listing import SINGLE, VARIATIVE
from diversity import DiversityConfig, classify
from diversity.__main__ import main
from diversity.calibration import brier, expected_calibration_error, fit_platt, reliability
from diversity.evaluation import calibrate, evaluate, listing_inputs, load_records, stratified_split
from diversity.segments import ACCESSORY, MAIN, NOISE, segments
from diversity.words import normalise

# --- words and segments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("3местный диван", "3-местный диван"),
        ("5шт", "5 шт"),
        ("44-46р", "44-46 р"),
        ("Р-р 44", "размер 44"),
        ("р-ра 38", "размер 38"),
        ("матрас 90х200", "матрас 90×200"),
        ("стол 120 x 80", "стол 120×80"),
        ("аккумуляторы x4", "аккумуляторы x4"),
        ("iphone11", "iphone 11"),
        ("на 10-ти человек", "на 10-ти человек"),
        ("Ёлка 2м", "елка 2 м"),
    ],
)
def test_glued_numbers_are_split_before_tokenising(raw: str, normalised: str) -> None:
    assert normalise(raw) == normalised


def test_advert_for_other_listings_is_noise_and_stock_talk_is_not() -> None:
    found = segments("Платье", "Платье 44р. Заходите в наш профиль, там больше товаров! Весь товар в наличии")
    assert [s.role for s in found] == [MAIN, MAIN, NOISE, MAIN]
    assert [s.role for s in segments("", "Весь ассортимент — по ссылке")] == [NOISE]
    assert [s.role for s in segments("", "Смотрите другие мои объявления")] == [NOISE]


def test_accessory_clause_is_cut_off_after_a_sale_verb() -> None:
    found = segments("", "Продаю приставку, в комплекте 2 геймпада и 3 игры")
    assert [s.role for s in found] == [MAIN, ACCESSORY]
    assert [w.text for w in found[1].words][:2] == ["в", "комплекте"]
    whole = segments("", "Чехол и зарядка идут в комплекте")
    assert [s.role for s in whole] == [ACCESSORY]
    attached = segments("", "К кукле прилагается одежда: 3 платья и туфли")
    assert [s.role for s in attached] == [ACCESSORY]
    assert [s.role for s in segments("", "Идут маломерки, берите на размер больше")] == [MAIN]


def test_list_lines_are_marked() -> None:
    found = segments("", "Вещи на мальчика:\n- куртка 110\n- штаны 116\n- шапка")
    assert [s.line for s in found] == [False, True, True, True]


# --- the patterns of real listings ------------------------------------------------------------------

ONE = [
    ("Сапожки зимние", "Сапожки на девочку р-р 28, натуральная шерсть"),
    ("КЕДЫ CONVERSE", "кеды 38р носила пару раз"),
    ("Джоггеры", "джоггеры мужские 48-50р черные"),
    ("Кюлоты", "кюлоты джинсовые 44-46р"),
    ("Брюки классические", "брюки женские 46 размер"),
    ("Наушники AirPods Pro", "в комплекте чехол и зарядка, кабель"),
    ("Очки солнцезащитные", "очки оригинал, в комплекте футляр и салфетка"),
    ("Санки", "санки с ручкой, б/у одну зиму"),
    ("Кукла Барби", "к кукле прилагается одежда: 3 платья и туфли"),
    ("Платье", "Платье новое 44р. Заходите в наш профиль, там больше товаров!"),
    ("Куртка", "куртка зимняя. Весь ассортимент — по ссылке в профиле"),
    ("Диван", "3местный диван раскладной"),
    ("Приставка PS4", "в комплекте 2 геймпада и игры"),
    ("Телефон iPhone 11", "чехол и зарядка идут в комплекте"),
    ("ПРОДАМ ДИВАН СРОЧНО", "ДИВАН В ХОРОШЕМ СОСТОЯНИИ ТОРГ"),
    ("Матрас 90х200", "Пружинный, высота 20 см"),
    ("Ноутбук Lenovo i7/16гб/ssd512", "рабочий, батарея держит 3 часа"),
]

MANY = [
    ("Футболка", "5шт в наличии размеры 40-44"),
    ("Кроссовки", "в наличии размеры 40–44"),
    ("Худи", "есть в двух цветах"),
    ("Носки", "оптом"),
    ("Футбольная форма", "футболка, шорты, гетры"),
    ("Комплект: куртка и брюки", "на мальчика 110"),
    ("Кроссовки и сандалии", "на девочку 30 р-р"),
    ("Чехлы для телефона", "чехол iphone 11 - 300р\nчехол iphone 12 - 350р\nчехол samsung a51 - 250р"),
    ("Перепелиные яйца", "свежие, десяток 120р"),
    ("Продаю котят", "котята 2 месяца, мальчики и девочки"),
    ("Саженцы", "саженцы яблони, груши"),
    ("Кирпич", "кирпич красный, цена за штуку"),
    ("Вещи на мальчика", "- куртка 110\n- штаны 116\n- шапка"),
    ("Мёд цветочный", "свой, 600 р/кг, от 3 кг"),
    ("Песок речной", "мешок 50 кг — 250/мешок"),
]


@pytest.mark.parametrize(("title", "text"), ONE)
def test_real_style_single_items(title: str, text: str) -> None:
    result = classify({"Название": title}, text)
    assert result.label == SINGLE, result.decided_by


@pytest.mark.parametrize(("title", "text"), MANY)
def test_real_style_many_items(title: str, text: str) -> None:
    result = classify({"Название": title}, text)
    assert result.label == VARIATIVE, result.decided_by


def test_reasons_name_the_rule_that_decided() -> None:
    prices = classify({"Название": "Чехлы"}, "чехол iphone 11 - 300р\nчехол iphone 12 - 350р")
    assert any("своя цена" in r for r in prices.decided_by)
    sizes = classify({"Название": "Кроссовки"}, "в наличии размеры 40–44")
    assert any("нескольких вариантах" in r for r in sizes.decided_by)
    lines = classify({"Название": "Вещи на мальчика"}, "- куртка 110\n- штаны 116\n- шапка")
    assert any("куртка, штаны, шапка" in r for r in lines.decided_by)


# --- calibration ------------------------------------------------------------------------------------


def test_platt_fit_recovers_a_known_scaling() -> None:
    rng = random.Random(17)
    xs = [rng.uniform(-6, 6) for _ in range(4000)]
    ys = [rng.random() < 1 / (1 + pow(2.718281828, -(0.5 * x - 1.0))) for x in xs]
    scale, shift = fit_platt(xs, ys)
    assert scale == pytest.approx(0.5, abs=0.06)
    assert shift == pytest.approx(-1.0, abs=0.12)


def test_platt_fit_stays_finite_on_separated_classes() -> None:
    scale, shift = fit_platt([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], [False, False, False, True, True, True])
    assert 0 < scale < 20
    assert abs(shift) < 1


def test_reliability_bins_count_every_score_once() -> None:
    scores = [0.0, 0.1, 0.35, 0.5, 0.79, 0.8, 1.0]
    many = [False, False, True, False, True, True, True]
    table = reliability(scores, many, bins=5)
    assert [b.count for b in table] == [2, 1, 1, 1, 2]
    assert table[4].mean_score == pytest.approx(0.9)
    assert table[1].share_many == 1.0
    assert expected_calibration_error(table) == pytest.approx(
        (2 * 0.05 + 1 * 0.65 + 1 * 0.5 + 1 * 0.21 + 2 * 0.1) / 7
    )
    assert brier([1.0, 0.0], [True, True]) == 0.5


# --- the real-style labelled set: its sealed split, the calibration fitted on its tuning part -------

REAL_STYLE = Path(__file__).parent / "data" / "diversity_real_style.jsonl"
SPLIT_SEED, SEALED_SHARE, STRATA = 17, 0.4, ("label", "pattern")


@pytest.fixture(scope="module")
def real_style() -> list[dict]:
    return load_records(REAL_STYLE)


def test_real_style_set_is_large_balanced_and_covers_every_pattern(real_style: list[dict]) -> None:
    assert len(real_style) >= 500
    assert len({r["id"] for r in real_style}) == len(real_style)
    labels = Counter(r["label"] for r in real_style)
    assert abs(labels[SINGLE] - labels[VARIATIVE]) <= 0.1 * len(real_style)
    patterns = Counter(r["pattern"] for r in real_style)
    assert len(patterns) >= 10
    assert min(patterns.values()) >= 15


def test_sealed_part_is_the_seeded_stratified_split(real_style: list[dict]) -> None:
    expected = stratified_split(real_style, SPLIT_SEED, SEALED_SHARE, STRATA)
    assert {r["id"]: r["split"] for r in real_style} == expected
    strata = Counter((r["label"], r["pattern"]) for r in real_style)
    sealed = Counter((r["label"], r["pattern"]) for r in real_style if r["split"] == "test")
    for stratum, total in strata.items():
        assert sealed[stratum] == round(SEALED_SHARE * total), stratum


def test_sealed_real_style_part_meets_the_bar(real_style: list[dict]) -> None:
    result = evaluate(real_style, "test")
    assert result.total >= 200
    assert result.accuracy >= 0.90
    assert result.recall(VARIATIVE) >= 0.85


def test_calibration_in_the_config_is_the_fit_on_the_tuning_part(real_style: list[dict]) -> None:
    scale, shift = calibrate(real_style, "tune")
    config = DiversityConfig()
    assert config.calibration_scale == pytest.approx(scale, abs=0.01)
    assert config.calibration_shift == pytest.approx(shift, abs=0.01)
    assert 0.5 < scale < 5  # a real fit, not the identity and not a collapse to 0/1


def test_label_is_the_score_against_the_config_threshold(real_style: list[dict]) -> None:
    strict = DiversityConfig(threshold=0.95)
    for record in real_style[:60]:
        result = classify(*listing_inputs(record), config=strict)
        assert 0.0 <= result.score <= 1.0
        assert (result.label == VARIATIVE) == (result.score > 0.95)


def test_cli_prints_reliability_and_fitted_calibration(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--evaluate", str(REAL_STYLE), "--split", "tune", "--calibrate"]) == 0
    out = capsys.readouterr().out
    assert "матрица ошибок" in out
    rows = re.findall(r"^(\d\.\d)–(\d\.\d)\s+(\d+)\s", out, flags=re.M)
    assert len(rows) == 5
    assert sum(int(n) for *_, n in rows) == sum(1 for r in load_records(REAL_STYLE) if r["split"] == "tune")
    fitted = re.search(r"calibration_scale=([\d.]+), calibration_shift=(-?[\d.]+)", out)
    assert float(fitted[1]) == pytest.approx(DiversityConfig().calibration_scale, abs=0.01)
