"""A whole pass over loopback sources: crawl (real spiders, real HTTP), ingest, publish."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events

from aggregator.store import Store
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.server import FixtureServer, Reply
from workers.passes import run_pass

ICS = "text/calendar; charset=utf-8"


def run(store: Store, sources, out: Path, now=NOW):
    return run_pass(store, sources, out, now=now, crawl_settings=FAST_CRAWL)


@pytest.fixture
def county_sources(site: FixtureServer):
    stadt = site.route("/stadt.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", ICS, etag=True))
    broken = site.route(
        "/broken.ics",
        Reply(b"<html><body>Login</body></html>", headers={"Content-Type": "text/html"}),
    )
    missing = site.url("/gone.ics")
    return [
        source("stadt", "ical", stadt, trusted=True),
        source("broken", "ical", broken, trusted=True),
        source("missing", "ical", missing, trusted=True),
    ]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "public"


def feed(out: Path) -> dict:
    return json.loads((out / "events.json").read_text())


def test_a_pass_publishes_events_and_reports_every_source(store, county_sources, out) -> None:
    report = run(store, county_sources, out)
    by_source = {s.source_id: s for s in report.summaries}
    assert by_source["stadt"].status == "ok"
    assert by_source["stadt"].items == 8 and by_source["stadt"].new == 8
    assert by_source["stadt"].problems == 1  # the VEVENT without DTSTART
    assert by_source["broken"].status == "failed"
    assert "HTML page" in by_source["broken"].error
    assert by_source["missing"].status == "failed" and "HTTP 404" in by_source["missing"].error
    events = feed(out)["events"]
    titles = {e["title"] for e in events}
    assert {"Sprachcafé im Rathaus", "Maimarkt", "Sommerfest", "Open-Air-Kino"} <= titles
    assert sum(e["title"].startswith("Mütterkurs") for e in events) == 13
    sprachcafe = next(e for e in events if e["title"] == "Sprachcafé im Rathaus")
    assert sprachcafe["start"] == "2026-12-03T18:30:00+01:00"
    assert sprachcafe["end"] == "2026-12-03T20:00:00+01:00"
    assert sprachcafe["location"]["town"] == "Heidenheim an der Brenz"
    assert sprachcafe["sources"] == [
        {
            "source": "stadt",
            "name": "stadt",  # the sources file names it not: its id
            "url": "https://127.0.0.1/veranstaltungen/sprachcafe".replace(
                "https://127.0.0.1", county_sources[0].url.rsplit("/", 1)[0]
            ),
            "uid": "tzid-winter@stadt",
            "license": None,  # an iCal file names none
        }
    ]
    maimarkt = next(e for e in events if e["title"] == "Maimarkt")
    assert (maimarkt["start"], maimarkt["end"], maimarkt["all_day"]) == (
        "2027-05-01",
        "2027-05-03",
        True,
    )
    series = {e["series"] for e in events if e["title"].startswith("Mütterkurs")}
    assert len(series) == 1 and None not in series
    assert (out / "events" / "sprache.ics").exists()


def test_events_ics_and_json_give_the_same_occurrences(store, county_sources, out) -> None:
    run(store, county_sources, out)
    calendar = icalendar.Calendar.from_ical((out / "events-expanded.ics").read_bytes())
    from_ics = sorted(
        (str(e["UID"]), e.decoded("DTSTART").isoformat()) for e in calendar.walk("VEVENT")
    )
    from_json = sorted((e["uid"], e["start"]) for e in feed(out)["events"])
    assert from_ics == from_json
    series = icalendar.Calendar.from_ical((out / "events.ics").read_bytes())
    window = (NOW - timedelta(days=30), NOW + timedelta(days=365))
    expanded = recurring_ical_events.of(series).between(*window)
    assert sorted(e.decoded("DTSTART").isoformat() for e in expanded) == sorted(
        start for _, start in from_json
    )
    assert len(series.walk("VEVENT")) < len(from_json)  # the series as a series


def test_a_second_pass_over_unchanged_sources_changes_no_byte(
    store, county_sources, site, out
) -> None:
    run(store, county_sources, out)
    first = {p: p.read_bytes() for p in out.rglob("*.*")}
    report = run(store, county_sources, out, now=NOW + timedelta(hours=6))
    assert {p: p.read_bytes() for p in out.rglob("*.*")} == first
    assert report.written == []
    stadt = next(s for s in report.summaries if s.source_id == "stadt")
    assert (stadt.status, stadt.new, stadt.updated, stadt.gone) == ("unchanged", 0, 0, 0)
    second_request = site.hits("/stadt.ics")[-1]
    assert second_request.headers.get("If-None-Match")  # conditional GET, answered 304


def test_untrusted_sources_wait_for_review(store, site, out) -> None:
    url = site.route("/stadt.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", ICS))
    run(store, [source("stadt", "ical", url)], out)
    assert feed(out)["events"] == []


def test_a_changed_event_raises_sequence_and_keeps_its_uid(store, site, out) -> None:
    body = (FIXTURES / "ical" / "stadt.ics").read_bytes()
    url = site.route("/stadt.ics", Reply(body, headers={"Content-Type": ICS}))
    run(store, [source("stadt", "ical", url, trusted=True)], out)
    before = {e["uid"]: e for e in feed(out)["events"]}
    site.route(
        "/stadt.ics", Reply(body.replace(b"T183000", b"T190000"), headers={"Content-Type": ICS})
    )
    run(store, [source("stadt", "ical", url, trusted=True)], out, now=NOW + timedelta(hours=1))
    after = {e["uid"]: e for e in feed(out)["events"]}
    assert before.keys() == after.keys()
    changed = [uid for uid in after if after[uid]["start"] != before[uid]["start"]]
    assert len(changed) == 1
    calendar = icalendar.Calendar.from_ical((out / "events.ics").read_bytes())
    sequences = {str(e["UID"]): int(e["SEQUENCE"]) for e in calendar.walk("VEVENT")}
    assert sequences[changed[0]] == 1
    assert {s for uid, s in sequences.items() if uid != changed[0]} == {0}


def test_a_vanished_event_is_cancelled_not_deleted(store, site, out) -> None:
    body = (FIXTURES / "ical" / "stadt.ics").read_bytes().decode()
    url = site.route("/stadt.ics", Reply(body.encode(), headers={"Content-Type": ICS}))
    run(store, [source("stadt", "ical", url, trusted=True)], out)
    start = body.index("BEGIN:VEVENT\r\nUID:utc@stadt")
    end = body.index("END:VEVENT", start) + len("END:VEVENT\r\n")
    site.route(
        "/stadt.ics", Reply((body[:start] + body[end:]).encode(), headers={"Content-Type": ICS})
    )
    report = run(
        store, [source("stadt", "ical", url, trusted=True)], out, now=NOW + timedelta(hours=1)
    )
    assert report.summaries[0].gone == 1
    infoabend = next(e for e in feed(out)["events"] if e["title"] == "Infoabend Ausbildung")
    assert infoabend["status"] == "cancelled"
    assert b"STATUS:CANCELLED" in (out / "events.ics").read_bytes()
