"""Markup, script, line breaks and javascript:/data: URLs in every field a source sends, through
a real pass over loopback HTTP: stored as plain text, published so that no feed gains a property
or a component, and no URL but http(s) ever leaves Lotse."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import select, update

from aggregator.store import Store
from aggregator.store.models import Apprenticeship, Event, EventLink
from feeds.publish import render_feeds
from tests.conftest import NOW
from tests.support.hostile import fill_with_markup, last_run, record_problems
from tests.support.server import FixtureServer

VEVENT_PROPERTIES = {
    "UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY",
    "STATUS", "DESCRIPTION", "LOCATION", "GEO", "CATEGORIES", "URL",
}  # fmt: skip
NOT_WEB = re.compile(r"(?i)\b(javascript|data|vbscript|file):")


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    path = tmp_path_factory.mktemp("markup")
    store = Store(f"sqlite:///{path / 'lotse.db'}")
    with FixtureServer().running() as site:
        fill_with_markup(store, site, path / "public")
    yield store, path / "public"
    store.dispose()


def stored_events(store: Store) -> dict[str, Event]:
    with store.transaction() as session:
        return {event.title: event for event in session.scalars(select(Event))}


def test_markup_is_stored_as_plain_text(marked) -> None:
    store, _ = marked
    events = stored_events(store)
    konzert = events["Konzert im Park"]  # was "<b>Konzert</b> im Park<script>alert(1)</script>"
    assert konzert.description == "Mit <script>alert(2)</script> und Musik."  # escaped: text
    assert (konzert.location_name, konzert.location_address) == (
        "Festhalle X-INJECTED:location",
        "Parkstraße 1 BEGIN:VALARM",
    )
    assert 'Filmabend "Das Boot" & mehr' in events
    assert "Nachbarschaftsfest" in events  # "<script>alert(13)</script>" was a script element
    for event in events.values():
        assert "<b>" not in event.title and "<i>" not in event.title
        assert "onerror" not in event.description and "\r" not in event.description
        assert "\n" not in event.title and "\n" not in (event.location_name or "")
    with store.transaction() as session:
        (job,) = session.scalars(select(Apprenticeship))
        assert (job.title, job.company) == ("Maler/in", "Malerbetrieb GmbH")


def test_no_url_but_http_is_stored_or_published(marked) -> None:
    store, out = marked
    with store.transaction() as session:
        urls = [e.url for e in session.scalars(select(Event))]
        urls += [a.url for a in session.scalars(select(Apprenticeship))]
    assert all(url is None or url.startswith(("http://", "https://")) for url in urls)
    for feed in out.rglob("*.*"):
        text = gzip.decompress(feed.read_bytes()) if feed.suffix == ".gz" else feed.read_bytes()
        assert not NOT_WEB.search(text.decode()), feed.name


def test_no_line_break_adds_a_property_or_a_component_to_a_calendar(marked) -> None:
    _, out = marked
    events = json.loads((out / "events.json").read_text())["events"]
    calendars = sorted(out.rglob("*.ics"))
    assert len(calendars) > 1  # events.ics and the category calendars
    for path in calendars:
        body = path.read_bytes()
        calendar = icalendar.Calendar.from_ical(body)
        assert [c.name for c in calendar.subcomponents][:1] == ["VTIMEZONE"]
        for vevent in calendar.walk("VEVENT"):
            assert set(vevent) <= VEVENT_PROPERTIES, path.name
            assert vevent.subcomponents == []  # no VALARM slipped in
        unfolded = re.sub(rb"\r\n[ \t]", b"", body).split(b"\r\n")
        assert not [line for line in unfolded if line.startswith((b"X-INJECTED", b"SUMMARY:Fremd"))]
        assert unfolded.count(b"BEGIN:VEVENT") == len(calendar.walk("VEVENT"))
    (whole,) = [icalendar.Calendar.from_ical((out / "events.ics").read_bytes())]
    assert sorted(str(v["SUMMARY"]) for v in whole.walk("VEVENT")) == sorted(
        e["title"] for e in events
    )


def test_the_injected_text_stays_inside_its_value(marked) -> None:
    _, out = marked
    calendar = icalendar.Calendar.from_ical((out / "events.ics").read_bytes())
    by_title = {str(v["SUMMARY"]): v for v in calendar.walk("VEVENT")}
    lesung = by_title["Lesung DTSTART:19700101T000000Z X-INJECTED:title"]
    assert str(lesung["DESCRIPTION"]).startswith(
        "Erste Zeile\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:eingeschleust"
    )
    assert lesung.decoded("DTSTART").year == 2026
    konzert = by_title["Konzert im Park"]
    assert str(konzert["LOCATION"]).startswith("Festhalle X-INJECTED:location, Parkstraße 1")


def test_markup_in_problems_and_errors_is_kept_as_text(marked) -> None:
    store, _ = marked
    assert last_run(store, "kaputt").error.endswith("the document's root element is <script>")
    ((key, messages),) = record_problems(store, "kirche").items()
    assert key.endswith("#kaputt")
    assert messages == [
        "startDate '<script>alert(15)</script>' is not an ISO 8601 date or date-time"
    ]


def test_a_script_url_that_reached_the_store_anyway_is_not_published(tmp_path) -> None:
    """The feeds' own check, behind normalization's: a listing and a source link whose URL is
    javascript: or data: (an old row, a staff edit gone wrong) publish without it."""
    store = Store(f"sqlite:///{tmp_path / 'lotse.db'}")
    try:
        with FixtureServer().running() as site:
            fill_with_markup(store, site, tmp_path / "public")
        with store.transaction() as session:
            session.execute(update(Event).values(url="javascript:alert(20)"))
            session.execute(update(Apprenticeship).values(url="data:text/html,x"))
            for link in session.scalars(select(EventLink)):
                link.fields = {**link.fields, "url": " JAVASCRIPT:alert(21)"}
            session.execute(update(Apprenticeship).values(review_state="published"))
        with store.transaction() as session:
            feeds = render_feeds(session, now=NOW)
    finally:
        store.dispose()
    bodies = {feed.path: feed.body.decode() for feed in feeds}
    assert (
        "Maler/in" in bodies["apprenticeships.json"] and "Konzert im Park" in bodies["events.json"]
    )
    for feed in feeds:
        assert not NOT_WEB.search(feed.body.decode()), feed.path
