"""Issue 19's security points in Chromium: sign-in throttling (429 in German, in the log),
sessions (idle timeout, a session cookie unless "angemeldet bleiben", staff see and end theirs,
an expired session keeps what was typed), accounts (an admin disables one: its sessions end)."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, expect

from aggregator.store.models import Event
from tests.support.desk_browser import (
    ADMIN,
    EDITOR,
    feed,
    look,
    new_page,
    notice,
    sign_in,
    staff_page,
)

pytest_plugins = ["tests.support.desk_browser"]


def test_sign_in_is_throttled_and_logged(desk, browser: Browser) -> None:
    _, page = new_page(browser)
    page.goto(desk.url("/desk/login"))
    statuses = []
    for attempt in range(6):
        page.fill("#name", EDITOR[0])
        page.fill("#password", f"falsch-{attempt}")
        with page.expect_response(re.compile(r".*/desk/login$")) as answer:
            page.get_by_role("button", name="Anmelden").click()
        statuses.append(answer.value.status)
    assert statuses == [401, 401, 401, 401, 429, 429]
    expect(page.get_by_role("alert")).to_contain_text("vorübergehend gesperrt")
    look(page, "login-locked")
    page.fill("#name", EDITOR[0])
    page.fill("#password", EDITOR[1])  # the right password waits too
    with page.expect_response(re.compile(r".*/desk/login$")) as answer:
        page.get_by_role("button", name="Anmelden").click()
    assert answer.value.status == 429
    desk.clock.advance(timedelta(minutes=1, seconds=5))
    sign_in(page, desk, EDITOR)
    expect(page.get_by_role("heading", name="Warteschlange")).to_be_visible()

    admin = staff_page(browser, desk, ADMIN)
    admin.goto(desk.url("/desk/log?action=login-failed"))
    expect(admin.locator("tbody tr")).to_have_count(5)
    expect(admin.locator("tbody tr").first).to_contain_text("Adresse: 127.0.0.1")
    admin.goto(desk.url("/desk/log?action=login-locked"))
    expect(admin.locator("tbody")).to_contain_text("gesperrt bis")
    look(admin, "log-logins")


def test_an_idle_session_ends_and_a_save_keeps_what_was_typed(desk, browser) -> None:
    page = staff_page(browser, desk)
    lesung = desk.county.event_id("Lesung")
    page.goto(desk.url(f"/desk/events/{lesung}"))
    page.fill("#f-title", "Lesung mit Musik")
    page.fill("#f-description", "Zeile eins\nZeile zwei")
    desk.clock.advance(timedelta(minutes=31))  # a long phone call
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("Ihre Sitzung ist abgelaufen")
    expect(page.get_by_role("status")).to_contain_text("Ihre Eingaben sind erhalten")
    look(page, "login-expired")
    page.fill("#name", EDITOR[0])
    page.fill("#password", EDITOR[1])
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Sie sind wieder angemeldet")).to_be_visible()
    expect(page.locator("dl")).to_contain_text("Lesung mit Musik")
    look(page, "resume")
    page.get_by_role("button", name="Jetzt absenden").click()
    assert notice(page) == "Änderungen gespeichert."
    with desk.store.transaction() as session:
        event = session.get(Event, lesung)
        assert (event.title, event.description) == ("Lesung mit Musik", "Zeile eins\nZeile zwei")


def test_a_session_cookie_unless_staff_stay_signed_in(desk, browser) -> None:
    context, page = new_page(browser)
    sign_in(page, desk)
    [cookie] = [c for c in context.cookies() if c["name"] == "lotse_desk"]
    assert cookie["expires"] == -1 and cookie["httpOnly"]  # gone with the browser
    context.close()
    context, page = new_page(browser)
    sign_in(page, desk, remember=True)
    [cookie] = [c for c in context.cookies() if c["name"] == "lotse_desk"]
    assert cookie["expires"] > 0
    desk.clock.advance(timedelta(hours=2))  # idle, but remembered: still signed in
    page.goto(desk.url("/desk/log"))
    expect(page.get_by_role("heading", name="Protokoll")).to_be_visible()


def test_staff_see_and_end_their_sessions(desk, browser) -> None:
    laptop = staff_page(browser, desk)
    phone = staff_page(browser, desk)
    laptop.get_by_role("link", name=re.compile("erika")).click()
    rows = laptop.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(laptop.get_by_text("dieser Browser")).to_be_visible()
    look(laptop, "account")
    laptop.get_by_role("button", name="Alle anderen Sitzungen beenden").click()
    assert notice(laptop) == "Alle anderen Sitzungen sind beendet."
    expect(rows).to_have_count(1)
    phone.goto(desk.url("/desk/queue"))
    assert "/desk/login" in phone.url
    laptop.get_by_role("button", name="Abmelden").first.click()
    assert "/desk/login" in laptop.url


def test_a_disabled_accounts_sessions_end_at_once(desk, browser) -> None:
    erika = staff_page(browser, desk, EDITOR)
    anna = staff_page(browser, desk, ADMIN)
    anna.get_by_role("link", name="Team").click()
    look(anna, "team")
    anna.get_by_text("Konto erika ändern").click()
    anna.locator("tr", has_text="erika").get_by_role("button", name="Sperren").click()
    assert notice(anna) == "Konto geändert."
    expect(anna.locator("tr", has_text="erika")).to_contain_text("gesperrt")
    erika.goto(desk.url("/desk/queue"))
    assert "/desk/login" in erika.url
    erika.fill("#name", EDITOR[0])
    erika.fill("#password", EDITOR[1])
    erika.get_by_role("button", name="Anmelden").click()
    expect(erika.get_by_role("alert")).to_contain_text("Name oder Passwort ist falsch")
    anna.get_by_text("Konto erika ändern").click()
    anna.locator("tr", has_text="erika").get_by_role("button", name="Entsperren").click()
    sign_in(erika, desk, EDITOR)
    assert feed(erika, desk) == {}
