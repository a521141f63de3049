"""Issue 16: a source added in a minute, walked in Chromium by an admin.

The admin pastes a municipal home page's address (served on 127.0.0.1; it links its iCal
export), sees what Lotse found and the first events as they would be published, sets name,
categories, town and trusted, and saves. The sources file keeps its comments and passes
`lotse sources check`; the next pass (`lotse run`'s own) crawls the new source, and its events
are in /events.json. The admin then renames the source; an editor is refused the page.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from aggregator.source_trial import Trial
from aggregator.sources import load_sources
from aggregator.sources_edit import Destination
from aggregator.store import Store
from crawlers.fetch import Fetcher
from crawlers.try_source import try_url
from tests.conftest import FAST_CRAWL, FIXTURES, NOW
from tests.support.desk import add_accounts, live_server
from tests.support.desk_browser import (
    ADMIN,
    EDITOR,
    Clock,
    County,
    Crawls,
    Desk,
    feed,
    look,
    new_page,
    notice,
    sign_in,
)
from tests.support.server import FixtureServer, Reply
from web.server import create_app
from workers.passes import run_pass

pytest_plugins = ["tests.support.desk_browser"]
ROOT = Path(__file__).resolve().parents[1]
COMMENTS = ("# Quellen des Landkreises Heidenheim", "# Die Kirche: wartet auf die Redaktion")


def sources_text(kirche: str) -> str:
    return f"""{COMMENTS[0]}
# Prüfen nach jeder Änderung: lotse sources check sources.toml

{COMMENTS[1]}
[[sources]]
id = "kirche"
kind = "ical"
url = "{kirche}"
allow_private = true  # der Testserver
"""


def desk_trial(url: str, *, allow_private: bool, into: Destination) -> Trial:
    """`lotse sources try` as lotse/serve.py hands it in, on the tests' clock and quick settings."""
    fetcher = Fetcher(own_host="127.0.0.1" if allow_private else None, pause=0)
    return try_url(
        url,
        now=NOW,
        allow_private=allow_private,
        into=into,
        crawl_settings=FAST_CRAWL,
        fetcher=fetcher,
    )


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    """The town's site: its home page linking its iCal export; the church's calendar."""
    with FixtureServer().running() as server:
        server.route("/", Reply.file(FIXTURES / "try" / "rathaus.html", "text/html"))
        calendar = FIXTURES / "county" / "vhs.ics"
        server.route("/,Lde/veranstaltungen/export", Reply.file(calendar, "text/calendar"))
        church = FIXTURES / "desk" / "kirche.ics"
        server.route("/kirche.ics", Reply.file(church, "text/calendar"))
        yield server


@pytest.fixture
def sources(tmp_path: Path, site: FixtureServer) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(sources_text(site.url("/kirche.ics")), encoding="utf-8")
    return path


@pytest.fixture
def desk(tmp_path: Path, sources: Path) -> Iterator[Desk]:
    store = Store(f"sqlite:///{tmp_path / 'lotse.db'}")
    add_accounts(store, NOW)
    clock, crawls = Clock(), Crawls()
    app = create_app(store, clock=clock, crawls=crawls, sources_file=sources, try_source=desk_trial)
    with live_server(app) as base:
        yield Desk(County(store), base, clock, crawls)
    store.dispose()


def sources_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lotse", "sources", "check", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_admin_adds_a_source_from_its_url_and_its_events_are_published(
    desk: Desk, browser: Browser, site: FixtureServer, sources: Path, tmp_path: Path
) -> None:
    _, page = new_page(browser)
    page.set_default_timeout(60_000)  # trying the URL crawls it
    sign_in(page, desk, ADMIN)
    page.goto(desk.url("/desk/sources"))
    page.get_by_role("link", name="Quelle hinzufügen").click()
    page.get_by_label("Adresse (URL)").fill(site.url("/"))
    page.get_by_label("Adresse im internen Netz").check()
    page.get_by_role("button", name="Prüfen").click()

    expect(page.get_by_role("heading", name="Gefunden: iCalendar-Kalender")).to_be_visible()
    expect(page.get_by_text("3 Einträge gelesen")).to_be_visible()
    expect(page.get_by_text(site.url("/,Lde/veranstaltungen/export")).first).to_be_visible()
    rows = page.locator("section.card tbody tr")
    assert [row.locator("td").first.inner_text() for row in rows.all()] == [
        "Sprachcafé Deutsch",
        "Frauentreff International abgesagt",
        "Tag der offenen Tür",
    ]
    assert rows.first.locator("td").nth(1).inner_text() == "Do 07.01.2027, 18:30"
    look(page, "source-preview")

    page.get_by_label("Kennung").fill("stadt-heidenheim")
    page.get_by_label("Name").fill("Stadt Heidenheim")
    page.get_by_label("Gemeinde").fill("Heidenheim an der Brenz")
    page.get_by_label("Alltag & Freizeit").check()
    page.get_by_label("Vertrauenswürdig").check()
    page.get_by_role("button", name="Quelle speichern").click()
    assert notice(page) == "Quelle gespeichert. Der nächste Lauf ruft sie ab."

    text = sources.read_text(encoding="utf-8")
    assert all(comment in text for comment in COMMENTS)
    assert "allow_private = true  # der Testserver" in text
    checked = sources_check(sources)
    assert (checked.returncode, checked.stdout.strip()) == (0, f"{sources}: 2 sources, all valid")

    report = run_pass(
        desk.store, load_sources(sources), tmp_path / "public", now=NOW, crawl_settings=FAST_CRAWL
    )  # the next pass, as `lotse run` makes it
    by_id = {summary.source_id: summary for summary in report.summaries}
    assert (by_id["stadt-heidenheim"].status, by_id["stadt-heidenheim"].items) == ("ok", 3)
    published = feed(page, desk)
    assert published["Sprachcafé Deutsch"] == ["stadt-heidenheim"]
    events = page.request.get(desk.url("/events.json")).json()["events"]
    sprachcafe = next(event for event in events if event["title"] == "Sprachcafé Deutsch")
    assert sprachcafe["sources"][0]["name"] == "Stadt Heidenheim"
    assert "alltag-freizeit" in sprachcafe["categories"]  # the source's, beside its own

    page.goto(desk.url("/desk/sources"))
    page.get_by_role("link", name="stadt-heidenheim: Einstellungen ändern").click()
    expect(page.get_by_label("Name")).to_have_value("Stadt Heidenheim")
    page.get_by_label("Name").fill("Stadt Heidenheim an der Brenz")
    page.get_by_label("Vertrauenswürdig").uncheck()
    look(page, "source-settings")
    page.get_by_role("button", name="Änderungen speichern").click()
    assert notice(page) == "Quelle geändert. Das gilt ab dem nächsten Lauf."
    added = next(c for c in load_sources(sources) if c.id == "stadt-heidenheim")
    assert (added.name, added.trusted, added.town) == (
        "Stadt Heidenheim an der Brenz",
        False,
        "Heidenheim an der Brenz",
    )
    assert all(comment in sources.read_text(encoding="utf-8") for comment in COMMENTS)


def test_an_editor_is_refused_adding_a_source(desk: Desk, browser: Browser) -> None:
    _, page = new_page(browser)
    sign_in(page, desk, EDITOR)
    page.goto(desk.url("/desk/sources"))
    expect(page.get_by_role("link", name="Quelle hinzufügen")).to_have_count(0)
    response = page.goto(desk.url("/desk/new-source"))
    assert response is not None and response.status == 403
    expect(page.get_by_text("Diese Seite ist der Administration vorbehalten.")).to_be_visible()
    assert re.search("Kein Zugriff", page.content())
