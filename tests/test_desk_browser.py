"""The review desk in real Chromium (Playwright) against a live server and a store filled by a
real pass over two untrusted loopback sources: staff sign in, approve, reject, merge, split, and
the public feed follows each step. Screenshots of every page go to artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import update

from aggregator.store import Store
from aggregator.store.models import Event
from tests.conftest import FAST_CRAWL, NOW, source
from tests.support.desk import (
    ADMIN,
    CALENDARS,
    TickingClock,
    add_accounts,
    by_title,
    desk_requests,
    ensure_suggestion,
    live_server,
)
from tests.support.server import Reply
from web.server import create_app
from workers.passes import run_pass

SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE_TITLE = "<script>alert(1)</script>"
ICS = "text/calendar; charset=utf-8"


@pytest.fixture
def desk(site, tmp_path):
    """A live server over a store that a real pass filled from two untrusted sources."""
    urls = {
        name: site.route(f"/{name}.ics", Reply.file(path, ICS)) for name, path in CALENDARS.items()
    }
    store = Store(f"sqlite:///{tmp_path / 'lotse.db'}")
    configs = [source(name, "ical", url) for name, url in urls.items()]
    run_pass(store, configs, tmp_path / "public", now=NOW, crawl_settings=FAST_CRAWL)
    add_accounts(store, NOW)
    ensure_suggestion(store, "Lesung", "Lesung – Teil 2", NOW)
    with store.transaction() as session:  # what a careless source could send as a title
        session.execute(
            update(Event).where(Event.title == "Kochkurs für Familien").values(title=HOSTILE_TITLE)
        )
    app = create_app(store, clock=TickingClock(NOW))
    with live_server(app) as base:
        yield app, base
    store.dispose()


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
        )
        yield browser
        browser.close()


def feed(page: Page, base: str) -> dict[str, list[str]]:
    """The public events.json as title → the sources of each entry with that title."""
    return by_title(page.request.get(f"{base}/events.json").json()["events"])


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"desk-{name}.png"))


def accessibility_problems(page: Page) -> list[str]:
    """What axe-core finds serious or critical on the page (contrast, labels, structure)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


def test_staff_review_listings_in_a_real_browser(desk, browser: Browser) -> None:
    app, base = desk
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="de-DE", bypass_csp=True
    )
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    checked: list[str] = []

    def look(name: str) -> None:
        shot(page, name)
        assert accessibility_problems(page) == [], name
        checked.append(name)

    # Signing in: the queue sends to the login page first.
    page.goto(f"{base}/desk/queue")
    assert "/desk/login?next=" in page.url
    look("login")
    page.fill("#name", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base}/desk/queue")
    assert feed(page, base) == {}  # every listing waits for review

    # The queue shows a hostile title as text; nothing runs.
    assert page.get_by_role("link", name=HOSTILE_TITLE).is_visible()
    assert page.get_by_text("Serie · 4 Termine").is_visible()
    look("queue")

    # Approve one listing on its page.
    page.get_by_role("link", name="Lesung", exact=True).click()
    page.get_by_role("button", name="Freigeben").click()
    assert page.get_by_role("status").inner_text() == "Freigegeben."
    assert feed(page, base) == {"Lesung": ["vhs"]}

    # Reject another from the queue, with a reason (checkbox, action, one POST).
    page.get_by_label("Auswählen: Krabbelgruppe").check()
    page.select_option("#action", "reject")
    page.fill("#reason", "privates Treffen, kein öffentliches Angebot")
    page.get_by_role("button", name="Ausführen").click()
    page.get_by_role("button", name="Ja, ablehnen").click()  # a bulk reject asks first
    assert page.get_by_role("status").inner_text() == "Auswahl bearbeitet."
    assert page.get_by_role("link", name="Krabbelgruppe").count() == 0
    assert feed(page, base) == {"Lesung": ["vhs"]}

    # Merge the suggested pair, keeping the published listing.
    page.get_by_role("link", name="Duplikate").click()
    pair = page.locator("article.pair").first
    assert pair.locator("tr.differs th", has_text="Titel").count() == 1
    assert pair.locator("tr:not(.differs) th", has_text="Beginn").count() == 1
    look("duplicates")
    pair.get_by_role("radio", name=re.compile(r"^[AB]: Lesung$")).check()
    pair.get_by_role("button", name="Zusammenführen").click()
    page.get_by_role("button", name="Ja, zusammenführen").click()
    assert page.get_by_role("status").inner_text() == "Zusammengeführt."
    assert feed(page, base) == {"Lesung": ["vhs,kirche"]}
    look("event")

    # Split it again: the church's listing is itself again, waiting for review as before.
    page.get_by_label("Abtrennen: kirche").check()
    page.get_by_role("button", name="Gewählte Quellen abtrennen").click()
    page.get_by_role("button", name="Ja, abtrennen").click()
    assert page.get_by_role("status").inner_text().startswith("Abgetrennt")
    assert page.get_by_role("heading", name="Lesung – Teil 2").is_visible()
    assert feed(page, base) == {"Lesung": ["vhs"]}

    # Sources, one source's raw records, the log, the team.
    page.get_by_role("link", name="Quellen").click()
    look("sources")
    page.get_by_role("link", name="vhs", exact=True).click()
    page.locator("details", has_text="Rohdaten").first.locator("summary").click()
    assert page.get_by_text("Nicht übernommen: Es fehlt der Beginn.").is_visible()
    page.locator("details.technical", has_text="DTSTART").first.locator("summary").click()
    assert page.get_by_text("VEVENT has no DTSTART").is_visible()
    look("source")
    page.get_by_role("link", name="Protokoll").click()
    page.select_option("#action", "reject")
    page.get_by_role("button", name="Filtern").click()
    assert page.locator("tbody tr").count() == 1
    assert page.get_by_text("privates Treffen, kein öffentliches Angebot").is_visible()
    page.get_by_role("link", name="zurücksetzen").click()
    assert page.locator("tbody tr").count() == 5  # login, approve, reject, merge, split
    look("log")
    page.get_by_role("link", name="Team").click()
    look("team")
    assert dialogs == []
    assert checked == ["login", "queue", "duplicates", "event", "sources", "source", "log", "team"]

    # A form post without the CSRF token is refused, though the session is valid.
    forged = page.request.post(f"{base}/desk/queue", form={"action": "approve"})
    assert forged.status == 403

    # Without a session every review URL is refused: GET to the login page, POST with 401.
    anonymous = browser.new_context()
    for method, path in desk_requests(app):
        answer = anonymous.request.fetch(f"{base}{path}", method=method, max_redirects=0)
        if method == "GET":
            assert answer.status == 303 and "/desk/login" in answer.headers["location"], path
        else:
            assert answer.status == 401, path
    anonymous.close()
    context.close()
