"""What the desk tests share: a clock to move, staff accounts, signing in through the form."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from aggregator.accounts import add_staff
from aggregator.crawl_result import CrawlResult, RawRecord
from aggregator.sources import SourceConfig
from aggregator.store import Store
from aggregator.store.models import Event, MatchSuggestion
from crawlers.extract.ical import split_calendar
from tests.conftest import FIXTURES
from tests.support.kinds import document
from workers.steps import ingest_result, register_sources

EDITOR = ("erika", "erika-passwort-1")
ADMIN = ("anna", "anna-passwort-12")
OPEN_URLS = {"/desk/login", "/desk/desk.css"}
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class MovableClock:
    """The server's clock; a test moves it on (session expiry) or lets it tick (feed caching)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class TickingClock:
    """Real time passing, counted from a fixed start: what a live server's clock needs."""

    start: datetime
    began: float = field(default_factory=time.monotonic)

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


def add_accounts(store: Store, now: datetime) -> None:
    with store.transaction() as session:
        add_staff(session, *EDITOR, role="editor", now=now)
        add_staff(session, *ADMIN, role="admin", now=now)


def csrf_in(html: str) -> str:
    return CSRF_FIELD.search(html).group(1)


def sign_in(client: TestClient, account: tuple[str, str]) -> str:
    """Sign in through the login form; returns the session's CSRF token from the next page."""
    form = client.get("/desk/login")
    name, password = account
    response = client.post(
        "/desk/login",
        data={"csrf": csrf_in(form.text), "name": name, "password": password, "next": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_in(client.get("/desk/log").text)


DESK_FIXTURES = FIXTURES / "desk"
CALENDARS = {"vhs": DESK_FIXTURES / "vhs.ics", "kirche": DESK_FIXTURES / "kirche.ics"}


def fill(
    store: Store,
    now: datetime,
    calendars: dict[str, Path] = CALENDARS,
    *,
    only: tuple[str, ...] | None = None,
) -> None:
    """Register the desk's untrusted sources and ingest their calendars (all, or `only` these)
    as a complete crawl of them would bring them, without HTTP."""
    configs = [
        SourceConfig(id=source_id, kind="ical", url=f"https://{source_id}.example/kalender.ics")
        for source_id in calendars
    ]
    register_sources(store, configs)
    pass_id = uuid.uuid4().hex
    for config in configs:
        if only is not None and config.id not in only:
            continue
        result = calendar_crawl(config, calendars[config.id].read_bytes(), now)
        ingest_result(store, result, pass_id=pass_id, now=now)


def calendar_crawl(config: SourceConfig, body: bytes | str, now: datetime) -> CrawlResult:
    """What a complete crawl of an iCal source serving ``body`` brings, without HTTP."""
    found = split_calendar(document(body, config.url))
    return CrawlResult(
        config.id,
        records=[RawRecord(r.key, r.fmt, r.payload, r.url, now) for r in found.records],
        problems=found.problems,
    )


def desk_requests(app: Starlette) -> list[tuple[str, str]]:
    """Every review URL the app serves, with its method; path parameters filled with a name."""
    found = []
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/desk"):
            if route.path in OPEN_URLS:
                continue
            path = re.sub(r"\{[^}]+\}", "x", route.path)
            found += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    return found


def ensure_suggestion(store: Store, title_a: str, title_b: str, now: datetime) -> int:
    """The open suggestion that these two events are one; made here if matching made none."""
    with store.transaction() as session:
        a = session.scalar(select(Event).where(Event.title == title_a))
        b = session.scalar(select(Event).where(Event.title == title_b))
        pair = {a.id, b.id}
        found = session.scalar(
            select(MatchSuggestion).where(
                MatchSuggestion.event_a_id.in_(pair),
                MatchSuggestion.event_b_id.in_(pair),
                MatchSuggestion.state == "open",
            )
        )
        if found is None:
            found = MatchSuggestion(
                event_a_id=a.id,
                event_b_id=b.id,
                rule="title-similar",
                score=75.0,
                state="open",
                created_at=now,
            )
            session.add(found)
            session.flush()
        return found.id


@contextmanager
def live_server(app: Starlette) -> Iterator[str]:
    """The app served by uvicorn on an ephemeral loopback port, in a thread; yields its URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def by_title(events: list[dict]) -> dict[str, list[str]]:
    """A feed's events as title → the sources of each entry with that title ("vhs,kirche")."""
    found: dict[str, list[str]] = {}
    for event in events:
        found.setdefault(event["title"], []).append(
            ",".join(ref["source"] for ref in event["sources"])
        )
    return found
