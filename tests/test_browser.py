"""The app in a real browser: Playwright driving Debian's chromium against the app on a free local port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from core.settings import Settings
from pipeline.cases import list_cases
from tests.fake_hub import free_port

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(app_url)
    expect(page.locator("#generate-button")).to_be_visible()
    yield page
    context.close()


def fill_cell(page: Page, row: int, column: int, value: str) -> None:
    """Type a value into a cell of the attribute table, as a user does: double-click, type, Enter."""
    cell = page.locator(f"#attributes [data-testid='cell-{row}-{column}']")
    cell.dblclick()
    editor = cell.get_by_label("Edit cell")
    editor.press_sequentially(value)
    editor.press("Enter")
    expect(cell.get_by_label("Edit cell")).to_have_count(0)
    expect(cell).to_contain_text(value)


def add_row_below(page: Page, row: int) -> None:
    """Add an attribute row below `row` through the cell menu."""
    page.locator(f"#attributes [data-testid='cell-{row}-0']").click()
    page.locator(f"#attributes [data-testid='cell-{row}-0'] button[aria-label='Open cell menu']").click()
    page.get_by_text("Добавить строку ниже").click()
    expect(page.locator(f"#attributes [data-testid='cell-{row + 1}-0']")).to_be_visible()


def description(page: Page) -> str:
    """The generated description, once generation has finished."""
    box = page.locator("#description textarea")
    expect(box).not_to_have_value("", timeout=WAIT_MS)
    return box.input_value()


def test_pick_a_test_case_and_generate(page: Page, app_settings: Settings, tmp_path: Path) -> None:
    case = next(c for c in list_cases(app_settings) if c.listing.images and "Цена" in c.listing.attributes)
    page.locator("#case-picker input").click()
    page.get_by_role("option", name=case.title_ru).click()
    expect(page.locator("#gallery img")).to_have_count(len(case.listing.images))
    expect(page.locator("#seller-text textarea")).to_have_value(case.listing.text)
    page.locator("#generate-button").click()
    assert case.listing.attributes["Цена"] in description(page)
    expect(page.locator("#status")).to_contain_text("Описание готово")
    page.screenshot(path=tmp_path / "test_case.png", full_page=True)


def test_a_rejected_case_shows_why(page: Page, app_settings: Settings, tmp_path: Path) -> None:
    case = next(c for c in list_cases(app_settings) if c.name == "moderation_contacts")
    page.locator("#case-picker input").click()
    page.get_by_role("option", name=case.title_ru).click()
    expect(page.locator("#seller-text textarea")).to_have_value(case.listing.text)
    page.locator("#generate-button").click()
    status = page.locator("#status")
    expect(status).to_contain_text("Объявление отклонено")
    expect(status).to_contain_text("123-45-67")
    expect(page.locator("#description textarea")).to_have_value("")
    page.screenshot(path=tmp_path / "rejected.png", full_page=True)


def test_a_missing_model_offers_its_download(
    page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")  # no network: nothing listens there
    page.locator("#single-checkpoint input").click()
    page.get_by_role("option", name="(vit-rugpt2) — не скачан").click()
    expect(page.locator("#download-offer")).to_contain_text("не скачана")
    page.get_by_role("button", name="Скачать «vit-rugpt2»").click()
    expect(page.locator("#download-offer")).to_contain_text("Не удалось скачать «vit-rugpt2»")
    page.screenshot(path=tmp_path / "download.png", full_page=True)


def test_upload_two_photos_fill_two_attributes_and_generate(
    page: Page, shared_photos: Path, tmp_path: Path
) -> None:
    photos = sorted((shared_photos / "clothing").rglob("*.jpg"))[:2]
    with page.expect_file_chooser() as chooser:
        page.locator("#photos").get_by_text("Нажмите для загрузки").click()
    chooser.value.set_files(photos)
    expect(page.locator("#gallery img")).to_have_count(2)
    fill_cell(page, 4, 1, "48")  # Размер
    fill_cell(page, 5, 1, "1 990 ₽")  # Цена
    add_row_below(page, 5)
    fill_cell(page, 6, 0, "Цвет")
    fill_cell(page, 6, 1, "бордовый")
    page.locator("#generate-button").click()
    text = description(page)
    assert "1 990 ₽" in text
    assert "48" in text
    assert "бордов" in text
    expect(page.locator("#route")).to_contain_text("несколько фото")
    expect(page.locator("#route")).to_contain_text(photos[1].name)
    page.screenshot(path=tmp_path / "upload.png", full_page=True)
    page.locator("#photos").get_by_label("Remove this file").first.click()  # photos are removable
    expect(page.locator("#gallery img")).to_have_count(1)


def test_compare_two_checkpoints(page: Page, tmp_path: Path) -> None:
    fill_cell(page, 5, 1, "750")  # Цена
    page.locator("#seller-text textarea").fill("Шерстяной свитер, почти новый.")
    page.get_by_role("tab", name="Сравнение моделей").click()
    for name in ("template", "vit-rugpt2"):
        page.locator("#compare-checkpoints label").filter(has_text=f"({name})").click()
    page.locator("#compare-button").click()
    first_column = page.locator("#comparison [role='gridcell'][data-col='0']")
    expect(first_column).to_have_count(2, timeout=WAIT_MS)
    expect(first_column.nth(0)).to_have_text("template")
    expect(first_column.nth(1)).to_contain_text("vit-rugpt2")
    expect(page.locator("#comparison [role='gridcell'][data-col='2']").nth(0)).to_contain_text("750")
    page.screenshot(path=tmp_path / "compare.png", full_page=True)
