"""Issue 19's defects, each walked in Chromium as staff: review states staff can trust.

1. a correction conflict keeps a published event in the feeds, shown with keep ours / take theirs
2. an unchanged multi-line description (sent back as CRLF) is no correction
3. merge, then split, publishes nothing nobody approved
4. one date of a series, or the whole series, as chosen
5. a save from a stale form is refused, the other's change shown, the typed values kept
6. a published listing's UID survives a merge
7. out-of-range dates and offsets answer 400 in German, not 500
8. the layout at 1280 and 390 px: Quellen's "Jetzt abrufen", the menu, the event page
9. technical English in German, the detail one click away
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import select, update

from aggregator.store.models import CrawlRun, Event, Source
from tests.support.desk import CALENDARS, ensure_suggestion
from tests.support.desk_browser import (
    ADMIN,
    EDITOR,
    LATER,
    NARROW,
    NOW,
    WIDE,
    confirm_if_asked,
    feed,
    feed_events,
    look,
    new_page,
    notice,
    open_desk,
    running,
    shot,
    sign_in,
    staff_page,
)

pytest_plugins = ["tests.support.desk_browser"]


def edit_title(page, title: str) -> None:
    page.fill("#f-title", title)
    page.get_by_role("button", name="Speichern").click()


def test_1_a_correction_conflict_keeps_a_published_event_in_the_feeds(
    trusted_desk, browser: Browser
) -> None:
    desk = trusted_desk
    page = staff_page(browser, desk)
    assert "Sprachcafé Deutsch" in feed(page, desk)  # vhs is trusted: published on arrival
    sprachcafe = desk.county.event_id("Sprachcafé Deutsch")
    page.goto(desk.url(f"/desk/events/{sprachcafe}"))
    edit_title(page, "Sprachcafé für alle")
    assert notice(page) == "Änderungen gespeichert."

    desk.county.change("vhs", "SUMMARY:Sprachcafé Deutsch", "SUMMARY:Sprachtreff")
    desk.county.crawl(LATER, only=("vhs",))
    assert feed(page, desk)["Sprachcafé für alle"] == ["vhs"]  # still published, staff's title
    page.goto(desk.url("/desk/queue"))
    expect(page.get_by_role("link", name=re.compile(r"^Konflikte 1"))).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Konflikte")).click()
    page.get_by_role("link", name="Sprachcafé für alle").click()
    row = page.locator("#conflicts ~ div table tbody tr").first
    assert [cell.inner_text() for cell in row.locator("th, td").all()][:4] == [
        "Titel",
        "Sprachcafé Deutsch",
        "Sprachtreff",
        "Sprachcafé für alle",
    ]
    look(page, "conflict")
    row.get_by_role("button", name="Unseren behalten").click()
    assert notice(page) == "Korrektur behalten."
    assert page.locator("#conflicts").count() == 0
    assert feed(page, desk)["Sprachcafé für alle"] == ["vhs"]

    desk.county.change("vhs", "SUMMARY:Sprachtreff", "SUMMARY:Sprachtreff am Donnerstag")
    desk.county.crawl(LATER + timedelta(hours=6), only=("vhs",))
    page.reload()
    page.get_by_role("button", name="Wert der Quelle übernehmen").click()
    assert notice(page) == "Wert der Quelle übernommen."
    assert feed(page, desk)["Sprachtreff am Donnerstag"] == ["vhs"]
    page.goto(desk.url("/desk/log"))
    for said in ("Quelle weicht von einer Korrektur ab", "Korrektur behalten", "übernommen"):
        expect(page.locator("tbody").get_by_text(said).first).to_be_visible()


def test_2_an_unchanged_multi_line_description_is_no_correction(tmp_path, browser) -> None:
    calendars = {
        "vhs": CALENDARS["vhs"]
        .read_text()
        .replace(
            "DESCRIPTION:Die Autorin liest aus ihrem neuen Roman.",
            "DESCRIPTION:Die Autorin liest aus ihrem neuen Roman.\\n\\nEintritt frei.",
        )
    }
    with running(open_desk(tmp_path, trusted=("vhs",), calendars=calendars)) as desk:
        page = staff_page(browser, desk)
        lesung = desk.county.event_id("Lesung")
        page.goto(desk.url(f"/desk/events/{lesung}"))
        assert page.input_value("#f-description").count("\n") == 2  # sent back as CRLF
        edit_title(page, "Lesung mit der Autorin")
        with desk.store.transaction() as session:
            assert set(session.get(Event, lesung).overrides) == {"title"}
        expect(page.locator("dd", has_text="Titel").first).to_be_visible()
        desk.county.change("vhs", "Eintritt frei.", "Eintritt 5 Euro.")
        desk.county.crawl(LATER, only=("vhs",))
        [shown] = [e for e in feed_events(page, desk) if e["id"] == lesung]
        assert shown["description"].endswith("Eintritt 5 Euro.")  # follows its source
        assert shown["title"] == "Lesung mit der Autorin"
        page.goto(desk.url("/desk/queue?kind=conflicts"))
        expect(page.get_by_text("Keine Konflikte")).to_be_visible()


def test_3_merge_then_split_publishes_nothing_nobody_approved(desk, browser) -> None:
    page = staff_page(browser, desk)
    lesung = desk.county.event_id("Lesung")
    page.goto(desk.url(f"/desk/events/{lesung}"))
    page.get_by_role("button", name="Freigeben").click()
    assert feed(page, desk) == {"Lesung": ["vhs"]}
    ensure_suggestion(desk.store, "Lesung", "Lesung – Teil 2", NOW)
    page.goto(desk.url("/desk/duplicates"))
    page.get_by_role("radio", name="A: Lesung", exact=True).or_(
        page.get_by_role("radio", name="B: Lesung", exact=True)
    ).check()
    page.get_by_role("button", name="Zusammenführen").click()
    confirm_if_asked(page, "Ja, zusammenführen")
    assert feed(page, desk) == {"Lesung": ["vhs,kirche"]}
    page.get_by_label("Abtrennen: kirche").check()
    page.get_by_role("button", name="Gewählte Quellen abtrennen").click()
    if page.locator("section.confirm").count():
        look(page, "split-confirm")
    confirm_if_asked(page, "Ja, abtrennen")
    expect(page.get_by_role("heading", name="Lesung – Teil 2")).to_be_visible()
    expect(page.locator(".page-head .badge.pending")).to_have_text("wartet")
    assert feed(page, desk) == {"Lesung": ["vhs"]}  # the church's part waits again
    page.goto(desk.url("/desk/queue"))
    expect(page.get_by_role("link", name="Lesung – Teil 2")).to_be_visible()


def test_4_one_date_or_the_whole_series_as_chosen(desk, browser) -> None:
    page = staff_page(browser, desk)
    page.goto(desk.url("/desk/queue"))
    page.get_by_role("link", name="Deutschkurs A1").click()
    series = page.locator("h2", has_text="Termine der Serie").locator(
        "xpath=following-sibling::div[1]"
    )
    expect(series.locator("tbody tr")).to_have_count(4)
    look(page, "series")
    page.fill("#reason", "fällt an diesem Tag aus")
    reject = page.locator("form[action$='/reject']")
    expect(reject.get_by_label("nur diesen Termin")).to_be_checked()
    reject.get_by_role("button", name="Ablehnen").click()
    assert notice(page) == "Abgelehnt."
    expect(page.get_by_text("Serie · 3 Termine")).to_be_visible()  # the other three wait
    page.get_by_role("link", name="Deutschkurs A1").click()
    approve = page.locator("form[action$='/approve']")
    approve.get_by_label(re.compile("alle 3 wartenden Termine")).check()
    approve.get_by_role("button", name="Freigeben").click()
    assert feed(page, desk)["Deutschkurs A1"] == ["vhs"] * 3


def test_5_a_save_from_a_stale_form_is_refused_with_the_others_change(desk, browser) -> None:
    erika = staff_page(browser, desk, EDITOR)
    anna = staff_page(browser, desk, ADMIN)
    lesung = desk.county.event_id("Lesung")
    for page in (erika, anna):
        page.goto(desk.url(f"/desk/events/{lesung}"))
    edit_title(anna, "Lesung aus dem neuen Roman")
    assert notice(anna) == "Änderungen gespeichert."
    erika.fill("#f-description", "Mit Signierstunde.")
    edit_title(erika, "Lesung im Lesesaal")
    expect(erika.get_by_role("alert")).to_contain_text("Inzwischen wurde dieser Eintrag geändert")
    stale = erika.locator("section", has=erika.locator("#stale"))
    expect(stale).to_contain_text("anna")
    expect(stale).to_contain_text("Lesung → Lesung aus dem neuen Roman")
    assert erika.input_value("#f-title") == "Lesung im Lesesaal"  # what she typed is kept
    assert erika.input_value("#f-description") == "Mit Signierstunde."
    look(erika, "stale-save")
    with desk.store.transaction() as session:
        assert session.get(Event, lesung).title == "Lesung aus dem neuen Roman"
    erika.get_by_role("button", name="Speichern").click()  # now knowingly, over anna's
    assert notice(erika) == "Änderungen gespeichert."
    with desk.store.transaction() as session:
        assert session.get(Event, lesung).title == "Lesung im Lesesaal"


def test_6_a_published_listings_uid_survives_a_merge(desk, browser) -> None:
    page = staff_page(browser, desk)
    lesung = desk.county.event_id("Lesung")
    page.goto(desk.url(f"/desk/events/{lesung}"))
    page.get_by_role("button", name="Freigeben").click()
    [published] = feed_events(page, desk)
    ensure_suggestion(desk.store, "Lesung", "Lesung – Teil 2", NOW)
    page.goto(desk.url("/desk/duplicates"))
    page.get_by_role("radio", name="A: Lesung – Teil 2").or_(
        page.get_by_role("radio", name="B: Lesung – Teil 2")
    ).check()  # "Bleibt": the one that was not published
    page.get_by_role("button", name="Zusammenführen").click()
    confirm_if_asked(page, "Ja, zusammenführen")
    [merged] = feed_events(page, desk)
    assert merged["uid"] == published["uid"]
    ical = page.request.get(desk.url("/events.ics")).text().replace("\r\n ", "")
    [vevent] = re.findall(r"BEGIN:VEVENT.*?END:VEVENT", ical, re.S)
    assert f"UID:{published['uid']}" in vevent and "SEQUENCE:1" in vevent  # an update
    page.get_by_label("Abtrennen: kirche").check()
    page.get_by_role("button", name="Gewählte Quellen abtrennen").click()
    confirm_if_asked(page, "Ja, abtrennen")
    [after] = feed_events(page, desk)
    assert after["uid"] == published["uid"] and after["title"] == "Lesung"


def test_7_dates_and_offsets_out_of_range_answer_400_in_german(desk, browser) -> None:
    page = staff_page(browser, desk)
    for path in (
        "/desk/log?from=0001-01-01",
        "/desk/log?to=9999-12-31",
        "/desk/sources/kultur?offset=100000000000000000000",
        "/desk/sources/vhs?offset=100000000000000000000",
        "/desk/search?from=2026-13-01",
        "/desk/queue?offset=99999999999",
    ):
        answer = page.goto(desk.url(path))
        assert answer.status == 400, path
        expect(page.get_by_role("alert")).to_be_visible()
        assert re.search(r"Datum|Seitenangabe", page.get_by_role("alert").inner_text()), path
    look(page, "bad-request")


def test_8_the_layout_holds_at_1280_and_390_px(desk, browser) -> None:
    with desk.store.transaction() as session:  # a long alarm and a long error, as in the county
        session.execute(
            update(Source)
            .where(Source.id == "kirche")
            .values(
                status="failing",
                last_error="https://kirche.example/kalender.ics: TCP connection timed out: "
                "110: Connection timed out. (a very long line from the crawler)",
            )
        )
        run = session.scalar(select(CrawlRun).where(CrawlRun.source_id == "vhs"))
        run.alarm = "yielded 2 items, under half of last time's 6"
    _, page = new_page(browser, width=WIDE)
    sign_in(page, desk, ADMIN)
    page.goto(desk.url("/desk/sources"))
    shot(page, "layout-sources-1280")
    for button in page.get_by_role("button", name="Jetzt abrufen").all():
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= WIDE, box
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")  # nothing to scroll to
    look(page, "layout-sources")

    page.set_viewport_size({"width": NARROW, "height": 800})
    page.goto(desk.url("/desk/queue"))
    shot(page, "layout-queue-390")
    for name in ("Warteschlange", "Suche", "Duplikate", "Quellen", "Protokoll", "Team"):
        box = (
            page.get_by_role("navigation", name="Hauptnavigation")
            .get_by_role("link", name=name)
            .bounding_box()
        )
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= NARROW, name
    logout = page.get_by_role("button", name="Abmelden").bounding_box()
    assert logout is not None and logout["x"] + logout["width"] <= NARROW
    page.get_by_role("link", name="Sprachcafé Deutsch").click()
    shot(page, "layout-event-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW
    for card in page.locator(".card").all():
        assert card.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), card.inner_text()[:40]
        box = card.bounding_box()
        assert box is not None and box["x"] + box["width"] <= NARROW
    look(page, "layout-event")


def test_9_technical_english_is_german_with_the_detail_one_click_away(desk, browser) -> None:
    with desk.store.transaction() as session:
        run = session.scalar(select(CrawlRun).where(CrawlRun.source_id == "vhs"))
        run.alarm = "yielded 2 items, under half of last time's 6"
        kirche = session.get(Source, "kirche")
        kirche.status, kirche.last_error = "failing", "ingest failed: KeyError: 'kirche'"
    page = staff_page(browser, desk, ADMIN)
    page.goto(desk.url("/desk/sources"))
    visible = page.locator("main").inner_text()
    for english in ("yielded", "under half", "KeyError", "ingest failed"):
        assert english not in visible, english
    expect(
        page.get_by_text("„vhs“ lieferte nur 2 Einträge statt 6 beim letzten Abruf")
    ).to_be_visible()
    expect(page.get_by_text("Das Verarbeiten des Abrufs ist fehlgeschlagen")).to_be_visible()
    page.locator("details.technical", has_text="KeyError").locator("summary").click()
    expect(page.get_by_text("ingest failed: KeyError: 'kirche'")).to_be_visible()
    look(page, "german-sources")
    page.goto(desk.url("/desk/sources/vhs"))
    visible = page.locator("main").inner_text()
    assert "VEVENT has no DTSTART" not in visible and "Es fehlt der Beginn." in visible
    look(page, "german-source")
