"""Whatever text goes into the iCal writer comes out parseable, unchanged, and unable to inject
properties or components (RFC 5545 §3.1 folding, §3.3.11 TEXT escaping)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.events.view import EventView
from aggregator.listings import SourceRef
from feeds.ical import CONTROL, render_calendar

STAMP = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # any code point a str can hold
    max_size=300,
)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))  # iCal times have whole seconds


def view(title: str, description: str, place: str, start: datetime | date) -> EventView:
    all_day = not isinstance(start, datetime)
    return EventView(
        id="e1",
        uid="e1@lotse",
        title=title,
        description=description,
        start=start,
        end=start if all_day else start + timedelta(hours=2),
        all_day=all_day,
        timezone="Europe/Berlin",
        status="confirmed",
        categories=("sprache",),
        location_name=place,
        location_address=None,
        postcode=None,
        town=None,
        lat=None,
        lon=None,
        url="https://example.org/a b\r\nX-INJECTED:1",
        series=None,
        sequence=0,
        created_at=STAMP,
        updated_at=STAMP,
        sources=(SourceRef("vhs", None, None),),
    )


def cleaned(text: str) -> str:
    """What the writer promises to keep: everything but control characters; CR/LF as LF."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@settings(max_examples=300, deadline=None)
@given(title=texts, description=texts, place=texts, start=instants)
def test_any_text_round_trips_without_injection(title, description, place, start) -> None:
    body = render_calendar([view(title, description, place, start)], name="Test")
    assert all(len(line) <= 75 for line in body.split(b"\r\n")), "folded at 75 octets"
    calendar = icalendar.Calendar.from_ical(body)
    if not cleaned(title).split():  # nothing left to call it: no VEVENT, never an empty SUMMARY
        assert calendar.walk("VEVENT") == [] and b"SUMMARY:" not in body
        return
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == cleaned(title)
    assert str(event["DESCRIPTION"]).startswith(cleaned(description).strip())
    assert event.decoded("DTSTART") == start
    assert "X-INJECTED" not in event
    assert len(calendar.subcomponents) == 2  # the VTIMEZONE and this one VEVENT


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)))
def test_all_day_events_keep_their_day(day: date) -> None:
    body = render_calendar([view("Markt", "", "", day)], name="Test")
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert event.decoded("DTSTART") == day
    assert event.decoded("DTEND") == day + timedelta(days=1)


def test_a_re_render_writes_only_the_events_that_changed() -> None:
    """VEVENT bytes are cached by the event's view: after one change of a hundred, one VEVENT
    is written anew, and the calendar is the same as a fresh rendering."""
    from dataclasses import replace

    from feeds.ical import VeventCache

    start = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    views = [
        replace(
            view(f"Kurs {n}", "Text", "Ort", start + timedelta(hours=n)), id=f"e{n}", uid=f"e{n}@x"
        )
        for n in range(100)
    ]
    cache = VeventCache()
    first = render_calendar(views, name="Test", cache=cache)
    assert cache.renders == 100
    views[42] = replace(views[42], title="Kurs 42 (verlegt)", sequence=1)
    second = render_calendar(views, name="Test", cache=cache)
    assert cache.renders == 101
    assert second == render_calendar(views, name="Test", cache=VeventCache()) != first
