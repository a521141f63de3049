"""Issue 17: the published feeds through the parsers that showed each defect — libical
(Evolution), sabre/vobject (Nextcloud), ical.js (Thunderbird), icalendar + recurring-ical-events,
and the Integreat CMS's own import code — and a series written as a series.

The county (tests/support/feeds.issue17_county): a weekly "Offene Sprechstunde" (Thursdays
7 January to 25 March 2027) with an EXDATE (4 February), a moved occurrence (18 February,
14:00), a cancelled one (4 March) and one merged with another source's single event (11 March);
Integreat's own events, one merged with another source's; titles, texts, URLs and times that
tripped clients.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import lxml.html
import pytest
from starlette.testclient import TestClient

from aggregator.dates.timezones import local
from feeds.catalog import Catalog
from feeds.ical import series_uid
from feeds.integreat import DEFAULT_LENGTH, FILTER_VALUES
from tests.conftest import NOW
from tests.support.feeds import County, issue17_county
from tests.support.parsers import (
    by_start,
    cms_import,
    expected,
    icaljs,
    libical,
    occurrences,
    recurring,
    sabre,
)
from web.server import create_app

SPRECHSTUNDE = "Offene Sprechstunde"
URI = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2}")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory):
    with issue17_county(tmp_path_factory.mktemp("issue17")) as county:
        yield county


@pytest.fixture(scope="module")
def client(county: County):
    with TestClient(create_app(county.store, clock=lambda: NOW)) as client:
        yield client


@pytest.fixture(scope="module")
def cms(county: County) -> dict[str, Any]:
    return cms_import(county.out / "integreat" / "events.ics")


def path(county: County, name: str) -> Path:
    return county.out / name


def vevents(body: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def series_events(county: County) -> list[dict[str, Any]]:
    return [e for e in county.events() if e["title"] == SPRECHSTUNDE]


# --- series ---------------------------------------------------------------------------------


def test_the_fixture_series_has_each_kind_of_exception(county: County) -> None:
    found = {e["start"]: e for e in series_events(county)}
    assert len({e["series"] for e in found.values()}) == 1
    assert "2027-02-04T10:00:00+01:00" not in found  # EXDATE
    assert "2027-02-18T14:00:00+01:00" in found  # moved
    assert found["2027-03-04T10:00:00+01:00"]["status"] == "cancelled"
    merged = found["2027-03-11T10:00:00+01:00"]
    assert [s["source"] for s in merged["sources"]] == ["vhs", "buecherei"]
    assert len(found) == 11


def test_the_series_is_one_vevent_with_its_exceptions(county: County) -> None:
    body = path(county, "events.ics").read_bytes()
    series = series_events(county)[0]["series"]
    mine = [e for e in vevents(body) if str(e["UID"]) == series_uid(series)]
    master = next(e for e in mine if "RECURRENCE-ID" not in e)
    assert master.decoded("RRULE")["FREQ"] == ["WEEKLY"]
    exdates = [local(d.dt).replace(tzinfo=None) for d in master["EXDATE"].dts]
    assert exdates == [datetime(2027, 2, 4, 10, 0)]
    overrides = {
        local(e.decoded("RECURRENCE-ID")).replace(tzinfo=None): e
        for e in mine
        if "RECURRENCE-ID" in e
    }
    assert sorted(overrides) == [
        datetime(2027, 2, 18, 10, 0),
        datetime(2027, 3, 4, 10, 0),
        datetime(2027, 3, 11, 10, 0),
    ]
    assert str(overrides[datetime(2027, 3, 4, 10, 0)]["STATUS"]) == "CANCELLED"
    assert "Stadtbücherei" in str(overrides[datetime(2027, 3, 11, 10, 0)]["DESCRIPTION"])
    assert len([e for e in vevents(body) if str(e["SUMMARY"]) == SPRECHSTUNDE]) == 4


@pytest.mark.parametrize("reader", [libical, icaljs, sabre])
def test_three_clients_expand_events_ics_to_exactly_events_json(county: County, reader) -> None:
    seen = reader(path(county, "events.ics"))
    assert occurrences(seen) == expected(county.events())
    series = {uid for (_, title), uid in by_start(seen).items() if title == SPRECHSTUNDE}
    assert series == {series_uid(series_events(county)[0]["series"])}


def test_recurring_ical_events_expands_every_calendar_to_its_json_counterpart(
    county: County, client: TestClient
) -> None:
    """Every calendar of the catalog, filtered by category, town or source, holding all, some
    or one of the series' occurrences."""
    with county.store.transaction() as session:
        specs = [s for s in Catalog.of(session).feeds.values() if s.profile == "ics"]
    assert len(specs) > 30
    for spec in specs:
        query = {
            k: v
            for k, v in (
                ("category", spec.where.category),
                ("town", spec.where.town),
                ("source", spec.where.source),
            )
            if v
        }
        events = client.get("/events.json", params=query).json()["events"]
        seen = recurring(path(county, spec.path).read_bytes())
        assert occurrences(seen) == expected(events), spec.path
    partial = recurring(path(county, "events/source/buecherei.ics").read_bytes())
    assert SPRECHSTUNDE in {e["summary"] for e in partial}


