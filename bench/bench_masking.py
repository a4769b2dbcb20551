"""Benchmark: mask() + restore() of a 5000-character listing; the target is a median under 5 ms.

    python -m bench.bench_masking [--runs 200] [--chars 5000]

Prints the median and 90th percentile of mask+restore, of each part, and of the first (cold) call,
which pays for compiling the expressions and loading the pymorphy3 dictionaries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from masking import mask, restore

PARAGRAPHS = [
    "Продаю зимний пуховик, размер 48-50 (L), рост 170-176 см, цена 7 500 ₽, торг уместен.",
    "Детский комбинезон 86-92 см (1-2 года), носили 2 месяца, состояние отличное, отдам за 2 600 рублей.",
    "Стол обеденный 120×60×75 см, вес 35 кг, 2019 г. покупки; в комплекте 4 стула.",
    "Сапоги 30 (19 см), > 50 (XXL) футболка в подарок, скидка 10% при покупке от 3 шт.",
    "iPhone, память 128 ГБ, аккумулятор 87%, диагональ 6,1″, звоните +7 (999) 123-45-67.",
    "Авто 2015 года выпуска, пробег 120 000 км, объём двигателя 1,6 л, мощность 110 л.с.",
    "Квартира 45 м², 3 этаж из 9, до метро 800 м, цена 5 200 000 рублей, залог 30 тыс. руб.",
    "Кольцо 17,5 размера, вес 3,2 г, проба 585; коробка 30 х 20 х 10 см. Цена: 12.500 руб.",
]
ATTRIBUTES = {"Цена": "7 500 ₽", "Размер": "48–50 (L)", "Год выпуска": "2019", "Объём памяти": "128 ГБ"}


def listing(chars: int) -> str:
    """A realistic seller text of about `chars` characters, numbers in every common format."""
    out: list[str] = []
    i = 0
    while sum(map(len, out)) + len(out) < chars:
        out.append(PARAGRAPHS[i % len(PARAGRAPHS)])
        i += 1
    return " ".join(out)[:chars]


def model_output(masked_text: str) -> str:
    """What a caption model might write: the masked text with odd token shapes and an invented number."""
    odd = masked_text.replace("<PRICE>", "< price >").replace("<SIZE_2>", "<SIZE_2")
    return odd + " Цена <PRICE_99>, 5 шт."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--chars", type=int, default=5000)
    args = parser.parse_args()
    text = listing(args.chars)

    start = time.perf_counter()
    masked = mask(ATTRIBUTES, text)
    restore(masked.text, masked.values)
    cold = time.perf_counter() - start

    walls, cpus, masks, restores = [], [], [], []
    for _ in range(args.runs):
        c0, t0 = time.process_time(), time.perf_counter()
        masked = mask(ATTRIBUTES, text)
        t1 = time.perf_counter()
        result = restore(model_output(masked.text), masked.values)
        t2, c2 = time.perf_counter(), time.process_time()
        masks.append(t1 - t0)
        restores.append(t2 - t1)
        walls.append(t2 - t0)
        cpus.append(c2 - c0)
    assert restore(masked.text, masked.values).text == text

    def ms(xs: list[float]) -> str:
        q = statistics.quantiles(xs, n=10)
        return f"median {statistics.median(xs) * 1000:.2f} ms, p90 {q[-1] * 1000:.2f} ms"

    print(f"listing: {len(text)} chars, {len(masked.values)} distinct tokens, {args.runs} runs")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"first call (cold: compiles, loads pymorphy3): {cold * 1000:.0f} ms")
    print(f"mask (wall):            {ms(masks)}")
    print(f"restore (wall):         {ms(restores)}")
    print(f"  erased {result.erased}, removed {result.removed_numbers}")
    print(f"mask + restore (wall):  {ms(walls)}  (target: median < 5 ms)")
    print(f"mask + restore (CPU):   {ms(cpus)}  (what the code costs when the machine is shared)")


if __name__ == "__main__":
    main()
