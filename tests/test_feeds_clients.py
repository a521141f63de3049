"""events.ics as clients read it: icalendar, vobject, recurring-ical-events, Mozilla's ical.js
(Thunderbird) and node-ical all see the instants, texts and statuses that events.json states,
in winter and summer time, across both DST changes, for timed and all-day events: readers
that take each VEVENT as it is read events-expanded.ics (a series as one VEVENT per
occurrence), recurring-ical-events expands events.ics (a series as a series)."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import recurring_ical_events
import vobject

from aggregator.normalize.context import FUTURE_DAYS, PAST_DAYS
from tests.conftest import NOW
from tests.support.feeds import (
    JS,
    County,
    as_text,
    county_fixture,
    instant,
)

Seen = list[dict[str, Any]]


county = county_fixture("clients")


def expected(county: County) -> Seen:
    """What a subscriber must see, from events.json: all-day ends are exclusive in iCal."""
    seen = []
    for event in county.events():
        end = event["end"]
        if event["all_day"]:
            end = (date.fromisoformat(end) + timedelta(days=1)).isoformat()
        place = event["location"]
        town = " ".join(p for p in (place["postcode"], place["town"]) if p)
        parts = [place["name"], place["address"], town]
        sources = ", ".join(dict.fromkeys(s["source"] for s in event["sources"]))
        description = "\n\n".join(p for p in (event["description"], f"Quelle: {sources}") if p)
        seen.append(
            {
                "uid": event["uid"],
                "start": instant(event["start"]),
                "end": instant(end),
                "summary": event["title"],
                "description": description,
                "location": ", ".join(dict.fromkeys(p for p in parts if p)) or None,
                "status": event["status"].upper(),
            }
        )
    return sorted(seen, key=lambda e: e["uid"])


def _from_icalendar(
    components: list[icalendar.Event], without_end: frozenset[str] = frozenset()
) -> Seen:
    return sorted(
        (
            {
                "uid": str(e["UID"]),
                "start": as_text(e.decoded("DTSTART")),
                "end": None
                if "DTEND" not in e or str(e["UID"]) in without_end
                else as_text(e.decoded("DTEND")),
                "summary": str(e["SUMMARY"]),
                "description": str(e["DESCRIPTION"]),
                "location": str(e["LOCATION"]) if "LOCATION" in e else None,
                "status": str(e["STATUS"]),
            }
            for e in components
        ),
        key=lambda e: e["uid"],
    )


def test_the_fixture_covers_winter_summer_and_both_dst_changes(county: County) -> None:
    starts = {(e["title"], e["start"], e["end"]) for e in county.events()}
    assert ("Eltern-Kind-Treff", "2027-03-27T10:00:00+01:00", "2027-03-27T11:30:00+01:00") in starts
    assert ("Eltern-Kind-Treff", "2027-04-03T10:00:00+02:00", "2027-04-03T11:30:00+02:00") in starts
    assert ("Lange Nacht im Kloster", "2027-10-30T22:00:00+02:00", "2027-10-31T03:30:00+01:00") in (
        starts
    )
    assert ("Frühlingsfest", "2027-05-08", "2027-05-08") in starts
    assert ("Kinderzeltlager", "2027-06-04", "2027-06-06") in starts
    assert any(e["status"] == "cancelled" for e in county.events())
    winter = next(e for e in county.events() if e["uid"] and e["title"].startswith("Sprachcafé:"))
    assert "\n" in winter["description"] and "😀" in winter["description"]


def test_icalendar_reads_what_events_json_states(county: County) -> None:
    calendar = icalendar.Calendar.from_ical((county.out / "events-expanded.ics").read_bytes())
    assert _from_icalendar(calendar.walk("VEVENT")) == expected(county)


def _without_uid(seen: Seen) -> list[tuple]:
    entries = (tuple(v for k, v in sorted(entry.items()) if k != "uid") for entry in seen)
    return sorted(entries, key=repr)


def test_recurring_ical_events_expands_the_window_to_the_json_occurrences(county: County) -> None:
    calendar = icalendar.Calendar.from_ical((county.out / "events.ics").read_bytes())
    window = (NOW - timedelta(days=PAST_DAYS), NOW + timedelta(days=FUTURE_DAYS))
    occurrences = recurring_ical_events.of(calendar).between(*window)
    without_end = frozenset(str(e["UID"]) for e in calendar.walk("VEVENT") if "DTEND" not in e)
    seen = _from_icalendar(occurrences, without_end)
    assert _without_uid(seen) == _without_uid(expected(county))
    assert len(calendar.walk("VEVENT")) < len(expected(county))  # the series as a series


def test_vobject_reads_what_events_json_states(county: County) -> None:
    calendar = vobject.readOne((county.out / "events-expanded.ics").read_text(encoding="utf-8"))
    seen = sorted(
        (
            {
                "uid": e.uid.value,
                "start": as_text(e.dtstart.value),
                "end": as_text(e.dtend.value) if "dtend" in e.contents else None,
                "summary": e.summary.value,
                "description": e.description.value,
                "location": e.location.value if "location" in e.contents else None,
                "status": e.status.value,
            }
            for e in calendar.vevent_list
        ),
        key=lambda e: e["uid"],
    )
    assert seen == expected(county)


@pytest.mark.parametrize("reader", ["ical.js", "node-ical"])
def test_javascript_clients_read_what_events_json_states(county: County, reader: str) -> None:
    seen = sorted(
        read_with_node(reader, county.out / "events-expanded.ics"), key=lambda e: e["uid"]
    )
    assert seen == expected(county)


def read_with_node(reader: str, path: Path) -> Seen:
    done = subprocess.run(
        ["node", str(JS / "read_feed.js"), reader, str(path)],
        cwd=JS,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_clients_see_summer_and_winter_events_at_their_local_hour(county: County) -> None:
    """10:00 in Giengen is 09:00 UTC before the March change and 08:00 UTC after it."""
    seen = {
        e["start"]
        for e in read_with_node("ical.js", county.out / "events-expanded.ics")
        if e["summary"] == "Eltern-Kind-Treff"
    }
    assert {"2027-03-27T09:00:00Z", "2027-04-03T08:00:00Z"} <= seen
    body = (county.out / "events-expanded.ics").read_bytes()
    vevents = icalendar.Calendar.from_ical(body).walk("VEVENT")
    local = {e.decoded("DTSTART") for e in vevents if str(e["SUMMARY"]) == "Eltern-Kind-Treff"}
    assert {value.strftime("%H:%M %z") for value in local} == {"10:00 +0100", "10:00 +0200"}
    assert all(isinstance(value, datetime) for value in local)
