"""What the page tests share: a store filled by one real pass over loopback sources (the city's
and the demo county's calendars, a club calendar with hostile text, the Lehrstellen-Radar and
the Jobsuche API), and the app over it at the tests' NOW."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from aggregator.store import Store
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, ROOT, source
from tests.support.server import FixtureServer, Reply
from web.server import create_app
from workers.passes import run_pass

DEMO_SITE = ROOT / "examples" / "demo" / "site"
ICS, HTML, JSON = "text/calendar; charset=utf-8", "text/html; charset=utf-8", "application/json"
CALENDARS = {
    "stadt": FIXTURES / "ical" / "stadt.ics",
    "vhs-heidenheim": DEMO_SITE / "vhs.ics",
    "integrationszentrum": DEMO_SITE / "integrationszentrum.ics",
    "verein": FIXTURES / "pages" / "hostile.ics",
}
RADAR_QUERY = "search-fromsearchform=1&search-ls=1&search-pr=1&search-plz=89518&search-radius=25"
RADAR_PAGES = ("page-1.html", "page-2.html", "empty.html")
BA_QUERY = "angebotsart=4&wo=Heidenheim&umkreis=25&page={page}&size=100"
BA_PAGES = ("page-1.json", "page-2.json", "past-end.json")


def fill(store: Store, site: FixtureServer, out: Path) -> None:
    """One pass over every source, all trusted (published at once)."""
    configs = [
        source(name, "ical", site.route(f"/{name}.ics", Reply.file(path, ICS)), trusted=True)
        for name, path in CALENDARS.items()
    ]
    for page, name in enumerate(RADAR_PAGES, start=1):
        reply = Reply.file(FIXTURES / "lehrstellen_radar" / name, HTML)
        site.route(f"/radar?{RADAR_QUERY}&page={page}", reply)
    for page, name in enumerate(BA_PAGES, start=1):
        site.route(f"/ba?{BA_QUERY.format(page=page)}", Reply.file(FIXTURES / "ba" / name, JSON))
    options = {"postcode": "89518"}
    configs.append(
        source("hwk-ulm", "lehrstellen-radar", site.url("/radar"), trusted=True, options=options)
    )
    options = {"where": "Heidenheim"}
    configs.append(source("ba", "ba-jobsuche", site.url("/ba"), trusted=True, options=options))
    run_pass(store, configs, out, now=NOW, crawl_settings=FAST_CRAWL)


def filled_store(path: Path) -> Store:
    """A SQLite store in ``path`` filled by ``fill`` over a loopback server."""
    store = Store(f"sqlite:///{path / 'lotse.db'}")
    with FixtureServer().running() as site:
        fill(store, site, path / "public")
    return store


@contextmanager
def pages_app(path: Path) -> Iterator[Starlette]:
    """The app at the tests' NOW over a store in ``path`` filled by ``fill``."""
    store = filled_store(path)
    try:
        yield create_app(store, clock=lambda: NOW)
    finally:
        store.dispose()


def page_client(app: Starlette, **headers: str) -> TestClient:
    """A fresh visitor (no cookies) with these request headers."""
    return TestClient(app, headers=headers)


@contextmanager
def german_visitor(path: Path) -> Iterator[TestClient]:
    """A visitor whose browser asks for German, on ``pages_app``."""
    with pages_app(path) as app:
        yield page_client(app, **{"Accept-Language": "de-DE,de;q=0.9"})
