"""The events pages: this week and the coming ones by day, topic and town filters, map links,
one event into the calendar (.ics), subscribe links, and listing text shown only as text."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import icalendar
import pytest
from markupsafe import escape

from tests.support.pages import german_visitor
from web.pages import agenda

BERLIN = ZoneInfo("Europe/Berlin")
HEADING = re.compile(r"<h2 id=\"d-[0-9-]+\">(.*?)</h2>")
EVENT_LINK = re.compile(
    r'<a href="/veranstaltungen/([0-9a-f-]{36})" lang="de" dir="auto">(.*?)</a>'
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with german_visitor(tmp_path_factory.mktemp("pages")) as client:
        yield client


def titles(html: str) -> list[str]:
    return [unescape(title) for _, title in EVENT_LINK.findall(html)]


def item(html: str, title: str) -> str:
    """The list entry of the event with this title."""
    entries = html.split('<li class="event">')[1:]
    return next(entry for entry in entries if f">{escape(title)}</a>" in entry)


def event_id(html: str, title: str) -> str:
    return next(id_ for id_, shown in EVENT_LINK.findall(html) if unescape(shown) == title)


def test_the_coming_three_weeks_grouped_by_day(client) -> None:
    page = client.get("/veranstaltungen")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    days = HEADING.findall(page.text)
    # NOW is Wednesday 25 November 2026, 09:00 in Heidenheim; nothing more happens that day
    assert days[:3] == [
        "Morgen · Donnerstag, 26. November",
        "Samstag, 28. November",
        "Dienstag, 1. Dezember",
    ]
    assert days[-1] == "Dienstag, 15. Dezember"  # three weeks: up to 15 December
    assert titles(page.text).count("Sprachcafé Deutsch") == 3  # every Thursday
    assert "Sommerfest" not in titles(page.text)  # June: on a later page
    assert len(page.content) < 50_000


def test_each_event_shows_time_place_map_and_calendar_links(client) -> None:
    page = client.get("/veranstaltungen").text
    entry = item(page, "Sprachcafé im Rathaus")
    assert '<span class="time">18:30 – 20:00</span>' in entry
    assert "Rathaus, Grabenstraße 15, 89522 Heidenheim an der Brenz" in entry
    assert (
        'href="https://www.openstreetmap.org/search?query=Rathaus%2C%20Grabenstra%C3%9Fe'
        '%2015%2C%2089522%20Heidenheim%20an%20der%20Brenz"' in entry
    )
    event = event_id(page, "Sprachcafé im Rathaus")
    assert f'href="/veranstaltungen/{event}.ics" download' in entry
    assert ">In meinen Kalender</a>" in entry


def test_a_place_with_coordinates_maps_to_them(client) -> None:
    page = client.get("/veranstaltungen?town=giengen-an-der-brenz").text
    assert (
        "https://www.openstreetmap.org/?mlat=48.62190&amp;mlon=10.24410#map=17/48.62190/10.24410"
        in page
    )


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        (
            "category=sprache",
            {"Sprachcafé Deutsch", "Sprachcafé im Rathaus", "Mütterkurs Deutsch"},
            {"Offene Sprechstunde Ausbildung & Beruf"},
        ),
        (
            "category=arbeit-bildung",
            {"Offene Sprechstunde Ausbildung & Beruf"},
            {"Sprachcafé Deutsch"},
        ),
        (
            "town=giengen-an-der-brenz",
            {'Spielnachmittag <script>alert("x")</script> für Kinder <10 & "Freunde"'},
            {"Sprachcafé Deutsch"},
        ),
        ("town=Giengen an der Brenz&category=sprache", set(), {"Sprachcafé Deutsch"}),
    ],
)
def test_filters_by_topic_and_town(client, query, expected, absent) -> None:
    shown = set(titles(client.get(f"/veranstaltungen?{query}").text))
    assert shown == expected
    assert not shown & absent


def test_the_filter_form_keeps_the_choice(client) -> None:
    page = client.get("/veranstaltungen?category=familie&town=koenigsbronn").text
    assert '<label for="category">Thema</label>' in page
    assert '<option value="familie" selected>Familie</option>' in page
    assert '<option value="koenigsbronn" lang="de" selected>Königsbronn</option>' in page


def test_an_empty_window_leads_on_to_the_next_events(client) -> None:
    page = client.get("/veranstaltungen?town=koenigsbronn").text
    assert "In den nächsten drei Wochen gibt es keine Veranstaltungen." in page
    later = re.search(
        r'<a class="button secondary" href="([^"]+)">Spätere Veranstaltungen</a>', page
    )
    assert later is not None
    assert unescape(later[1]) == "/veranstaltungen?town=koenigsbronn&from=2027-05-01#results"
    maimarkt = client.get(unescape(later[1])).text
    assert titles(maimarkt) == ["Maimarkt"]
    assert HEADING.findall(maimarkt) == ["Samstag, 1. Mai"]
    assert '<span class="time">Ganzer Tag, bis Montag, 3. Mai</span>' in maimarkt


def test_a_busy_stretch_is_cut_at_a_whole_day(client, monkeypatch) -> None:
    monkeypatch.setattr(agenda, "MAX_EVENTS", 3)
    page = client.get("/veranstaltungen").text
    assert HEADING.findall(page) == ["Morgen · Donnerstag, 26. November", "Samstag, 28. November"]
    later = re.search(r'href="([^"]+)">Spätere Veranstaltungen</a>', page)[1]
    assert unescape(later) == "/veranstaltungen?from=2026-12-01#results"
    following = client.get(unescape(later)).text
    assert HEADING.findall(following)[0] == "Dienstag, 1. Dezember"
    assert len(titles(following)) == 2  # both events of that Tuesday, then the day is full


def test_a_past_day_or_a_wrong_filter_shows_the_coming_events(client) -> None:
    default = titles(client.get("/veranstaltungen").text)
    assert titles(client.get("/veranstaltungen?from=2020-01-01").text) == default
    assert titles(client.get("/veranstaltungen?category=nope&town=atlantis").text) == default


def test_one_event_into_the_calendar_as_ics(client) -> None:
    page = client.get("/veranstaltungen?category=sprache").text
    event = event_id(page, "Sprachcafé im Rathaus")
    answer = client.get(f"/veranstaltungen/{event}.ics")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert 'filename="sprachcafe-im-rathaus.ics"' in answer.headers["content-disposition"]
    calendar = icalendar.Calendar.from_ical(answer.content)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Sprachcafé im Rathaus"
    start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    assert start == datetime(2026, 12, 3, 18, 30, tzinfo=BERLIN)
    assert start.utcoffset().total_seconds() == 3600  # winter time: 17:30 UTC
    assert end == datetime(2026, 12, 3, 20, 0, tzinfo=BERLIN)
    feed = client.get("/events.json").json()["events"]
    assert str(vevent["UID"]) == next(e["uid"] for e in feed if e["id"] == event)


def test_an_unknown_event_is_a_friendly_404(client) -> None:
    for path in ("/veranstaltungen/nope", "/veranstaltungen/nope.ics"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert "<h1>Nicht gefunden</h1>" in answer.text


def test_subscribe_links_per_topic_and_town(client) -> None:
    page = client.get("/veranstaltungen?category=sprache&town=nattheim").text
    buttons = re.findall(r'<a class="button" href="(webcal://[^"]+)">\s*(.*?)\s*</a>', page)
    assert buttons == [
        ("webcal://testserver/events/sprache.ics", "Abonnieren: Sprache"),
        ("webcal://testserver/events/town/nattheim.ics", "Abonnieren: Nattheim"),
    ]
    every = client.get("/veranstaltungen").text
    for path in ("events/sprache.ics", "events/arbeit-bildung.ics", "events/town/koenigsbronn.ics"):
        assert f'href="webcal://testserver/{path}"' in every
        assert client.get(f"/{path}").headers["content-type"] == "text/calendar; charset=utf-8"
    assert 'href="webcal://testserver/events.ics">Alle Veranstaltungen abonnieren</a>' in every


def test_event_detail_page_with_schema_org_event(client) -> None:
    page = client.get("/veranstaltungen?category=sprache").text
    event = event_id(page, "Sprachcafé im Rathaus")
    detail = client.get(f"/veranstaltungen/{event}").text
    assert '<h1><span lang="de" dir="auto">Sprachcafé im Rathaus</span></h1>' in detail
    assert "Donnerstag, 3. Dezember, 18:30 – 20:00" in detail
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', detail, re.S)
    assert ld is not None and '"@type":"Event"' in ld[1]
    assert '"startDate":"2026-12-03T18:30:00+01:00"' in ld[1]


def test_listing_text_is_shown_as_text(client) -> None:
    page = client.get("/veranstaltungen?town=giengen-an-der-brenz").text
    assert "<script>alert" not in page
    assert (
        "Spielnachmittag &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; für Kinder &lt;10 "
        "&amp; &#34;Freunde&#34;" in page
    )
    assert "Gemeindehaus &#34;Arche&#34;, Brenzstraße 3" in page
    event = event_id(page, 'Spielnachmittag <script>alert("x")</script> für Kinder <10 & "Freunde"')
    detail = client.get(f"/veranstaltungen/{event}").text
    assert "<script>alert" not in detail and "<img" not in detail
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; Hausschuhe mitbringen." in detail
    assert 'href="javascript:' not in detail  # the source's URL is no link
    # the JSON-LD cannot be closed from inside: exactly one script element, ended by us
    assert detail.count("</script>") == 1 and "\\u003c/script\\u003e" in detail
