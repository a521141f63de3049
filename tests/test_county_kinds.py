"""A county with one source of every event kind, several events listed in more than one of them,
through a whole pass into events.json: times (timed and all-day), towns and statuses."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.store import Store
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, _truncate, source
from tests.support.server import FixtureServer, Reply
from workers.passes import PassReport, run_pass

COUNTY = FIXTURES / "county"
HEIDENHEIM, GIENGEN = "Heidenheim an der Brenz", "Giengen an der Brenz"
FILES = {  # source id → (kind, file, content type)
    "vhs": ("ical", "vhs.ics", "text/calendar; charset=utf-8"),
    "landkreis": ("feed", "stadtbibliothek.xml", "application/rss+xml"),
    "stadt": ("jsonld", "stadt.html", "text/html; charset=utf-8"),
    "integreat": ("integreat", "integreat.json", "application/json"),
    "kirche": ("wp-events", "wp.json", "application/json"),
}
# (title, start, end, all_day, town, status) of every event the county lists
EXPECTED = {
    (
        "Sprachcafé Deutsch",
        "2027-01-07T18:30:00+01:00",
        "2027-01-07T20:00:00+01:00",
        False,
        HEIDENHEIM,
        "confirmed",
    ),
    (
        "Sprachcafé Deutsch",
        "2027-01-14T18:30:00+01:00",
        "2027-01-14T20:00:00+01:00",
        False,
        HEIDENHEIM,
        "confirmed",
    ),
    ("Tag der offenen Tür", "2027-03-13", "2027-03-13", True, HEIDENHEIM, "confirmed"),
    (
        "Frauentreff International",
        "2027-01-20T16:00:00+01:00",
        "2027-01-20T18:00:00+01:00",
        False,
        HEIDENHEIM,
        "cancelled",
    ),
    (
        "Sommerfest",
        "2027-07-10T15:00:00+02:00",
        "2027-07-10T18:00:00+02:00",
        False,
        GIENGEN,
        "confirmed",
    ),
    (
        "Kinderflohmarkt",
        "2027-04-17T09:00:00+02:00",
        "2027-04-17T12:00:00+02:00",
        False,
        "Herbrechtingen",
        "confirmed",
    ),
    ("Interkulturelles Fest", "2027-06-19", "2027-06-19", True, "Nattheim", "confirmed"),
}
County = tuple[PassReport, list[dict], Path]  # the pass, its events.json entries, its output
LISTED_BY = {  # events that more than one source lists, by (title, start)
    ("Sprachcafé Deutsch", "2027-01-07T18:30:00+01:00"): {"vhs", "landkreis", "integreat"},
    ("Tag der offenen Tür", "2027-03-13"): {"vhs", "stadt", "kirche"},
    ("Frauentreff International", "2027-01-20T16:00:00+01:00"): {"vhs", "stadt", "integreat"},
    ("Sommerfest", "2027-07-10T15:00:00+02:00"): {"landkreis", "kirche"},
}


def serve(site: FixtureServer) -> list:
    sources = []
    for source_id, (kind, name, content_type) in FILES.items():
        url = site.route(f"/{source_id}/{name}", Reply.file(COUNTY / name, content_type))
        sources.append(source(source_id, kind, url, trusted=True, town=HEIDENHEIM))
    return sources


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def county(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[County]:
    """One pass over the county (on SQLite and on PostgreSQL), read by every test below."""
    out = tmp_path_factory.mktemp("county")
    if request.param == "sqlite":
        store = Store(f"sqlite:///{out / 'lotse.db'}")
    else:
        store = request.getfixturevalue("pg_store")
        _truncate(store)
    with FixtureServer().running() as site:
        report = run_pass(store, serve(site), out, now=NOW, crawl_settings=FAST_CRAWL)
    events = json.loads((out / "events.json").read_text())["events"]
    yield report, events, out
    if request.param == "sqlite":
        store.dispose()


def facts(event: dict) -> tuple:
    return (
        event["title"],
        event["start"],
        event["end"],
        event["all_day"],
        event["location"]["town"],
        event["status"],
    )


def test_every_kind_is_crawled_and_read_without_problems(county) -> None:
    report, _, _ = county
    found = {s.source_id: (s.status, s.items, s.problems) for s in report.summaries}
    assert found == {
        "vhs": ("ok", 3, 0),
        "landkreis": ("ok", 2, 0),
        "stadt": ("ok", 3, 0),
        "integreat": ("ok", 3, 0),
        "kirche": ("ok", 2, 0),
    }


def test_times_towns_and_statuses_agree_whichever_source_lists_an_event(county) -> None:
    _, events, _ = county
    assert {facts(event) for event in events} == EXPECTED


def test_every_listing_of_a_shared_event_is_published(county) -> None:
    _, events, _ = county
    sources = {}
    for event in events:
        for ref in event["sources"]:
            sources.setdefault((event["title"], event["start"]), set()).add(ref["source"])
    for key, listed_by in LISTED_BY.items():
        assert sources[key] == listed_by, key


def test_county_dedupe_once_matching_lands_each_event_is_published_once(county) -> None:
    """Deduplication across sources (aggregator/events/matching.py): one event, every source
    on it."""
    _, events, _ = county
    counts = Counter((event["title"], event["start"]) for event in events)
    assert {key: count for key, count in counts.items() if count > 1} == {}
    for event in events:
        key = (event["title"], event["start"])
        if key in LISTED_BY:
            assert {ref["source"] for ref in event["sources"]} == LISTED_BY[key]


def test_a_county_pass_writes_the_calendar(county) -> None:
    _, events, out = county
    assert (out / "events.ics").read_bytes().count(b"BEGIN:VEVENT") == len(events)