@pytest.mark.parametrize(
    "query",
    ["from=2027-02-10&to=2027-03-05", "q=Sprechstunde", "q=Sprechstunde&from=2027-03-01"],
)
def test_a_filtered_calendar_holding_part_of_a_series_expands_to_its_json(
    county: County, client: TestClient, tmp_path: Path, query: str
) -> None:
    events = client.get(f"/events.json?{query}").json()["events"]
    assert any(e["title"] == SPRECHSTUNDE for e in events)
    feed = tmp_path / "filtered.ics"
    feed.write_bytes(client.get(f"/events.ics?{query}").content)
    for reader in (libical, icaljs):
        assert occurrences(reader(feed)) == expected(events), (query, reader.__name__)
    assert occurrences(recurring(feed.read_bytes())) == expected(events)


def test_expand_gives_one_vevent_per_occurrence_with_its_own_uid(
    county: County, client: TestClient
) -> None:
    static = path(county, "events-expanded.ics").read_bytes()
    assert client.get("/events.ics?expand=1").content == static
    assert client.get("/events-expanded.ics").content == static
    found = vevents(static)
    assert {str(e["UID"]) for e in found} == {e["uid"] for e in county.events()}
    assert not any("RRULE" in e or "RECURRENCE-ID" in e for e in found)
    assert occurrences(libical(path(county, "events-expanded.ics"))) == expected(county.events())


def test_the_cms_imports_the_series_as_one_event_per_run(
    county: County, cms: dict[str, Any]
) -> None:
    """Runs: 7–28 January (a rule), 11 February, 25 February, 18–25 March (a rule); the moved,
    cancelled and merged occurrences single events: seven CMS events for eleven dates."""
    assert cms["refused"] == []
    mine = [e for e in cms["created"] if e["title"].endswith(SPRECHSTUNDE)]
    assert len(mine) == 7
    rules = sorted((e["start_date"], e["dates"]) for e in mine if e["recurring"])
    assert rules == [
        ("2027-01-07", ["2027-01-07", "2027-01-14", "2027-01-21", "2027-01-28"]),
        ("2027-03-18", ["2027-03-18", "2027-03-25"]),
    ]
    dates = sorted(
        (d, e["start_time"], e["end_time"], e["title"]) for e in mine for d in e["dates"]
    )
    wanted = []
    for event in series_events(county):
        start, end = (datetime.fromisoformat(event[k]) for k in ("start", "end"))
        title = ("Abgesagt: " if event["status"] == "cancelled" else "") + event["title"]
        wanted.append((f"{start:%Y-%m-%d}", f"{start:%H:%M:%S}", f"{end:%H:%M:%S}", title))
    assert dates == sorted(wanted)


