"""A published county for the feed tests: two iCal sources on a loopback server, one real pass.

``clients.ics`` holds what trips clients up: times on both sides of both DST changes, a weekly
series across the March change, an all-day and a three-day event, a cancelled one, an event
without end, text with commas, semicolons, newlines, umlauts, emoji and a line far longer than
75 octets, GEO, a URL with a query. ``stadt.ics`` is the foundation's fixture.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from aggregator.sources import SourceConfig
from aggregator.store import Store
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, TESTS, source
from tests.support.server import FixtureServer, Reply
from web.server import create_app
from workers.passes import PassReport, run_pass

ICS = "text/calendar; charset=utf-8"
JS = TESTS / "js"


@dataclass
class County:
    store: Store
    out: Path
    site: FixtureServer
    sources: list[SourceConfig]

    def run(self, now: datetime = NOW) -> PassReport:
        return run_pass(self.store, self.sources, self.out, now=now, crawl_settings=FAST_CRAWL)

    def events(self) -> list[dict[str, Any]]:
        return json.loads((self.out / "events.json").read_text())["events"]

    def feed_files(self) -> dict[str, bytes]:
        """Every feed written (not the .gz beside each)."""
        return {
            path.relative_to(self.out).as_posix(): path.read_bytes()
            for path in sorted(self.out.rglob("*.*"))
            if path.suffix != ".gz"
        }


@contextmanager
def published_county(folder: Path) -> Iterator[County]:
    """A SQLite store in ``folder``, filled by one pass over the two sources at NOW."""
    with FixtureServer().running() as site:
        clients = site.route(
            "/clients.ics", Reply.file(FIXTURES / "ical" / "clients.ics", ICS, etag=True)
        )
        stadt = site.route("/stadt.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", ICS))
        sources = [
            source("clients", "ical", clients, trusted=True),
            source("stadt", "ical", stadt, trusted=True),
        ]
        store = Store(f"sqlite:///{folder / 'lotse.db'}")
        county = County(store, folder / "public", site, sources)
        county.run()
        try:
            yield county
        finally:
            store.dispose()


def county_fixture(name: str) -> Callable[..., Iterator[County]]:
    """A module-scoped fixture: the county published once into a folder named ``name``."""

    @pytest.fixture(scope="module")
    def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
        with published_county(tmp_path_factory.mktemp(name)) as county:
            yield county

    return county


def client_fixture() -> Callable[..., Iterator[TestClient]]:
    """A fixture: `lotse serve`'s app over the module's county, its clock at NOW."""

    @pytest.fixture
    def client(county: County) -> Iterator[TestClient]:
        with TestClient(create_app(county.store, clock=lambda: NOW)) as client:
            yield client

    return client


def instant(value: str | None) -> str | None:
    """A JSON start or end as clients see it: a UTC instant, or a date for all-day events."""
    if value is None or "T" not in value:
        return value
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


@contextmanager
def issue17_county(folder: Path) -> Iterator[County]:
    """The edge cases of issue 17 published by one pass: ``vhs`` (a weekly series with an
    EXDATE, a moved and a cancelled occurrence; titles, texts and URLs that tripped clients;
    times in the repeated hour), ``buecherei`` (a single event merged into the series, one
    merged with an Integreat event) and ``integreat`` (the CMS's own events, combined form)."""
    ical, json_type = ICS, "application/json"
    with FixtureServer().running() as site:
        vhs = site.route("/vhs.ics", Reply.file(FIXTURES / "ical" / "issue17_vhs.ics", ical))
        buecherei = site.route(
            "/buecherei.ics", Reply.file(FIXTURES / "ical" / "issue17_buecherei.ics", ical)
        )
        integreat = site.route(
            "/api/v3/landkreisheidenheim/de/events/",
            Reply.file(FIXTURES / "integreat" / "events_combined.json", json_type),
        )
        sources = [
            source("vhs", "ical", vhs, trusted=True, name="Volkshochschule Heidenheim"),
            source("buecherei", "ical", buecherei, trusted=True, name="Stadtbücherei"),
            source("integreat", "integreat", integreat, trusted=True),
        ]
        store = Store(f"sqlite:///{folder / 'lotse.db'}")
        county = County(store, folder / "public", site, sources)
        county.run()
        try:
            yield county
        finally:
            store.dispose()
