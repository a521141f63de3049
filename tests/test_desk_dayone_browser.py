"""What staff miss on day one (issue 19), each walked in Chromium, each page looked at (a
screenshot and axe at 1280 and 390 px): finding any listing, "Abgesagt", merging any two and
undoing from the log, apprenticeships, a listing's history, the queue, confirmations, the log
of crawls and sign-ins, the daily e-mail."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from aggregator.store.models import Apprenticeship, Event
from tests.support.desk import CALENDARS, ensure_suggestion
from tests.support.desk_browser import (
    ADMIN,
    EDITOR,
    LATER,
    NOW,
    confirm,
    feed,
    feed_events,
    look,
    new_page,
    notice,
    open_desk,
    running,
    staff_page,
)
from tests.support.smtp import smtp_server

pytest_plugins = ["tests.support.desk_browser"]

PAST_EVENT = """BEGIN:VEVENT
UID:basar@kirche
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:20261120T140000
DTEND;TZID=Europe/Berlin:20261120T170000
SUMMARY:Adventsbasar
LOCATION:Gemeindehaus Pauluskirche\\, Pauluskirchstraße 2\\, 89518 Heidenheim
END:VEVENT
END:VCALENDAR"""


def test_find_any_listing_open_fix_and_reject_it(desk, browser: Browser) -> None:
    page = staff_page(browser, desk)
    lesung = desk.county.event_id("Lesung")
    page.goto(desk.url(f"/desk/events/{lesung}"))
    page.get_by_role("button", name="Freigeben").click()  # published: gone from the queue
    page.get_by_role("link", name="Suche").click()
    page.fill("#q", "lesung")
    page.get_by_role("button", name="Suchen").click()
    titles = page.locator("tbody a.title")
    expect(titles).to_have_text(["Lesung – Teil 2", "Lesung"])  # by start, then id
    page.select_option("#state", "published")
    page.get_by_role("button", name="Suchen").click()
    expect(titles).to_have_text(["Lesung"])
    look(page, "search")
    page.goto(desk.url("/desk/search?town=Giengen+an+der+Brenz"))
    expect(titles).to_have_text(["Kochkurs für Familien"])
    page.goto(desk.url("/desk/search?from=2026-12-05&to=2026-12-05&source=kirche"))
    expect(titles).to_have_text(["Krabbelgruppe"])
    page.goto(desk.url("/desk/search?kind=apprenticeships&q=Elektroniker"))
    expect(titles).to_have_count(1)

    page.goto(desk.url("/desk/search?q=lesung&state=published"))
    page.get_by_role("link", name="Lesung", exact=True).click()
    page.fill("#f-title", "Lesung: Der neue Roman")
    page.get_by_role("button", name="Speichern").click()
    assert notice(page) == "Änderungen gespeichert."
    assert feed(page, desk) == {"Lesung: Der neue Roman": ["vhs"]}
    page.fill("#reason", "Die Lesung findet privat statt")
    page.get_by_role("button", name="Ablehnen").click()
    expect(page.get_by_role("heading", name="Veröffentlichten Eintrag ablehnen?")).to_be_visible()
    look(page, "reject-published")
    confirm(page, "Ja, ablehnen")
    assert notice(page) == "Abgelehnt."
    assert "/desk/search?" in page.url and "state=published" in page.url  # the filter kept
    assert feed(page, desk) == {}
    page.goto(desk.url("/desk/search?state=rejected"))
    expect(titles).to_have_text(["Lesung: Der neue Roman"])


def test_abgesagt_keeps_an_event_in_the_feeds_as_cancelled(trusted_desk, browser) -> None:
    desk = trusted_desk
    page = staff_page(browser, desk)
    sprachcafe = desk.county.event_id("Sprachcafé Deutsch")
    page.goto(desk.url(f"/desk/events/{sprachcafe}"))
    page.get_by_label("Abgesagt").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("alert")).to_have_text("Bitte einen Grund für die Absage angeben.")
    page.get_by_label("Abgesagt").check()
    page.fill("#f-cancel_reason", "Die Kursleiterin ist erkrankt")
    page.get_by_role("button", name="Speichern").click()
    assert notice(page).startswith("Als abgesagt markiert.")
    expect(page.locator(".page-head .badge.cancelled")).to_be_visible()
    expect(page.locator("dd", has_text="Die Kursleiterin ist erkrankt")).to_be_visible()
    look(page, "cancelled")
    [shown] = [e for e in feed_events(page, desk) if e["id"] == sprachcafe]
    assert shown["status"] == "cancelled"
    ical = page.request.get(desk.url("/events.ics")).text()
    assert "STATUS:CANCELLED" in ical
    desk.county.crawl(LATER, only=("vhs",))  # the source still says it takes place
    [shown] = [e for e in feed_events(page, desk) if e["id"] == sprachcafe]
    assert shown["status"] == "cancelled"
    page.reload()
    page.get_by_label("Abgesagt").uncheck()
    page.get_by_role("button", name="Speichern").click()
    assert notice(page) == "Absage zurückgenommen."
    [shown] = [e for e in feed_events(page, desk) if e["id"] == sprachcafe]
    assert shown["status"] == "confirmed"


def test_merge_any_two_by_hand_and_undo_from_the_log(desk, browser) -> None:
    page = staff_page(browser, desk)
    lesung, krabbelgruppe = (desk.county.event_id(t) for t in ("Lesung", "Krabbelgruppe"))

    def states() -> tuple[str, str]:
        with desk.store.transaction() as session:
            return tuple(session.get(Event, i).review_state for i in (lesung, krabbelgruppe))

    page.goto(desk.url("/desk/search"))
    page.get_by_label("Zum Zusammenführen wählen: Lesung", exact=True).check()
    page.get_by_label("Zum Zusammenführen wählen: Krabbelgruppe").check()
    page.get_by_role("button", name="Zwei gewählte vergleichen und zusammenführen").click()
    expect(page.get_by_role("heading", name="Zwei Einträge zusammenführen?")).to_be_visible()
    look(page, "merge-by-hand")
    page.get_by_role("radio", name=re.compile("Krabbelgruppe")).check()
    confirm(page, "Ja, zusammenführen")
    assert notice(page) == "Zusammengeführt."
    assert states() == ("merged", "pending")

    page.get_by_role("link", name="Protokoll").click()
    row = page.locator("tbody tr", has=page.locator(".badge.merge"))
    row.get_by_role("button", name="Rückgängig machen").click()
    assert notice(page) == "Rückgängig gemacht."
    assert states() == ("pending", "pending")
    with desk.store.transaction() as session:
        assert session.get(Event, krabbelgruppe).title == "Krabbelgruppe"
    page.goto(desk.url("/desk/queue"))
    expect(page.get_by_role("link", name="Lesung", exact=True)).to_be_visible()

    kochkurs = desk.county.event_id("Kochkurs für Familien")
    page.goto(desk.url(f"/desk/events/{kochkurs}"))
    page.fill("#reason", "doppelt")
    page.get_by_role("button", name="Ablehnen").click()
    page.goto(desk.url("/desk/log?action=reject"))
    page.get_by_role("button", name="Rückgängig machen").click()
    expect(page.locator(".page-head .badge.pending")).to_be_visible()

    ensure_suggestion(desk.store, "Lesung", "Lesung – Teil 2", NOW)
    page.goto(desk.url("/desk/duplicates"))
    page.get_by_role("button", name="Kein Duplikat").click()
    expect(page.get_by_text("Keine offenen Vorschläge")).to_be_visible()
    page.goto(desk.url("/desk/log?action=dismiss"))
    page.get_by_role("button", name="Rückgängig machen").click()
    page.goto(desk.url("/desk/duplicates"))
    expect(page.locator("article.pair")).to_have_count(1)
    page.goto(desk.url("/desk/log"))
    expect(page.get_by_role("button", name="Rückgängig machen")).to_have_count(0)  # each once
    look(page, "log-undone")


def test_apprenticeships_are_as_reviewable_as_events(desk, browser) -> None:
    page = staff_page(browser, desk)
    page.goto(desk.url("/desk/queue"))
    page.get_by_role("link", name=re.compile(r"^Ausbildungsplätze 3")).click()
    page.locator("tbody a.title").first.click()
    expect(page.get_by_role("heading", name="Quellen")).to_be_visible()
    look(page, "apprenticeship")
    old = page.input_value("#f-title")
    page.fill("#f-title", "Ausbildung Elektroniker/in (m/w/d) – Start September")
    page.get_by_role("button", name="Speichern").click()
    assert notice(page) == "Änderungen gespeichert."
    history = page.locator("table.history")
    expect(history).to_contain_text(f"{old} → Ausbildung Elektroniker/in (m/w/d) – Start")
    page.fill("#reason", "Stelle besetzt")
    page.get_by_role("button", name="Ablehnen").click()
    assert notice(page) == "Abgelehnt."
    page.goto(desk.url("/desk/log?action=reject"))
    page.get_by_role("button", name="Rückgängig machen").click()
    assert notice(page) == "Rückgängig gemacht."
    with desk.store.transaction() as session:
        item = session.scalar(
            select(Apprenticeship).where(Apprenticeship.title.like("%Start September"))
        )
        assert item.review_state == "pending"
        item_id = item.id
    page.goto(desk.url(f"/desk/apprenticeships/{item_id}"))
    page.get_by_role("button", name="Freigeben").click()
    published = page.request.get(desk.url("/apprenticeships.json")).json()["apprenticeships"]
    assert [item["title"] for item in published] == [
        "Ausbildung Elektroniker/in (m/w/d) – Start September"
    ]
    desk.county.crawl(LATER, only=("ba",))  # the source again: the correction stands
    published = page.request.get(desk.url("/apprenticeships.json")).json()["apprenticeships"]
    assert published[0]["title"].endswith("Start September")


def test_each_listing_shows_its_history(trusted_desk, browser) -> None:
    desk = trusted_desk
    page = staff_page(browser, desk)
    lesung = desk.county.event_id("Lesung")
    page.goto(desk.url(f"/desk/events/{lesung}"))
    page.fill("#f-title", "Lesung mit der Autorin")
    page.get_by_role("button", name="Speichern").click()
    desk.county.change("vhs", "aus ihrem neuen Roman.", "aus ihrem zweiten Roman.")
    desk.county.crawl(LATER, only=("vhs",))
    page.reload()
    history = page.locator("table.history tbody tr")
    expect(history.nth(0)).to_contain_text("geändert von der Quelle")
    expect(history.nth(0)).to_contain_text(
        "Beschreibung: Die Autorin liest aus ihrem neuen Roman. → "
        "Die Autorin liest aus ihrem zweiten Roman."
    )
    expect(history.nth(0)).to_contain_text("vhs")
    expect(history.nth(1)).to_contain_text("erika")
    expect(history.nth(1)).to_contain_text("Titel: Lesung → Lesung mit der Autorin")
    expect(history.last).to_contain_text("aufgenommen")
    look(page, "history")


def test_the_queue_searches_sorts_counts_selects_and_keeps_its_place(tmp_path, browser) -> None:
    calendars = {"kirche": CALENDARS["kirche"].read_text().replace("END:VCALENDAR", PAST_EVENT)}
    with running(open_desk(tmp_path, calendars=calendars)) as desk:
        page = staff_page(browser, desk)
        tabs = page.get_by_role("navigation", name="Art der Einträge")
        expect(tabs).to_contain_text("Veranstaltungen 7")
        expect(tabs).to_contain_text("Ausbildungsplätze 3")
        expect(tabs).to_contain_text("Konflikte 0")
        titles = page.locator("tbody a.title")
        expect(titles).not_to_contain_text(["Adventsbasar"])  # past: not offered
        page.fill("#q", "lesung")
        page.get_by_role("button", name="Filtern").click()
        expect(titles).to_have_text(["Lesung – Teil 2", "Lesung"])
        page.goto(desk.url("/desk/queue?sort=start"))
        expect(titles.first).to_have_text("Deutschkurs A1")
        page.get_by_role("link", name="Alle auf dieser Seite auswählen").click()
        boxes = page.locator("tbody input[type=checkbox]")
        for box in boxes.all():
            expect(box).to_be_checked()
        look(page, "queue-all-selected")
        page.goto(desk.url("/desk/queue?source=kirche"))
        page.get_by_role("link", name="Krabbelgruppe").click()
        page.get_by_role("button", name="Freigeben").click()
        assert notice(page) == "Freigegeben."
        assert page.url.endswith("/desk/queue?source=kirche&msg=approved")  # its place kept
        expect(titles).to_have_text(["Lesung – Teil 2"])
        expect(tabs).to_contain_text("Veranstaltungen 6")

        basar = desk.county.event_id("Adventsbasar")
        page.goto(desk.url(f"/desk/events/{basar}"))
        expect(page.get_by_text("liegt in der Vergangenheit")).to_be_visible()
        expect(page.get_by_role("button", name="Freigeben")).to_be_disabled()
        page.goto(desk.url("/desk/queue"))
        answer = page.request.post(
            desk.url("/desk/queue"),
            form={"csrf": csrf_of(page), "action": "approve", "ids": basar, "back": "/desk/queue"},
        )
        assert answer.ok
        with desk.store.transaction() as session:
            assert session.get(Event, basar).review_state == "pending"  # refused quietly


def csrf_of(page) -> str:
    return page.locator("input[name=csrf]").first.get_attribute("value") or ""


def test_the_desk_asks_before_bulk_reject_rejecting_published_merge_and_split(
    desk, browser
) -> None:
    page = staff_page(browser, desk)
    page.get_by_label("Auswählen: Krabbelgruppe").check()
    page.get_by_label("Auswählen: Lesung", exact=True).check()
    page.select_option("#action", "reject")
    page.fill("#reason", "kein öffentliches Angebot")
    page.get_by_role("button", name="Ausführen").click()
    expect(page.get_by_role("heading", name="2 Einträge ablehnen?")).to_be_visible()
    look(page, "confirm-bulk-reject")
    page.get_by_role("link", name="Abbrechen").click()
    expect(page.get_by_role("link", name="Krabbelgruppe")).to_be_visible()  # nothing happened

    lesung = desk.county.event_id("Lesung")
    page.goto(desk.url(f"/desk/events/{lesung}"))
    page.get_by_role("button", name="Freigeben").click()
    page.goto(desk.url(f"/desk/events/{lesung}"))
    page.fill("#reason", "doch nicht")
    page.get_by_role("button", name="Ablehnen").click()
    expect(page.get_by_role("heading", name="Veröffentlichten Eintrag ablehnen?")).to_be_visible()
    page.get_by_role("link", name="Abbrechen").click()
    assert feed(page, desk) == {"Lesung": ["vhs"]}

    ensure_suggestion(desk.store, "Lesung", "Lesung – Teil 2", NOW)
    page.goto(desk.url("/desk/duplicates"))
    page.get_by_role("radio", name="A: Lesung", exact=True).or_(
        page.get_by_role("radio", name="B: Lesung", exact=True)
    ).check()
    page.get_by_role("button", name="Zusammenführen").click()
    expect(page.get_by_role("heading", name="Zusammenführen?")).to_be_visible()
    look(page, "confirm-merge")
    confirm(page, "Ja, zusammenführen")
    page.get_by_label("Abtrennen: kirche").check()
    page.get_by_role("button", name="Gewählte Quellen abtrennen").click()
    expect(page.get_by_role("heading", name="Quellen abtrennen?")).to_be_visible()
    page.get_by_role("link", name="Abbrechen").click()
    assert feed(page, desk) == {"Lesung": ["vhs,kirche"]}


def test_the_log_records_crawls_sign_ins_and_failed_sign_ins(desk, browser) -> None:
    _, stranger = new_page(browser)
    stranger.goto(desk.url("/desk/login"))
    stranger.fill("#name", "erika")
    stranger.fill("#password", "geraten-123")
    stranger.get_by_role("button", name="Anmelden").click()
    page = staff_page(browser, desk, ADMIN)
    page.get_by_role("link", name="Quellen").click()
    page.get_by_role("button", name="vhs: jetzt abrufen").click()
    assert notice(page).startswith("Abruf gestartet.")
    assert desk.crawls.started == ["vhs"]
    page.get_by_role("link", name="Protokoll").click()
    rows = page.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("Jetzt abrufen")
    expect(rows.nth(0)).to_contain_text("anna")
    expect(rows.nth(0)).to_contain_text("vhs")
    expect(rows.nth(1)).to_contain_text("angemeldet")
    expect(rows.nth(2)).to_contain_text("Anmeldung fehlgeschlagen")
    expect(rows.nth(2)).to_contain_text("erika")
    expect(rows.nth(0)).to_contain_text("Mi 25.11.2026, 10:00")  # when
    look(page, "log")


def test_the_daily_email_goes_to_staff_who_want_it(desk, browser) -> None:
    from lotse.notify import notify_command  # here: the desk's own modules load first

    page = staff_page(browser, desk, EDITOR)
    page.get_by_role("link", name=re.compile("erika")).click()
    page.fill("#email", "erika@landkreis.example")
    page.get_by_label("Ja, täglich eine E-Mail schicken").check()
    page.get_by_role("button", name="Speichern").click()
    assert notice(page) == "Benachrichtigung gespeichert."
    look(page, "account-notify")
    with smtp_server() as smtp:
        env = {
            "LOTSE_DATABASE_URL": str(desk.store.engine.url),
            "LOTSE_SMTP_HOST": "127.0.0.1",
            "LOTSE_SMTP_PORT": str(smtp.port),
            "LOTSE_SMTP_SECURITY": "none",
            "LOTSE_SMTP_FROM": "lotse@landkreis.example",
            "LOTSE_DESK_URL": desk.url("/desk"),
        }
        assert notify_command(now=desk.clock.now + timedelta(hours=12), env=env) == 0
        [mail] = smtp.mails
    assert mail.recipients == ["erika@landkreis.example"]
    assert mail.message["Subject"] == "Lotse Redaktion: 10 Einträge warten"
    text = mail.message.get_content()
    assert "7 Veranstaltungen und 3 Ausbildungsplätze warten auf Prüfung" in text
    assert desk.url("/desk/queue") in text