def test_the_cms_creates_every_other_event_once_with_its_times(
    county: County, cms: dict[str, Any]
) -> None:
    created = []
    for event in cms["created"]:
        for day in event["dates"]:
            end_date = day if event["recurring"] else event["end_date"]
            created.append((event["title"], day, event["start_time"], end_date, event["end_time"]))
    wanted = []
    for event in county.events():
        if {s["source"] for s in event["sources"]} == {"integreat"}:
            continue
        title = ("Abgesagt: " if event["status"] == "cancelled" else "") + event["title"]
        if event["all_day"]:
            wanted.append((title, event["start"], None, event["end"], None))
            continue
        start = datetime.fromisoformat(event["start"])
        end = datetime.fromisoformat(event["end"]) if event["end"] else start + DEFAULT_LENGTH
        start, end = local(start), local(end)
        wanted.append(
            (title, f"{start:%Y-%m-%d}", f"{start:%H:%M:%S}", f"{end:%Y-%m-%d}", f"{end:%H:%M:%S}")
        )
    assert sorted(created) == sorted(wanted)


# --- defects ---------------------------------------------------------------------------------


def test_1_the_cms_is_not_fed_its_own_events(county: County, cms: dict[str, Any]) -> None:
    titles = {e["title"] for e in cms["created"]}
    assert "Sprachcafé Deutsch" not in titles  # Integreat's own series
    assert "Online-Infoabend Ausbildung" not in titles
    assert "Tag der offenen Tür im Integrationszentrum" in titles  # merged with the Bücherei's
    public = {e["summary"] for e in libical(path(county, "events.ics"))}
    assert {"Sprachcafé Deutsch", "Online-Infoabend Ausbildung"} <= public


def test_2_a_title_starting_with_abgesagtes_is_a_confirmed_title(
    county: County, cms: dict[str, Any]
) -> None:
    (concert,) = [
        e
        for e in vevents(path(county, "events.ics").read_bytes())
        if "Konzert" in str(e["SUMMARY"])
    ]
    assert (str(concert["SUMMARY"]), str(concert["STATUS"])) == (
        "Abgesagtes Konzert wird nachgeholt",
        "CONFIRMED",
    )
    assert "Abgesagtes Konzert wird nachgeholt" in {e["title"] for e in cms["created"]}


def test_3_the_cms_shows_angle_brackets_and_ampersands_as_text(cms: dict[str, Any]) -> None:
    (course,) = [e for e in cms["created"] if e["title"].startswith("Deutsch & Mathe")]
    shown = lxml.html.fromstring(course["content"]).text_content()
    assert "Kurs für Eltern & Kinder: <Anmeldung> nötig, 3 < 5 > 2." in shown
    assert "Haus & C, Karlstraße 12, 89518 Heidenheim an der Brenz" in shown


def test_4_one_combined_calendar_and_the_exact_filter_values(
    county: County, client: TestClient
) -> None:
    page = client.get("/feeds", headers={"Host": "feeds.example"}).text
    assert "Empfohlen" in page and "http://feeds.example/integreat/events.ics" in page
    for value in FILTER_VALUES:
        assert f"<code>{value}</code>" in page
    combined = county.out / "integreat" / "events.ics"
    for value in ("sprache", "alltag-freizeit"):
        imported = cms_import(combined, value)["created"]
        titles = {e["title"].removeprefix("Abgesagt: ") for e in imported}
        wanted = {
            e["title"]
            for e in county.events()
            if value in e["categories"] and {s["source"] for s in e["sources"]} != {"integreat"}
        }
        assert titles == wanted and titles, value


def test_5_times_in_the_repeated_hour_are_written_in_utc(county: County) -> None:
    body = path(county, "events.ics").read_bytes()
    assert b"DTSTART:20271031T003000Z" in body and b"DTSTART:20271031T013000Z" in body
    assert b"DTSTART;TZID=Europe/Berlin:20271031T023000" not in body
    for reader in (libical, icaljs, sabre):
        starts = {e["summary"][-12:]: e["start"] for e in reader(path(county, "events.ics"))}
        assert starts["(Sommerzeit)"] == "2027-10-31T00:30:00Z", reader.__name__
        assert starts["(Winterzeit)"] == "2027-10-31T01:30:00Z", reader.__name__
    assert b"DTSTART;TZID=Europe/Berlin:20270212T190000" in body  # elsewhere: local time


