"""A newcomer reads a translated Integreat event in real Chromium (Playwright): in Arabic (right
to left) on a phone, in Ukrainian at desk width, each with the German beside it; axe-core finds
no serious or critical problem. Screenshots: artifacts/screenshots/pages-translated-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.support.desk import live_server
from tests.support.integreat import translated_pages
from tests.test_desk_browser import CHROMIUM, CHROMIUM_ARGS, accessibility_problems

SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


@pytest.fixture
def base(tmp_path):
    with translated_pages(tmp_path) as app, live_server(app) as url:
        yield url


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def visitor(browser, *, locale: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(
        viewport=viewport, locale=locale, bypass_csp=True, device_scale_factor=1
    )
    return context.new_page()


def look(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"pages-translated-{name}.png"), full_page=True)
    assert accessibility_problems(page) == [], name
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, name


def test_an_arabic_visitor_on_a_phone_reads_the_event_in_arabic(base: str, browser) -> None:
    page = visitor(browser, locale="ar-SY", viewport=PHONE)
    page.goto(base + "/veranstaltungen?from=2027-01-07")
    assert page.locator("html").get_attribute("dir") == "rtl"
    title = page.locator("li.event h3 a").first
    assert (title.inner_text(), title.get_attribute("lang")) == ("مقهى اللغة الألمانية", "ar")
    german = page.locator("li.event .german [lang=de]").first
    assert german.inner_text() == "Sprachcafé Deutsch"
    assert german.evaluate("e => getComputedStyle(e).direction") == "ltr"
    look(page, "events-ar")
    title.click()
    heading = page.locator("h1 span")
    assert (heading.inner_text(), heading.get_attribute("dir")) == ("مقهى اللغة الألمانية", "rtl")
    box = page.locator("h1").bounding_box()
    assert box["x"] + box["width"] > PHONE["width"] - 40  # starts at the right edge
    assert page.locator(".texts [lang=ar]").inner_text().startswith("تحدث الألمانية")
    assert page.locator(".texts [lang=de]").inner_text().startswith("Deutsch sprechen")
    look(page, "event-ar")


def test_a_ukrainian_visitor_sees_both_texts_side_by_side(base: str, browser) -> None:
    page = visitor(browser, locale="uk-UA", viewport=DESK)
    page.goto(base + "/veranstaltungen?from=2027-01-07")
    page.locator("li.event h3 a", has_text="Мовне кафе німецької").first.click()
    assert page.locator("h1").inner_text() == "Мовне кафе німецької"
    assert page.locator(".german [lang=de]").first.inner_text() == "Sprachcafé Deutsch"
    ukrainian = page.locator(".texts > [lang=uk]").bounding_box()
    german = page.locator(".texts > .german").bounding_box()
    assert abs(ukrainian["y"] - german["y"]) < 30 and german["x"] > ukrainian["x"]  # beside
    look(page, "event-uk")
    page.get_by_role("link", name="Türkçe").click()  # no Turkish translation: German as before
    assert page.locator("h1 span").get_attribute("lang") == "de"
    look(page, "event-tr")
