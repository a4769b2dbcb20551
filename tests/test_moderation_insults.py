"""Insults, slurs, vulgar words and threats offline: each class with its Russian reason, inflection,
false friends that pass, and the figures on real toxic comments and real-style clean listings."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from moderation.text.evaluation import evaluate_comments, evaluate_listings
from moderation.text.insults import SLAVICLEAN_FORMS, check_insults, find_insults

DATA = PROJECT_ROOT / "tests" / "data"

FOUND = [
    # (text, class, the words quoted as written)
    ("Ты дебил, что ли?", "insult", "дебил"),
    ("вы просто дeбuлы", "insult", "дeбuлы"),
    ("Выродки недовольны", "insult", "Выродки"),
    ("Вот же мразь", "insult", "мразь"),
    ("какие же твари", "insult", "твари"),
    ("ну и урод", "insult", "урод"),
    ("С..ка, забирайте быстрее", "insult", "С..ка"),
    ("Ты козёл!", "insult", "козёл"),
    ("слышь, клоун", "insult", "клоун"),
    ("закрой свой рот", "insult", "закрой свой рот"),
    ("иди ты в жопу", "insult", "иди ты в жопу"),
    ("ты тупой совсем", "insult", "ты тупой"),
    ("пиндосы опять", "slur", "пиндосы"),
    ("опять кремлеботы", "slur", "кремлеботы"),
    ("хохлы", "slur", "хохлы"),
    ("полное говно", "vulgar", "говно"),
    ("всем насрать", "vulgar", "насрать"),
    ("убью тебя", "threat", "убью тебя"),
    ("я его убью", "threat", "убью"),
    ("сдохни", "threat", "сдохни"),
    ("чтоб ты сдох", "threat", "чтоб ты сдох"),
    ("голову оторву", "threat", "голову оторву"),
    ("расстрелять их всех", "threat", "расстрелять их"),
    ("таких надо расстрелять", "threat", "надо расстрелять"),
    # second round: words said to someone, animal words among clothes, phrases, censored and glued spellings
    ("Ты дырка, а не продавец", "insult", "дырка"),
    ("Своих ищешь, насекомое?", "insult", "насекомое"),
    ("Твоя тупость зашкаливает", "insult", "тупость"),
    ("Из-под штанов, сука, трусы видны", "insult", "сука"),
    ("Какой глупый, даже читать не умеет", "insult", "Какой глупый"),
    ("Тебе место в дурке", "insult", "Тебе место в дурке"),
    ("Уедешь на завод и будешь там кукарекать", "insult", "будешь там кукарекать"),
    ("Не вякай", "insult", "вякай"),
    ("Опять эти ч)урки", "insult", "ч)урки"),
    ("Типичная едросня", "slur", "едросня"),
    ("А у хо(х)лов армия", "slur", "хо(х)лов"),
    ("какая хрень", "vulgar", "хрень"),
    ("какого хрена ты пишешь", "vulgar", "какого хрена"),
    ("сдохли бы все", "threat", "сдохли бы"),
    ("набил бы ему морду", "threat", "набил бы ему морду"),
    ("таких надо расстреливать", "threat", "надо расстреливать"),
    # third round: forms from slaviclean's lexicon that pymorphy3 does not know, and shouted capitals
    ("Опять эти пшеки недовольны", "slur", "пшеки"), ("Ну ты и лохудра", "insult", "лохудра"),
    ("Какая мерзота эти комментаторы", "insult", "мерзота"), ("вы там совсем охренели", "vulgar", "охренели"),
    ("Этот педрило опять пишет", "slur", "педрило"), ("ОПЯТЬ ОПОЗДАЛ, СУКА", "insult", "СУКА"),
    ("Бляха-муха, опять сломалось", "vulgar", "Бляха-муха"), ("мелкий выблюдок", "insult", "выблюдок"),
]  # fmt: skip
# Ordinary words and real sales that look like the listed words, every one of which must pass.
FALSE_FRIENDS = [
    "Кухонная утварь: сковорода, кастрюля", "Сукно шерстяное, отрез 2 м", "Богатый урожай картофеля",
    "Кабачки в этом году уродились", "Продам козла, 2 года, зааненская порода",
    "Скотина на подворье: куры, утки",
    "Продаю суку немецкой овчарки, привита", "Кобель той-терьера, 3 месяца", "Мягкая игрушка свинья",
    "Статуэтка крыса, символ года", "Костюм клоуна на 5 лет", "Ватник армейский, размер 50",
    "Боты резиновые женские", "Туфли с тупым носом", "Нож тупой, надо точить", "Книга «Гадкий утёнок»",
    "Игрушки для детей с синдромом Дауна", "Херсонская область", "Херес испанский",
    "Жидкость для снятия лака", "Хохлома, расписные ложки", "Свиноводческий комплекс", "Свиной жир, 1 кг",
    "Шизофрения: справочник врача", "К недоумению покупателей", "Кузов без гнили", "Обработан от паразитов",
    "Убить время в дороге поможет книга", "Убийца комаров, ловушка", "Повешу шторы сам", "Прибью полку",
    "Ватные диски, 100 шт", "Укроп свежий с грядки", "Соска для новорождённых",
    "Десять негритят, Агата Кристи", "Тарас Бульба, Гоголь", "Собака Баскервилей",
    "Робот-пылесос хорошо сосёт", "Батарейка сдохла, нужна новая",
    "Аккумулятор убит", "Работа, суббота, забота, ботинки", "Оскорблять не буду: торг уместен",
    "Вы не пожалеете, отличная вещь", "Пишите, отвечу на все вопросы", "Дятел — деревянная игрушка",
    "Скидка на кол-во", "Гадать на картах", "Педикюрный набор",
    # second round: the new words where they name an animal, a food, a thing or a fault of the item
    "Корень хрена, свежий, 1 кг", "Хрен домашний тёртый, банка 0,5 л", "Морда лисы, брошь ручной работы",
    "Футболка с мордой тигра, размер 46", "Скот: коровы, овцы, 10 голов", "Стадо овец, 20 голов, хозяйство",
    "Подстилка под ламинат, 2 мм", "Подстилка для собаки, 60х80", "Чурки берёзовые для колки, дрова",
    "BMW E46, заднеприводный седан, пробег 200 тыс", "Ботики детские резиновые, 24 размер",
    "Хомячки джунгарские, возраст 1 месяц", "Выдра, мягкая игрушка 30 см",
    "Книга «Слон и Моська», басня Крылова", "Кабан-секач, чучело", "Чучело огородное",
    "Автор: Козлов, издательство «Мир»", "Шторы новые, осталось повесить их на карниз",
    "Полку нужно повесить на дюбели", "Фасоль нужно мочить 12 часов",
    "Кота нужно кастрировать, отдаю бесплатно", "Штанины нужно отрезать по длине",
    "Плинтус нужно прибить гвоздями", "Фундамент не осел за 10 лет", "Доска без сучков, сосна",
    "Цены падали всю зиму", "Скоро рожу, продаю коляску", "Пластинки: рок, ска, панк, регги",
    "Какой жирный и вкусный творог!", "Игрушка петушок, кукарекает", "Собачка гавкает и виляет хвостом",
    "Дырка на рукаве, зашита", "Дырявый шланг на запчасти", "Тролль из сказки, фигурка",
    "Насекомое в янтаре, сувенир", "Игра «Предатель», настольная", "Подушка-пукалка, прикол",
    "Выпуклый экран, 27 дюймов", "Соска-пустышка, силикон",
    # third round: everyday words beside slaviclean's forms, and animals in listings written in capitals
    "Бляха ремня армейская, латунь", "Попугай с жёлтым хохолком", "Нитки сучат вручную, пряжа домашняя",
    "Петух декоративный, керамика", "Фиговый листок, статуэтка", "Чай со Шри-Ланки, 100 г",
    "ПРОДАМ КОЗЛА, 2 ГОДА, КОМОЛЫЙ", "ТАКСА, СУКА 3 ГОДА, ПРИВИТА, ВЕТПАСПОРТ",
    "Вязаная игрушка СВИНЬЯ, 20 см",
]  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "words"), FOUND)
def test_each_class_is_found_and_named_with_its_russian_reason(text: str, kind: str, words: str) -> None:
    check = check_insults(text)
    assert check.verdict == "reject", text
    assert [w["kind"] for w in check.details["words"]] == [kind]
    reason_of_class = {"insult": "оскорбление", "slur": "унизительное название группы людей",
                       "vulgar": "грубое слово", "threat": "угроза"}[kind]  # fmt: skip
    assert f"— {reason_of_class}: «{words}»" in check.reason_ru


def test_inflected_forms_are_found_through_the_dictionary() -> None:
    for form in ("дебила", "дебилам", "тварями", "уродов", "мерзавцу", "подонками"):
        assert find_insults(f"Про этих {form} и говорить нечего"), form


def test_slaviclean_forms_have_our_classes_and_its_licence() -> None:
    """The forms derived from slaviclean's lexicon each carry one of our classes; its MIT licence is kept."""
    rows = [
        line.split("\t")
        for line in SLAVICLEAN_FORMS.read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    ]
    assert len(rows) >= 4000 and {len(row) for row in rows} == {3}
    assert {kind for _, kind, _ in rows} == {"insult", "slur", "vulgar"}
    licence = SLAVICLEAN_FORMS.with_name("slaviclean_LICENSE.txt").read_text(encoding="utf-8")
    assert "Copyright (c) 2025 lytvynenkotv" in licence and "MIT License" in licence


