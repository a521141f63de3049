"""The newcomer pages in real Chromium (Playwright) at phone size, over a live server and a store
filled by a real pass: find an apprenticeship near a postcode, switch to Arabic (right to left),
find the subscribe link of a topic, take events into the calendar; axe-core finds no serious or
critical problem on any page. Screenshots go to artifacts/screenshots/pages-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.support.desk import live_server
from tests.support.pages import pages_app
from tests.test_desk_browser import CHROMIUM, CHROMIUM_ARGS, accessibility_problems

SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def base(tmp_path):
    with pages_app(tmp_path) as app, live_server(app) as url:
        yield url


@pytest.fixture
def phone():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="de-DE",
            bypass_csp=True,  # lets axe-core in; the pages themselves run no script
        )
        yield context.new_page()
        browser.close()


def distances(page: Page) -> list[float]:
    texts = page.locator("li.job .distance").all_inner_texts()
    return [
        0.0 if text.startswith("weniger") else float(text.split()[0].replace(",", "."))
        for text in texts
    ]


def test_a_newcomer_on_a_phone(base: str, phone: Page) -> None:
    page = phone
    checked: list[str] = []

    def look(name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"pages-{name}.png"))
        assert len(page.content().encode()) < 50_000, name  # before axe-core comes in
        assert accessibility_problems(page) == [], name
        checked.append(name)

    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "de"
    look("start-de")
    page.keyboard.press("Tab")  # the first stop is the skip link, visible when focused
    skip = page.locator("a.skip")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.bounding_box()["y"] >= 0

    # Apprenticeships within 10 km of Königsbronn's postcode, nearest first.
    page.get_by_role("link", name="Ausbildung finden").click()
    page.get_by_label("Postleitzahl").fill("89551")
    page.get_by_label("Entfernung").select_option("10")
    page.get_by_role("button", name="Suchen").click()
    assert "postcode=89551" in page.url and "km=10" in page.url
    assert page.locator("li.job").count() == 11
    found = distances(page)
    assert found == sorted(found) and found[-1] <= 10
    assert page.locator("li.job h3").first.inner_text() == "Bäcker/in"
    look("apprenticeships-de")

    # The same search in Arabic: right to left, the search kept, listing text still German.
    page.get_by_role("link", name="العربية").click()
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("li.job").count() == 11
    heading = page.locator("h1").bounding_box()
    assert heading["x"] + heading["width"] > PHONE["width"] - 40  # starts at the right edge
    occupation = page.locator("li.job h3 a").first
    assert occupation.get_attribute("lang") == "de"
    look("apprenticeships-ar")
    occupation.click()
    assert page.locator("script[type='application/ld+json']").count() == 1
    assert page.get_by_role("link", name="قدّم طلبك").count() == 1  # Apply
    look("apprenticeship-ar")

    # Events, still in Arabic (remembered): choose the topic language, subscribe to it.
    page.get_by_role("navigation", name="القائمة الرئيسية").get_by_role("link").first.click()
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.get_by_label("الموضوع").select_option("sprache")
    page.get_by_role("button", name="اعرض الفعاليات").click()
    host = base.split("://", 1)[1]
    subscribe = page.locator(f'a.button[href="webcal://{host}/events/sprache.ics"]')
    assert subscribe.is_visible()
    assert page.locator("section.day").count() >= 3
    look("events-ar")

    # In German again: one event into the calendar.
    page.get_by_role("link", name="Deutsch", exact=True).click()
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    look("events-de")
    page.locator("li.event h3 a").first.click()
    download = page.get_by_role("link", name="In meinen Kalender")
    ics = page.request.get(base + download.get_attribute("href"))
    assert ics.headers["content-type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VEVENT" in ics.body()
    look("event-de")

    page.goto(base + "/?lang=ar")
    look("start-ar")
    assert len(checked) == 8
