"""Series forms beyond the county's weekly one (feeds/series.py): the rule each shape of series
gets, RDATE where no rule fits, occurrences one by one where a time is unclear; every form
expands in libical, ical.js and recurring-ical-events to exactly its occurrences; the Integreat
profile writes what the CMS cannot express occurrence by occurrence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from aggregator.events.view import EventView
from aggregator.listings import SourceRef
from feeds.ical import VeventCache, render_calendar, series_uid
from feeds.integreat import render_integreat
from tests.support.parsers import cms_import, icaljs, libical, occurrences, recurring, sabre

BERLIN = ZoneInfo("Europe/Berlin")

STAMP = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SERIES = "6b0f7c1e-0000-5000-8000-000000000001"


def occurrence(start: datetime | date, n: int, **changes: object) -> EventView:
    timed = isinstance(start, datetime)
    slot = start.astimezone(UTC) if isinstance(start, datetime) else start
    view = EventView(
        id=f"e{n}",
        uid=f"e{n}@lotse",
        title="Yoga im Park",
        description="Matte mitbringen.",
        start=start,
        end=start + timedelta(hours=1) if timed else start,
        all_day=not timed,
        timezone="Europe/Berlin",
        status="confirmed",
        categories=("alltag-freizeit",),
        location_name="Brenzpark",
        location_address=None,
        postcode="89518",
        town="Heidenheim an der Brenz",
        lat=None,
        lon=None,
        url="https://example.org/yoga",
        series=SERIES,
        sequence=0,
        created_at=STAMP,
        updated_at=STAMP,
        sources=(SourceRef("vhs", None, None, kind="ical", name="VHS"),),
        slot=slot,
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def at(day: date, hour: int = 18, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def expected(views: list[EventView]) -> list[tuple]:
    seen = []
    for v in views:
        if v.all_day:
            start, end = v.start.isoformat(), (v.end + timedelta(days=1)).isoformat()  # type: ignore[operator]
        else:
            start, end = (
                x.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for x in (v.start, v.end)
            )  # type: ignore[union-attr]
        seen.append(
            {
                "start": start,
                "end": end,
                "summary": v.title,
                "description": f"{v.description}\n\nQuelle: VHS",
                "location": "Brenzpark, 89518 Heidenheim an der Brenz",
                "status": v.status.upper(),
            }
        )
    return occurrences(seen)


def events_part(body: bytes) -> bytes:
    """The calendar after its VTIMEZONE (whose DST rules are RRULEs too)."""
    return body.split(b"END:VTIMEZONE")[1]


def written(tmp_path: Path, views: list[EventView]) -> tuple[bytes, Path]:
    body = render_calendar(views, name="Test", cache=VeventCache())
    path = tmp_path / "series.ics"
    path.write_bytes(body)
    return body, path


def expands_exactly(tmp_path: Path, views: list[EventView]) -> bytes:
    body, path = written(tmp_path, views)
    for seen in (recurring(body), libical(path), icaljs(path)):
        assert occurrences(seen) == expected(views)
    return body


THURSDAYS = [date(2027, 1, 7) + timedelta(weeks=n) for n in range(8)]


@pytest.mark.parametrize(
    ("days", "rule"),
    [
        (THURSDAYS, "FREQ=WEEKLY;BYDAY=TH"),
        (THURSDAYS[::2], "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"),
        (
            sorted(THURSDAYS + [d - timedelta(days=2) for d in THURSDAYS]),
            "FREQ=WEEKLY;BYDAY=TU,TH",
        ),
        ([date(2027, 1, 4) + timedelta(days=3 * n) for n in range(6)], "FREQ=DAILY;INTERVAL=3"),
        ([date(2027, m, 15) for m in range(1, 7)], "FREQ=MONTHLY;UNTIL"),
        ([date(2027, 1, 5), date(2027, 2, 2), date(2027, 3, 2), date(2027, 4, 6)], "BYDAY=1TU"),
        ([date(2027, 1, 26), date(2027, 2, 23), date(2027, 3, 30)], "BYDAY=-1TU"),
        ([date(2026, 11, 1), date(2027, 11, 1)], "FREQ=YEARLY"),
    ],
)
def test_each_shape_gets_its_rule_and_expands_exactly(tmp_path, days, rule) -> None:
    views = [occurrence(at(day), n) for n, day in enumerate(days)]
    body = expands_exactly(tmp_path, views)
    assert rule.encode() in body
    (master,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(master["UID"]) == series_uid(SERIES)


IRREGULAR = [date(2027, 1, 7), date(2027, 1, 9), date(2027, 2, 22), date(2027, 6, 1)]


def test_where_no_rule_fits_the_occurrences_are_written_one_by_one(tmp_path) -> None:
    views = [occurrence(at(day), n) for n, day in enumerate(IRREGULAR)]
    body = expands_exactly(tmp_path, views)
    assert b"RRULE" not in events_part(body) and b"RDATE" not in body
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    assert uids == {view.uid for view in views}


def test_why_not_rdates_the_clients_disagree_on_them(tmp_path) -> None:
    """The same four dates as DTSTART and RDATEs: libical reads the RDATEs' TZID as UTC (an
    hour off), ical.js leaves out DTSTART, sabre/vobject 2 sees only DTSTART; only
    recurring-ical-events expands them as RFC 5545 says."""
    from feeds.ical import series_bytes

    views = [occurrence(at(day), n) for n, day in enumerate(IRREGULAR)]
    head = render_calendar([], name="Test", cache=VeventCache()).removesuffix(b"END:VCALENDAR\r\n")
    path = tmp_path / "rdates.ics"
    path.write_bytes(head + series_bytes(views, rdates=True) + b"END:VCALENDAR\r\n")
    assert b"RDATE;TZID=Europe/Berlin:" in path.read_bytes()
    wanted = expected(views)
    assert occurrences(recurring(path.read_bytes())) == wanted
    assert occurrences(libical(path)) != wanted
    assert occurrences(icaljs(path)) != wanted
    assert len(sabre(path)) == 1


def test_an_all_day_series_with_a_dropped_and_a_cancelled_date(tmp_path) -> None:
    views = [occurrence(day, n) for n, day in enumerate(THURSDAYS) if n != 3]
    views[4] = replace(views[4], status="cancelled")
    body = expands_exactly(tmp_path, views)
    assert b"EXDATE;VALUE=DATE:20270128" in body
    assert b"RECURRENCE-ID;VALUE=DATE:20270211" in body


def test_a_series_in_the_repeated_hour_is_written_occurrence_by_occurrence(tmp_path) -> None:
    sundays = [date(2027, 10, 17), date(2027, 10, 24), date(2027, 10, 31)]
    views = [occurrence(at(day, 2, 30), n) for n, day in enumerate(sundays)]
    body = expands_exactly(tmp_path, views)
    assert b"RRULE" not in events_part(body) and b"DTSTART:20271031T" in body
    assert {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")} == {
        "e0@lotse",
        "e1@lotse",
        "e2@lotse",
    }


def test_the_cms_gets_what_it_cannot_repeat_one_by_one(tmp_path) -> None:
    """DAILY and MONTHLY on a day are no rules for the CMS: one event per date, all taken."""
    for days in (
        [date(2027, 1, 4) + timedelta(days=3 * n) for n in range(5)],
        [date(2027, m, 15) for m in range(1, 5)],
    ):
        views = [occurrence(at(day), n) for n, day in enumerate(days)]
        path = tmp_path / "integreat.ics"
        path.write_bytes(render_integreat(views, name="Test", category=None))
        assert b"RRULE" not in events_part(path.read_bytes())
        result = cms_import(path)
        assert result["refused"] == []
        assert sorted(d for e in result["created"] for d in e["dates"]) == [
            day.isoformat() for day in days
        ]


def test_the_cms_repeats_a_monthly_nth_weekday_as_one_event(tmp_path) -> None:
    days = [date(2027, 1, 5), date(2027, 2, 2), date(2027, 3, 2), date(2027, 4, 6)]
    views = [occurrence(at(day), n) for n, day in enumerate(days)]
    path = tmp_path / "integreat.ics"
    path.write_bytes(render_integreat(views, name="Test", category=None))
    result = cms_import(path)
    (event,) = result["created"]
    assert event["recurring"] and event["dates"] == [day.isoformat() for day in days]
    assert (event["start_time"], event["end_time"]) == ("18:00:00", "19:00:00")