@pytest.mark.parametrize("text", FALSE_FRIENDS)
def test_false_friend_passes(text: str) -> None:
    assert check_insults(text).verdict == "pass", check_insults(text).reason_ru


def test_at_least_forty_false_friends() -> None:
    assert len(set(FALSE_FRIENDS)) >= 40


def test_every_class_of_a_text_is_listed_once_in_text_order() -> None:
    check = check_insults("Ты урод и дебил, убью тебя, урод")
    listed = "оскорбление: «урод», «дебил»; угроза: «убью тебя»"
    assert check.reason_ru == f"Текст содержит недопустимые слова — {listed}"
    assert [w["text"] for w in check.details["words"]] == ["урод", "дебил", "убью тебя", "урод"]


def test_words_spans_point_into_the_original_text() -> None:
    text = "Ну ты и д\u200bе\u200bб\u200bи\u200bл"
    (word,) = check_insults(text).details["words"]
    assert text[word["start"] : word["end"]] == "д\u200bе\u200bб\u200bи\u200bл"
    assert word["text"] == "дебил"


def test_real_toxic_comments_tuning_and_sealed_parts() -> None:
    """Recall on real VK comments (tests/data/README): tuning is what the lexicon was chosen on; the sealed
    part was never used for choosing (figures in bench/README.md). Floors just under the measured values."""
    tuning = evaluate_comments(DATA / "toxicity_vk.tsv", "tuning")
    sealed = evaluate_comments(DATA / "toxicity_vk.tsv", "sealed")
    assert (tuning.positives, sealed.positives) == (332, 222)
    assert tuning.recall is not None and tuning.recall >= 0.85
    assert sealed.recall is not None and sealed.recall >= 0.68


def test_the_sealed_part_shows_no_errors() -> None:
    with pytest.raises(ValueError, match="запечатанной"):
        evaluate_comments(DATA / "toxicity_vk.tsv", "sealed", errors=True)


@pytest.mark.parametrize("path", [DATA / "diversity.jsonl", DATA / "diversity_real_style.jsonl"])
def test_clean_listings_are_almost_never_rejected(path: Path) -> None:
    figures = evaluate_listings(path, errors=True)
    assert figures.negatives >= 300
    assert figures.false_positive_rate <= 0.01, figures.errors
    assert figures.with_contacts == []  # nor does the contacts check see a contact in them
