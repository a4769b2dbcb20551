"""Which token a number gets: field words and units, kept in two tables that are easy to extend.

`FIELD_WORDS` maps a token type to the lemmas (pymorphy3 normal forms) of the words that name it,
in attribute names ("Цена, руб", "Год выпуска") and just before a number in free text ("ценой 500").
The order of the table is the priority when one attribute name holds words of several types
("Объём памяти" is MEMORY, not VOLUME).

`UNITS` maps the spellings of a unit written after a number to the token types that unit allows;
the first type is its default. A unit with one type decides on its own ("₽" is always PRICE);
a unit with several lets the words before the number choose ("ширина 60 см" is WIDTH, "60 см" LENGTH).
"""

from __future__ import annotations

UNKNOWN = "UNK_VAL"
PHONE = "PHONE"
YEAR = "YEAR"
SIZE = "SIZE"
PRICE = "PRICE"

FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "PHONE": ("телефон", "тел", "whatsapp", "ватсап", "вотсап", "звонить", "позвонить"),
    "PRICE": ("цена", "стоимость", "прайс", "бюджет", "ценник", "оплата", "рубль", "руб", "price", "cost"),
    "MEMORY": ("память", "озу", "пзу", "ram", "rom", "ssd", "hdd", "накопитель", "хранилище", "storage"),
    "DIAGONAL": ("диагональ", "экран", "дисплей"),
    "MILEAGE": ("пробег",),
    "AGE": ("возраст",),
    "YEAR": ("год", "выпуск"),
    "AREA": ("площадь",),
    "VOLUME": ("объём", "объем", "ёмкость", "емкость", "литраж"),
    "WEIGHT": ("вес", "масса"),
    "LENGTH": ("длина", "глубина"),
    "WIDTH": ("ширина",),
    "HEIGHT": ("высота", "рост"),
    "DIAMETER": ("диаметр", "радиус"),
    "POWER": ("мощность",),
    "BATTERY": ("аккумулятор", "батарея", "акб"),
    "QUANTITY": ("количество", "кол-во", "наличие", "штука", "комплект", "упаковка", "остаться", "партия"),
    "SIZE": (
        "размер",
        "размерность",
        "габарит",
        "р-р",
        "обхват",
        "талия",
        "грудь",
        "бёдра",
        "бедро",
        "стопа",
        "стелька",
        "пог",
        "пот",
        "поб",
        "р",
        "eu",
        "us",
        "uk",
        "ru",
        "size",
    ),
    "PERCENT": ("процент", "скидка"),
    "DATE": ("дата", "число"),
    "ARTICLE": ("артикул", "арт", "код", "модель", "серия"),
}

UNITS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("PRICE",): (
        "₽",
        "р",
        "р.",
        "руб",
        "руб.",
        "рубль",
        "рубля",
        "рублей",
        "рублям",
        "rub",
        "rur",
        "$",
        "usd",
        "€",
        "eur",
        "евро",
        "долл",
        "долл.",
        "доллар",
        "доллара",
        "долларов",
        "тенге",
        "₸",
        "грн",
        "₴",
    ),
    ("QUANTITY",): (
        "шт",
        "шт.",
        "штук",
        "штука",
        "штуки",
        "ед",
        "ед.",
        "пар",
        "пары",
        "пара",
        "уп",
        "уп.",
        "упаковки",
        "упаковок",
        "комплекта",
        "комплектов",
        "деталей",
        "предметов",
        "pcs",
    ),
    ("SIZE",): ("размер", "размера", "размеров", "р-р", "р-ра", "eu", "ru", "us", "uk"),
    ("WEIGHT",): (
        "кг",
        "кг.",
        "г",
        "г.",
        "гр",
        "гр.",
        "грамм",
        "грамма",
        "граммов",
        "килограмм",
        "килограмма",
        "килограммов",
        "тонн",
        "тонны",
        "kg",
    ),
    ("VOLUME",): ("л", "л.", "литр", "литра", "литров", "мл", "мл.", "ml", "cc", "куб", "куб."),
    ("MEMORY",): ("гб", "тб", "мб", "gb", "tb", "mb", "гигабайт", "гигабайта", "терабайт", "терабайта"),
    ("DIAGONAL",): ("дюйм", "дюйма", "дюймов", "″", '"', "inch"),
    ("YEAR",): ("г.в.", "гг.", "г. в."),
    ("AREA",): ("м²", "м2", "кв.м", "кв. м", "кв.м.", "кв м", "сот", "сот.", "соток", "сотки", "га"),
    ("MILEAGE", "LENGTH"): ("км", "km"),
    ("LENGTH", "SIZE", "WIDTH", "HEIGHT", "DIAMETER", "DIAGONAL"): (
        "см",
        "см.",
        "мм",
        "мм.",
        "м",
        "м.",
        "метр",
        "метра",
        "метров",
        "cm",
        "mm",
        "сантиметров",
        "сантиметра",
        "миллиметров",
    ),
    ("POWER",): ("вт", "квт", "w", "kw", "л.с.", "л.с", "л. с."),
    ("BATTERY",): ("мач", "mah", "а·ч", "ач"),
    ("PERCENT",): ("%",),
    ("DURATION", "AGE", "YEAR"): (
        "год",
        "года",
        "лет",
        "мес",
        "мес.",
        "месяц",
        "месяца",
        "месяцев",
        "нед",
        "нед.",
        "неделя",
        "недели",
        "недель",
        "день",
        "дня",
        "дней",
        "час",
        "часа",
        "часов",
        "ч",
        "ч.",
        "мин",
        "мин.",
    ),
    ("TEMPERATURE",): ("°c", "°с", "°"),
}

# Units after a four-digit 1900–2099 number that make it a year ("2019 г.", "2019 года").
YEAR_UNITS = frozenset({"г", "г.", "год", "года", "году"})
# Prepositions that hint an age when directly before a time unit ("на 1-2 года", "от 3 лет").
AGE_PREPOSITIONS = frozenset({"на", "от", "до", "для"})
# Prepositions that hint a price when directly before a bare number ("отдам за 500").
PRICE_PREPOSITIONS = frozenset({"за"})
# Prepositions that hint a year when directly before a four-digit 1900–2099 number ("в 2019").
YEAR_PREPOSITIONS = frozenset({"в", "с", "до", "от", "since"})

# Every token type, for the lenient token reader in restore().
TOKEN_TYPES: tuple[str, ...] = tuple(
    dict.fromkeys([*FIELD_WORDS, *(t for types in UNITS for t in types), UNKNOWN, PHONE])
)
