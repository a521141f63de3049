"""iCal as docs/design.md's lessons say: every feed file well-formed (CRLF, 75-octet folds, no
METHOD, a VTIMEZONE in RRULE form for every TZID, refresh hints), every VEVENT with what
subscribers rely on, each feed with its own events and a human name, bytes stable across runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from tests.conftest import NOW
from tests.support.feeds import County, county_fixture, published_county

TZID = re.compile(rb";TZID=([^:;]+)[:;]")
NAMES = {
    "events.ics": "Landkreis Heidenheim – Veranstaltungen",
    "events/sprache.ics": "Landkreis Heidenheim – Sprache",
    "events/alltag-freizeit.ics": "Landkreis Heidenheim – Alltag & Freizeit",
    "events/town/koenigsbronn.ics": "Königsbronn – Veranstaltungen",
    "events/town/heidenheim-an-der-brenz.ics": "Heidenheim an der Brenz – Veranstaltungen",
    "events/source/clients.ics": "Landkreis Heidenheim – Veranstaltungen – Quelle: clients",
    "integreat/events.ics": "Landkreis Heidenheim – Veranstaltungen – für Integreat",
    "integreat/familie.ics": "Landkreis Heidenheim – Familie – für Integreat",
}


county = county_fixture("ical")


def calendars(county: County) -> dict[str, bytes]:
    return {path: body for path, body in county.feed_files().items() if path.endswith(".ics")}


def vevents(body: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def test_every_calendar_is_folded_at_75_octets_with_crlf(county: County) -> None:
    assert len(calendars(county)) > 20
    for path, body in calendars(county).items():
        assert body.endswith(b"END:VCALENDAR\r\n"), path
        assert b"\n" not in body.replace(b"\r\n", b""), f"{path}: bare LF"
        for line in body.split(b"\r\n"):
            assert len(line) <= 75, (path, line)
            line.decode("utf-8")  # a fold never splits a UTF-8 sequence
    folded = [line for line in calendars(county)["events.ics"].split(b"\r\n") if line[:1] == b" "]
    assert folded, "the long description is folded onto continuation lines"


def test_every_calendar_has_the_subscription_headers_and_no_method(county: County) -> None:
    for path, body in calendars(county).items():
        calendar = icalendar.Calendar.from_ical(body)
        assert str(calendar["VERSION"]) == "2.0"
        assert str(calendar["PRODID"]).startswith("-//Lotse//")
        assert "METHOD" not in calendar, path
        assert str(calendar["X-PUBLISHED-TTL"]) == "PT3H"
        assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT3H\r\n" in body
        assert str(calendar["X-WR-CALNAME"]).strip(), path


def test_calendars_have_human_names(county: County) -> None:
    files = calendars(county)
    for path, name in NAMES.items():
        assert str(icalendar.Calendar.from_ical(files[path])["X-WR-CALNAME"]) == name


def test_every_tzid_has_a_vtimezone_in_rrule_form(county: County) -> None:
    for path, body in calendars(county).items():
        calendar = icalendar.Calendar.from_ical(body)
        zones = {str(zone["TZID"]): zone for zone in calendar.walk("VTIMEZONE")}
        used = {match.decode() for match in TZID.findall(body)}
        assert used <= set(zones), path
        for zone in zones.values():
            rules = zone.walk("DAYLIGHT") + zone.walk("STANDARD")
            assert len(rules) == 2
            assert all("RRULE" in rule and "RDATE" not in rule for rule in rules)
    assert b"TZID=Europe/Berlin" in calendars(county)["events.ics"]


def test_every_vevent_carries_what_subscribers_rely_on(county: County) -> None:
    expanded = (county.out / "events-expanded.ics").read_bytes()
    by_uid = {str(e["UID"]): e for e in vevents(expanded)}
    events = county.events()
    assert by_uid.keys() == {e["uid"] for e in events}
    for event in events:
        vevent = by_uid[event["uid"]]
        updated = datetime.fromisoformat(event["updated_at"]).astimezone(UTC)
        assert vevent.decoded("DTSTAMP") == updated  # from updated_at, not "now"
        assert vevent.decoded("LAST-MODIFIED") == updated
        assert isinstance(vevent.decoded("SEQUENCE"), int)
        assert str(vevent["STATUS"]) == event["status"].upper()
        if event["url"]:
            assert str(vevent["URL"]) == event["url"]
        else:
            assert "URL" not in vevent
        assert [str(c) for c in vevent["CATEGORIES"].cats] == event["category_names"]
        sources = {s["name"] for s in event["sources"]}
        assert str(vevent["DESCRIPTION"]).endswith(f"Quelle: {', '.join(sorted(sources))}")
        location = event["location"]
        if location["lat"] is not None:
            assert vevent["GEO"].latitude == pytest.approx(location["lat"])
            assert vevent["GEO"].longitude == pytest.approx(location["lon"])
        else:
            assert "GEO" not in vevent
    cancelled = [e for e in events if e["status"] == "cancelled"]
    assert cancelled and all(str(by_uid[e["uid"]]["STATUS"]) == "CANCELLED" for e in cancelled)


def test_the_source_url_survives_with_its_query(county: County) -> None:
    uid = next(e["uid"] for e in county.events() if e["title"].startswith("Sprachcafé:"))
    vevent = next(
        e for e in vevents(calendars(county)["events-expanded.ics"]) if str(e["UID"]) == uid
    )
    assert str(vevent["URL"]) == "https://clients.example/sprachcafe?tag=1&ort=rathaus"
    assert (vevent["GEO"].latitude, vevent["GEO"].longitude) == (48.676, 10.152)


@pytest.mark.parametrize(
    ("path", "belongs"),
    [
        ("events/sprache.ics", lambda e: "sprache" in e["categories"]),
        ("events/familie.ics", lambda e: "familie" in e["categories"]),
        ("events/town/koenigsbronn.ics", lambda e: e["location"]["town"] == "Königsbronn"),
        (
            "events/town/giengen-an-der-brenz.ics",
            lambda e: e["location"]["town"] == "Giengen an der Brenz",
        ),
        ("events/town/dischingen.ics", lambda e: e["location"]["town"] == "Dischingen"),
        ("events/source/clients.ics", lambda e: {"clients"} == {s["source"] for s in e["sources"]}),
        ("events/source/stadt.ics", lambda e: {"stadt"} == {s["source"] for s in e["sources"]}),
    ],
)
def test_each_feed_holds_exactly_its_events(county: County, path: str, belongs) -> None:
    expanded = path.removesuffix(".ics") + "-expanded.ics"
    uids = {str(e["UID"]) for e in vevents(calendars(county)[expanded])}
    assert uids == {e["uid"] for e in county.events() if belongs(e)}


def test_town_feeds_exist_for_every_municipality_with_or_without_events(county: County) -> None:
    files = calendars(county)
    assert vevents(files["events/town/dischingen.ics"]) == []
    assert len(vevents(files["events/town/koenigsbronn.ics"])) >= 2
    assert vevents(files["events/town/dischingen-expanded.ics"]) == []


def test_a_second_pass_over_unchanged_sources_changes_no_byte_of_any_feed(tmp_path) -> None:
    with published_county(tmp_path) as county:
        first = county.feed_files()
        report = county.run(now=NOW + timedelta(hours=6))
        assert county.feed_files() == first
        assert report.written == []
    assert {"events/town/koenigsbronn.ics", "events/source/clients.ics"} <= first.keys()
    assert {"integreat/events.ics", "integreat/sprache.ics", "events/familie.ics"} <= first.keys()


def test_an_event_without_a_page_of_its_own_links_no_calendar_file(county: County) -> None:
    """An iCal source's events link their own page, else nothing: never the .ics they came in."""
    calendars_served = {source.url for source in county.sources}
    urls = [event["url"] for event in county.events()]
    assert urls and not calendars_served & set(urls)
    assert b".ics" not in b"".join(
        line
        for line in (county.out / "events.ics").read_bytes().split(b"\r\n")
        if line.startswith(b"URL")
    )
