"""The diversity classifier: text rules, false friends, photo signals, pooling, the labelled set."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import pytest
import torch
from PIL import Image

from core.catalogue import download_command
from core.listing import SINGLE, VARIATIVE
from diversity import DiversityConfig, classify
from diversity.__main__ import main
from diversity.classifier import spread_score, zero_shot_score
from diversity.evaluation import evaluate, load_records
from ruclip_port import PhotoEmbeddings

DATASET = Path(__file__).parent / "data" / "diversity.jsonl"
CONFIG = DiversityConfig()


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return load_records(DATASET)


# --- the labelled set -------------------------------------------------------------------------------


def test_labelled_set_is_large_balanced_and_split(records: list[dict]) -> None:
    assert len(records) >= 300
    assert len({r["id"] for r in records}) == len(records)
    counts = Counter((r["split"], r["label"]) for r in records)
    for split in ("dev", "test"):
        single, many = counts[(split, SINGLE)], counts[(split, VARIATIVE)]
        assert single + many >= 150
        assert abs(single - many) <= 0.1 * (single + many)
    assert set(counts) == {(s, lab) for s in ("dev", "test") for lab in (SINGLE, VARIATIVE)}


def test_text_accuracy_on_test_half_is_at_least_090(records: list[dict]) -> None:
    result = evaluate(records, "test")
    assert result.total >= 150
    assert result.accuracy >= 0.90, [(r["id"], r["title"]) for r, _ in result.errors]
    for label in (SINGLE, VARIATIVE):
        assert result.recall(label) >= 0.85


def test_evaluate_cli_prints_metrics_and_confusion_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--evaluate", str(DATASET), "--split", "test"]) == 0
    out = capsys.readouterr().out
    accuracy = float(re.search(r"точность \(accuracy\) ([\d.]+)", out)[1])
    assert accuracy == pytest.approx(evaluate(load_records(DATASET), "test").accuracy, abs=5e-4)
    assert "матрица ошибок" in out
    assert re.search(r"<SINGLE>\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\d+", out)
    rows = re.findall(r"^(<SINGLE>|<VARIATIVE>)\s+(\d+)\s+(\d+)$", out, flags=re.M)
    assert sum(int(a) + int(b) for _, a, b in rows) == evaluate(load_records(DATASET), "test").total


# --- text rules -------------------------------------------------------------------------------------

MANY = [
    ({"Название": "Стулья деревянные"}, "Продаю стулья, массив бука.", "множественном"),
    ({"Название": "Обувь женская"}, "Отдам 3 пары обуви, размер 38.", "3 пары"),
    ({"Название": "Лампочки E27"}, "16 лампочек, тёплый свет, новые.", "16 лампочек"),
    ({"Название": "Аккумуляторы 18650 x4"}, "Ёмкость проверена.", "x4"),
    ({"Название": "Кружки керамические"}, "Ручная работа, по 200 ₽ за штуку.", "за штуку"),
    ({"Название": "Вещи на девочку"}, "Платья, кофты, юбки. Цена за всё.", "за все"),
    ({"Название": "Зимний набор"}, "Куртка, шапка и варежки на мальчика, рост 110.", "перечислены"),
    ({"Название": "Сковорода чугунная", "Количество": "3"}, "Чугун, с крышками.", "Количество = 3"),
    ({"Название": "Набор посуды"}, "Кастрюли и сковороды, 10 предметов.", "«набор»"),
    ({"Название": "Лот детских вещей"}, "Всё в хорошем состоянии.", "«лот»"),
    ({"Название": "Детские вещи"}, "Отдаю пакетом, рост 86.", "пакетом"),
    ({}, "Продаю комплект зимней резины Nokian R16, 4 шт.", "4 шт"),
    ({"Название": "Джинсы"}, "Трое джинсов, размер 27. Можно по отдельности.", "по отдельности"),
]

SINGLE_CASES = [
    ({"Название": "Kia Rio 2018", "Пробег": "87 000 км"}, "Комплектация Престиж. Один владелец."),
    ({"Название": "Toyota Camry"}, "Полный комплект документов и ключей, ПТС оригинал."),
    ({"Название": "Планшет Samsung"}, "Планшет 10,5\", в наборе с чехлом-книжкой."),
    ({"Название": "iPhone 13"}, "В комплекте коробка, кабель и чехол."),
    ({"Название": "Туфли женские лаковые"}, "Пару раз надевала на праздник, 37 размер."),
    ({"Название": "Кроссовки Nike"}, "Размер 43, носил сезон."),
    ({"Название": "Джинсы Levi's"}, "Прямой крой, W32 L32."),
    ({"Название": "Ножницы портновские"}, "Немецкие, острые."),
    ({"Название": "Сумка кожаная"}, "Внутри 2 кармана на молнии, пара царапин на ручке."),
    ({"Название": "Ноутбук Lenovo"}, "Ryzen 5 (6 ядер). Полный комплект: коробка, зарядка, документы."),
    ({"Название": "Пазл Ravensburger"}, "1000 деталей, все на месте."),
    ({"Название": "Костюм спортивный"}, "Олимпийка + штаны, размер M."),
    ({"Название": "Стол обеденный"}, "120х80, раскладывается до 160. Стулья не продаю."),
    ({"Название": "Матрас 90х200"}, "Пружинный, высота 20 см."),
    ({"Название": "Гантель", "Количество": "1"}, "Разборная, 20 кг."),
    ({"Название": "Конструктор LEGO", "Количество деталей": "3696"}, "Собран один раз."),
    ({"Название": "Холодильник Bosch"}, "Все полки целые, 3 ящика в морозилке."),
]


@pytest.mark.parametrize(("attributes", "text", "reason"), MANY)
def test_many_items_are_variative_and_say_why(attributes: dict, text: str, reason: str) -> None:
    result = classify(attributes, text)
    assert result.label == VARIATIVE
    assert result.score > 0.5
    assert any(reason.lower() in r.lower() for r in result.decided_by), result.decided_by


@pytest.mark.parametrize(("attributes", "text"), SINGLE_CASES)
def test_one_item_and_false_friends_are_single(attributes: dict, text: str) -> None:
    result = classify(attributes, text)
    assert result.label == SINGLE, result.decided_by
    assert result.score < 0.5


def test_quantity_attribute_outweighs_plural_title() -> None:
    plural = classify({"Название": "Стулья деревянные"}, "")
    one = classify({"Название": "Стулья деревянные", "Количество": "1"}, "")
    assert plural.label == VARIATIVE
    assert one.label == SINGLE
    assert "Количество = 1" in one.decided_by


def test_decided_by_lists_strongest_reason_first() -> None:
    result = classify({"Название": "Шины зимние", "Кол-во, шт": "4"}, "Остаток протектора 7 мм.")
    assert result.decided_by[0] == "Кол-во, шт = 4"


def test_nothing_to_read_gives_no_text_signal() -> None:
    result = classify({}, "   ")
    assert result.signals["text"] is None
    assert result.label == SINGLE
    assert "text" in result.unavailable


# --- photo signals with a stand-in model ------------------------------------------------------------


class FixedModel:
    """A stand-in for an external CLIP model: each photo and each prompt maps to a fixed unit vector."""

    def __init__(self, photo_vectors: list[list[float]], prompt_vector: dict[str, list[float]]) -> None:
        self.photo_vectors = torch.nn.functional.normalize(torch.tensor(photo_vectors), dim=-1)
        self.prompt_vector = prompt_vector
        self.logit_scale = 10.0

    def encode_images(self, images: list[Image.Image]) -> torch.Tensor:
        return self.photo_vectors[: len(images)]

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        return torch.nn.functional.normalize(torch.tensor([self.prompt_vector[t] for t in texts]), dim=-1)

    def encode_prompts(self, prompts: list[str]) -> torch.Tensor:
        return self.encode_texts(list(prompts))


MANY_AXIS, ONE_AXIS = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]


def _embeddings(photo_vectors: list[list[float]]) -> PhotoEmbeddings:
    prompts = {p: MANY_AXIS for p in CONFIG.many_prompts} | {p: ONE_AXIS for p in CONFIG.one_prompts}
    images = [Image.new("RGB", (8, 8)) for _ in photo_vectors]
    return PhotoEmbeddings(FixedModel(photo_vectors, prompts), images)


def test_zero_shot_is_the_softmax_mass_on_many_prompts() -> None:
    embeddings = _embeddings([[0.8, 0.6, 0.0]])
    many, one = len(CONFIG.many_prompts), len(CONFIG.one_prompts)
    expected = many * math.exp(8.0) / (many * math.exp(8.0) + one * math.exp(6.0))
    assert zero_shot_score(embeddings, CONFIG) == pytest.approx(expected, rel=1e-5)
    assert zero_shot_score(_embeddings([[0.6, 0.8, 0.0]]), CONFIG) < 0.5


def test_spread_separates_views_of_one_item_from_different_items() -> None:
    assert spread_score(_embeddings([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), CONFIG) == 0.0
    assert spread_score(_embeddings([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), CONFIG) == 1.0
    assert spread_score(_embeddings([[0.0, 0.0, 1.0]]), CONFIG) is None


def test_photos_decide_when_text_is_silent() -> None:
    result = classify({"Название": "Продаю"}, "", _embeddings([[1.0, 0.1, 0.0], [0.1, 0.0, 1.0]]))
    assert result.label == VARIATIVE
    assert result.signals["photos_zero_shot"] > 0.5
    assert result.signals["photo_spread"] > 0.5
    assert any("фото" in r for r in result.decided_by)


def test_strong_text_outweighs_photos() -> None:
    photos = _embeddings([[1.0, 0.1, 0.0], [0.1, 0.0, 1.0]])
    result = classify({"Название": "Кресло", "Количество": "1"}, "Велюр, горчичный цвет.", photos)
    assert result.label == SINGLE
    assert result.signals["photos_zero_shot"] > 0.5


def test_photos_only_and_text_only_pool_to_their_own_score() -> None:
    photos_only = classify({}, "", _embeddings([[0.8, 0.6, 0.0]]))
    assert photos_only.signals["text"] is None
    assert photos_only.score == pytest.approx(photos_only.signals["photos_zero_shot"], rel=1e-6)
    text_only = classify({"Название": "Стулья"}, "4 шт")
    assert text_only.score == pytest.approx(text_only.signals["text"])


def test_photos_are_encoded_once_for_both_photo_signals() -> None:
    embeddings = _embeddings([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    classify({"Название": "Стул"}, "", embeddings)
    assert embeddings.image_encode_calls == 1


def test_missing_ruclip_makes_photo_signals_unavailable() -> None:
    result = classify({"Название": "Стулья"}, "", PhotoEmbeddings(None, [Image.new("RGB", (8, 8))]))
    assert result.signals["photos_zero_shot"] is None
    assert result.signals["photo_spread"] is None
    assert download_command("ruclip-vit-base-patch32-384") in result.unavailable["photos_zero_shot"]
    assert result.label == VARIATIVE


def test_no_photos_is_not_reported_as_a_missing_model() -> None:
    result = classify({"Название": "Стулья"}, "", None)
    assert result.unavailable["photos_zero_shot"] == "нет фото"


def test_to_dict_is_plain_data() -> None:
    data = classify({"Название": "Стулья"}, "").to_dict()
    assert data["label"] == VARIATIVE
    assert set(data) == {"label", "score", "signals", "decided_by", "unavailable"}


# --- wiring with a tiny real ruCLIP -----------------------------------------------------------------


def test_tiny_ruclip_feeds_both_photo_signals(tmp_path: Path, shared_photos: Path) -> None:
    from ruclip_port import RuCLIP
    from tests.tiny_models import make_tiny_ruclip

    model = RuCLIP.from_pretrained(make_tiny_ruclip(tmp_path / "ruclip"))
    photos = sorted((shared_photos / "clothing" / "shoes").glob("*.jpg"))[:2]
    images = [Image.open(p).convert("RGB") for p in photos]
    embeddings = PhotoEmbeddings(model, images)
    result = classify({"Название": "Кроссовки"}, "", embeddings)

    vectors = model.encode_images(images)
    prompts = model.encode_texts([*CONFIG.many_prompts, *CONFIG.one_prompts])
    probs = (model.logit_scale * vectors @ prompts.T).softmax(dim=-1)
    expected = float(probs[:, : len(CONFIG.many_prompts)].sum(dim=-1).mean())
    assert result.signals["photos_zero_shot"] == pytest.approx(expected, abs=1e-5)
    assert 0.0 <= result.signals["photo_spread"] <= 1.0
    assert embeddings.image_encode_calls == 1

    same = classify({}, "", PhotoEmbeddings(model, [images[0], images[0].copy()]))
    assert same.signals["photo_spread"] == 0.0
