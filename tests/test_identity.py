"""A listing over months of re-crawls: the same id and UID while its records still describe it,
SEQUENCE and updated_at raised by every change, cancelled when every record vanished, and not a
byte different after a run over unchanged sources."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import icalendar
import pytest

from tests.conftest import NOW
from tests.support.matching import (
    RATHAUS,
    VHS,
    Item,
    all_events,
    crawl,
    ical_source,
    published_bytes,
    register,
    sources_of,
)

LATER = [NOW + timedelta(hours=6 * n) for n in range(1, 5)]
SPRACHCAFE = Item("s1", "Sprachcafé im Rathaus", "2026-12-03 18:30", "2026-12-03 20:00", RATHAUS)
SOMMERFEST = Item("s2", "Sommerfest", "2027-06-12 14:00", location="Brenzpark, Heidenheim")


@pytest.fixture
def registered(store):
    register(store, ical_source("stadt"), ical_source("integreat", town=None))
    return store


def identities(store) -> dict[str, tuple[str, str, int]]:
    """Title → (id, uid, sequence) of every event."""
    with store.transaction() as session:
        return {e.title: (e.id, e.uid, e.sequence) for e in all_events(session)}


def feed_events(store, now) -> dict[str, dict]:
    """The published events by title."""
    body = published_bytes(store, now)["events.json"]
    return {event["title"]: event for event in json.loads(body)["events"]}


def feed_event(store, now, event_id: str) -> dict:
    body = published_bytes(store, now)["events.json"]
    return next(event for event in json.loads(body)["events"] if event["id"] == event_id)


def ics_sequences(store, now) -> dict[str, int]:
    calendar = icalendar.Calendar.from_ical(published_bytes(store, now)["events.ics"])
    return {str(e["SUMMARY"]): int(e["SEQUENCE"]) for e in calendar.walk("VEVENT")}


def test_ids_and_uids_stay_and_unchanged_runs_change_no_byte(registered) -> None:
    integreat = Item("i1", "Sprachcafe", "2026-12-03 18:30", location="Rathaus")
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    crawl(registered, "integreat", integreat)
    first, feeds = identities(registered), published_bytes(registered, NOW)
    for now in LATER[:3]:
        crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST, now=now)
        crawl(registered, "integreat", integreat, now=now)
        assert identities(registered) == first
        assert published_bytes(registered, now) == feeds
    assert set(first) == {"Sprachcafé im Rathaus", "Sommerfest"}
    sources = feed_events(registered, LATER[2])["Sprachcafé im Rathaus"]["sources"]
    assert [ref["source"] for ref in sources] == ["stadt", "integreat"]


def test_changes_of_title_place_and_time_raise_sequence_and_keep_the_uid(registered) -> None:
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    (event_id, uid, _) = identities(registered)["Sprachcafé im Rathaus"]
    changes = [
        Item("s1", "Sprachcafé Deutsch", SPRACHCAFE.start, SPRACHCAFE.end, RATHAUS),
        Item("s1", "Sprachcafé Deutsch", SPRACHCAFE.start, SPRACHCAFE.end, VHS),
        Item("s1", "Sprachcafé Deutsch", "2026-12-03 19:00", "2026-12-03 20:30", VHS),
    ]
    for sequence, (item, now) in enumerate(zip(changes, LATER, strict=False), start=1):
        crawl(registered, "stadt", item, SOMMERFEST, now=now)
        assert identities(registered)["Sprachcafé Deutsch"] == (event_id, uid, sequence)
        shown = feed_events(registered, now)["Sprachcafé Deutsch"]
        assert datetime.fromisoformat(shown["updated_at"]) == now
        assert ics_sequences(registered, now) == {"Sprachcafé Deutsch": sequence, "Sommerfest": 0}
    shown = feed_events(registered, LATER[2])["Sprachcafé Deutsch"]
    assert shown["start"] == "2026-12-03T19:00:00+01:00"
    assert shown["location"]["address"] == "Karlstraße 12"


def test_a_change_in_a_lower_ranked_source_leaves_the_listing_alone(registered) -> None:
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    crawl(registered, "integreat", Item("i1", "Sprachcafe", "2026-12-03 18:30", location="Rathaus"))
    before = published_bytes(registered, NOW)["events.ics"]
    renamed = Item("i1", "Sprachcafe im Rathaus", "2026-12-03 18:30", location="Rathaus")
    crawl(registered, "integreat", renamed, now=LATER[0])
    assert published_bytes(registered, LATER[0])["events.ics"] == before


def test_an_upcoming_event_is_cancelled_once_every_record_vanished(registered) -> None:
    integreat = Item("i1", "Sprachcafe", "2026-12-03 18:30", location="Rathaus")
    other = Item("i2", "Elterncafé", "2027-02-04 10:00")
    # each source keeps more than half its items: no alarm, the vanished record is gone
    reading = Item("s9", "Lesecafé", "2027-03-01 15:00")
    walk = Item("i3", "Stadtführung", "2027-03-06 14:00")
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST, reading)
    crawl(registered, "integreat", integreat, other, walk)
    (event_id, _, _) = identities(registered)["Sprachcafé im Rathaus"]
    crawl(registered, "stadt", SOMMERFEST, reading, now=LATER[0])
    shown = feed_event(registered, LATER[0], event_id)
    assert (shown["title"], shown["status"]) == ("Sprachcafe", "confirmed")
    assert [ref["source"] for ref in shown["sources"]] == ["integreat"]
    crawl(registered, "integreat", other, walk, now=LATER[1])
    shown = feed_event(registered, LATER[1], event_id)
    assert (shown["title"], shown["status"], shown["sources"]) == ("Sprachcafe", "cancelled", [])
    assert ics_sequences(registered, LATER[1])["Sprachcafe"] == 2
    cancelled = published_bytes(registered, LATER[1])
    crawl(registered, "stadt", SOMMERFEST, reading, now=LATER[2])
    crawl(registered, "integreat", other, walk, now=LATER[2])
    assert published_bytes(registered, LATER[2]) == cancelled


def test_a_past_event_whose_records_vanished_is_not_cancelled(registered) -> None:
    past = Item("s3", "Martinsumzug", "2026-11-11 17:00")
    crawl(registered, "stadt", past, SPRACHCAFE, SOMMERFEST)
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST, now=LATER[0])
    assert feed_events(registered, LATER[0])["Martinsumzug"]["status"] == "confirmed"


def test_the_listing_takes_each_field_from_the_best_source_that_has_it(store) -> None:
    register(
        store,
        ical_source("integreat", trusted=False, town=None),  # first in the file, but untrusted
        ical_source("stadt"),
        ical_source("vhs"),
    )
    at = "2026-12-03 18:30"
    crawl(store, "integreat", Item("i1", "Sprachcafe", at, location=RATHAUS))
    crawl(store, "stadt", Item("s1", "Sprachcafé im Rathaus", at))
    crawl(store, "vhs", Item("v1", "Sprachcafé", at, "2026-12-03 20:00", "Rathaus Heidenheim"))
    shown = feed_events(store, NOW)["Sprachcafé im Rathaus"]  # the title of the best source
    assert shown["end"] == "2026-12-03T20:00:00+01:00"  # the first end given for that start
    assert shown["location"]["name"] == "Rathaus Heidenheim"  # vhs: the next that names one
    assert shown["location"]["address"] == "Grabenstraße 15"  # only integreat gives one
    assert [ref["source"] for ref in shown["sources"]] == ["integreat", "stadt", "vhs"]


def test_a_source_that_renames_its_records_keeps_its_listing(registered) -> None:
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    first = identities(registered)
    crawl(
        registered,
        "stadt",
        Item("neu-1", SPRACHCAFE.title, SPRACHCAFE.start, SPRACHCAFE.end, SPRACHCAFE.location),
        Item("neu-2", SOMMERFEST.title, SOMMERFEST.start, location=SOMMERFEST.location),
        now=LATER[0],
    )
    assert identities(registered) == first
    with registered.transaction() as session:
        for event in all_events(session):
            assert sources_of(event) == {"stadt"} and event.status == "confirmed"
            assert {link.rule for link in event.links if link.active} == {"title-exact"}