def test_6_an_event_without_end_has_no_dtend_and_end_null(
    county: County, cms: dict[str, Any]
) -> None:
    (cafe,) = [e for e in county.events() if e["title"] == "Lesecafé"]
    assert cafe["end"] is None
    for reader in (libical, sabre, icaljs):
        (seen,) = [e for e in reader(path(county, "events.ics")) if e["summary"] == "Lesecafé"]
        assert (seen["start"], seen["end"]) == ("2027-01-21T14:00:00Z", None), reader.__name__
    (imported,) = [e for e in cms["created"] if e["title"] == "Lesecafé"]
    assert (imported["start_time"], imported["end_time"]) == ("15:00:00", "16:00:00")
    assert "Ende nicht angegeben (eingetragen mit 1 Stunde)." in imported["content"]
    for body in (
        path(county, "events.ics").read_bytes(),
        path(county, "events-expanded.ics").read_bytes(),
    ):
        for event in vevents(body):
            if "DTEND" in event:
                assert event.decoded("DTEND") > event.decoded("DTSTART")


def test_8_urls_are_valid_uris(county: County) -> None:
    (lesung,) = [e for e in sabre(path(county, "events.ics")) if e["summary"] == "Lesung mit Café"]
    assert lesung["url"] == (
        "https://xn--bcherei-n2a.example/veranstaltungen/Lesung%20mit%20Caf%C3%A9"
        "?ort=K%C3%B6nigsbronn&x=a%20b#teil%202"
    )
    for event in sabre(path(county, "events.ics")):
        if event["url"]:
            assert "".join(URI.findall(event["url"])) == event["url"], event["url"]


def test_9_a_title_with_nothing_printable_is_published_nowhere(tmp_path: Path) -> None:
    from sqlalchemy import select

    from aggregator.events.queries import published_events
    from aggregator.store.models import Event
    from feeds.publish import render_feeds, write_feeds

    with issue17_county(tmp_path) as county:
        with county.store.transaction() as session:
            event = session.scalars(select(Event).where(Event.title == "Lesecafé")).one()
            event.title, event.updated_at = "\x07\x01 \x1f", NOW + timedelta(minutes=1)
        with county.store.transaction() as session:
            assert all(view.publishable for view in published_events(session, now=NOW))
            write_feeds(render_feeds(session, now=NOW), county.out)
        assert "Lesecafé" not in {e["title"] for e in county.events()}
        assert len(county.events()) == 31
        for name, body in county.feed_files().items():
            if name.endswith(".ics"):
                for vevent in vevents(body):
                    assert str(vevent["SUMMARY"]).strip(), name
                assert b"SUMMARY:\r\n" not in body and b"DESCRIPTION:\r\n" not in body


def test_10_categories_and_sources_by_their_names(county: County) -> None:
    (lesung,) = [
        e
        for e in vevents(path(county, "events.ics").read_bytes())
        if str(e["SUMMARY"]) == "Lesung mit Café"
    ]
    assert [str(c) for c in lesung["CATEGORIES"].cats] == ["Alltag & Freizeit"]
    (seen,) = [e for e in icaljs(path(county, "events.ics")) if e["summary"] == "Lesung mit Café"]
    assert seen["description"] == "Quelle: Volkshochschule Heidenheim"
    profile = vevents((county.out / "integreat" / "events.ics").read_bytes())
    (cms_lesung,) = [e for e in profile if str(e["SUMMARY"]) == "Lesung mit Café"]
    assert [str(c) for c in cms_lesung["CATEGORIES"].cats] == ["alltag-freizeit"]


def test_all_day_events_keep_their_last_day(county: County) -> None:
    (tuer,) = [e for e in county.events() if e["title"].startswith("Tag der offenen Tür")]
    assert (tuer["start"], tuer["end"]) == ("2027-03-20", "2027-03-20")
    (seen,) = [e for e in libical(path(county, "events.ics")) if e["summary"] == tuer["title"]]
    assert (seen["start"], seen["end"]) == ("2027-03-20", "2027-03-21")
