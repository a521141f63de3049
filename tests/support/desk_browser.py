"""What the desk's browser tests share: a county in a store (the desk's two calendars, changed
as a test needs, and a Jobsuche source), a live server over it with a clock the test moves,
Chromium (Debian's, through Playwright), signing in, and looking at a page: a screenshot and
axe-core's serious and critical findings, at 1280 and at 390 px wide."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import select

from aggregator.sources import SourceConfig
from aggregator.store import Store
from aggregator.store.models import Event
from tests.conftest import NOW, ROOT, TESTS
from tests.support.apprenticeships import JOBS_API, jobs_result
from tests.support.desk import (
    ADMIN,
    CALENDARS,
    EDITOR,
    add_accounts,
    by_title,
    calendar_crawl,
    live_server,
)
from web.server import create_app
from workers.steps import ingest_result, register_sources

SHOTS = ROOT / "artifacts" / "screenshots"
AXE = TESTS / "js" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDE, NARROW = 1280, 390
LATER = NOW + timedelta(hours=6)


@dataclass
class Clock:
    """The live server's clock: moves on only when the test says so."""

    now: datetime = NOW + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Crawls:
    """'Jetzt abrufen' as the workers would offer it; remembers what was started."""

    started: list[str] = field(default_factory=list)

    def start(self, source_id: str) -> bool:
        self.started.append(source_id)
        return True

    def running(self, source_id: str) -> bool:
        return False


@dataclass
class County:
    """A store with the desk's sources: ``vhs`` and ``kirche`` (calendars), ``ba`` (Jobsuche)."""

    store: Store
    trusted: tuple[str, ...] = ()
    calendars: dict[str, str] = field(default_factory=dict)

    def configs(self) -> list[SourceConfig]:
        found = [
            SourceConfig(
                id=name,
                kind="ical",
                url=f"https://{name}.example/kalender.ics",
                trusted=name in self.trusted,
            )
            for name in CALENDARS
        ]
        options = {"where": "89518", "radius_km": 25}
        found.append(SourceConfig("ba", "ba-jobsuche", JOBS_API, trusted=False, options=options))
        return found

    def crawl(self, now: datetime, *, only: tuple[str, ...] | None = None) -> None:
        """A complete crawl of each source (or ``only`` these), as a pass ingests it."""
        configs = self.configs()
        register_sources(self.store, configs)
        pass_id = uuid.uuid4().hex
        for config in configs:
            if only is not None and config.id not in only:
                continue
            if config.id == "ba":
                result = jobs_result("ba", "page-1.json")
            else:
                text = self.calendars.get(config.id) or CALENDARS[config.id].read_text()
                result = calendar_crawl(config, text, now)
            ingest_result(self.store, result, pass_id=pass_id, now=now)

    def change(self, name: str, old: str, new: str) -> None:
        """The source's calendar from now on, with ``old`` replaced by ``new``."""
        text = self.calendars.get(name) or CALENDARS[name].read_text()
        assert old in text, old
        self.calendars[name] = text.replace(old, new)

    def event_id(self, title: str) -> str:
        with self.store.transaction() as session:
            found = session.scalars(select(Event.id).where(Event.title == title)).all()
        assert found, title
        return found[0]


@dataclass
class Desk:
    county: County
    base: str
    clock: Clock
    crawls: Crawls

    @property
    def store(self) -> Store:
        return self.county.store

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield found
        found.close()


def open_desk(tmp_path: Path, *, trusted: tuple[str, ...] = (), calendars=None) -> County:
    store = Store(f"sqlite:///{tmp_path / 'lotse.db'}")
    county = County(store, trusted, dict(calendars or {}))
    county.crawl(NOW)
    add_accounts(store, NOW)
    return county


@contextmanager
def running(county: County) -> Iterator[Desk]:
    """The desk over this county, for a test that fills its own."""
    yield from serve(county)


def serve(county: County) -> Iterator[Desk]:
    clock, crawls = Clock(), Crawls()
    app = create_app(county.store, clock=clock, crawls=crawls)
    with live_server(app) as base:
        yield Desk(county, base, clock, crawls)
    county.store.dispose()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """Two untrusted calendars and an untrusted Jobsuche source, everything waiting."""
    yield from serve(open_desk(tmp_path))


@pytest.fixture
def trusted_desk(tmp_path: Path) -> Iterator[Desk]:
    """vhs trusted (its events published on arrival), the church and the Jobsuche not."""
    yield from serve(open_desk(tmp_path, trusted=("vhs",)))


def new_page(browser: Browser, *, width: int = WIDE) -> tuple[BrowserContext, Page]:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="de-DE", bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def sign_in(page: Page, desk: Desk, account: tuple[str, str] = EDITOR, **choices: bool) -> None:
    page.goto(desk.url("/desk/login"))
    page.fill("#name", account[0])
    page.fill("#password", account[1])
    if choices.get("remember"):
        page.get_by_label("Angemeldet bleiben").check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r".*/desk/(queue|account|events|search).*"))


def staff_page(browser: Browser, desk: Desk, account: tuple[str, str] = EDITOR) -> Page:
    _, page = new_page(browser)
    sign_in(page, desk, account)
    return page


def feed(page: Page, desk: Desk) -> dict[str, list[str]]:
    """events.json as title → the sources of each entry with that title."""
    return by_title(page.request.get(desk.url("/events.json")).json()["events"])


def feed_events(page: Page, desk: Desk) -> list[dict]:
    return page.request.get(desk.url("/events.json")).json()["events"]


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"desk-{name}.png"), full_page=True)


def axe_problems(page: Page) -> list[str]:
    """What axe-core finds serious or critical on the page (contrast, labels, structure)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


AXE_SEEN: dict[str, list[str]] = {}  # page name and width → findings, for the report


def look(page: Page, name: str) -> None:
    """A screenshot and an axe check of the page at 1280 and at 390 px; fails on findings."""
    problems = {}
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"{name}-{width}")
        found = axe_problems(page)
        AXE_SEEN[f"{name}@{width}"] = found
        if found:
            problems[width] = found
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width + 1, f"{name} is {overflow} px wide at {width} px"
    page.set_viewport_size({"width": WIDE, "height": 900})
    assert problems == {}, f"{name}: {problems}"


def confirm(page: Page, button: str) -> None:
    """Answer the desk's confirmation page."""
    page.get_by_role("button", name=button).click()


def confirm_if_asked(page: Page, button: str) -> None:
    """Answer a confirmation page where the desk asks (a defect's test runs on without one)."""
    asked = page.get_by_role("button", name=button)
    if page.locator("section.confirm").count():
        asked.click()


def notice(page: Page) -> str:
    return page.get_by_role("status").inner_text()


__all__ = ["ADMIN", "EDITOR", "LATER", "NOW"]
