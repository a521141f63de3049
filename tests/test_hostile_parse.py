"""Broken input of every kind, served over loopback HTTP and read by one real pass: each break
is a clear problem on its source (what, where, which record), and every other record and source
goes on. Dates that do not exist are record problems; a time in the spring DST gap is read as
RFC 5545 §3.3.5 says (shifted forward: the offset before the gap), one in the autumn fold as its
first occurrence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import Request, TextResponse
from starlette.testclient import TestClient

from aggregator.store import Store
from crawlers.extract.document import Document
from crawlers.extract.records import Extraction
from crawlers.spiders.ical import IcalSpider
from crawlers.spiders.wp_events import WpEventsSpider
from tests.conftest import CORPUS, FAST_CRAWL, FIXTURES, NOW, source
from tests.support.desk import EDITOR, add_accounts, sign_in
from tests.support.hostile import (
    HOSTILE,
    HTML,
    ICS,
    JSON,
    RSS,
    last_run,
    published,
    record_problems,
    records,
)
from tests.support.server import FixtureServer, Reply
from web.server import create_app
from workers.passes import run_pass

LATIN1_AS_UTF8 = "not valid UTF-8 (byte 0x{byte:02x} at offset {offset}); read as Windows-1252"
UTF8_AS_LATIN1 = "declares the charset ISO-8859-1, but the bytes are UTF-8; read as UTF-8"
ICAL_EVENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Verein//DE\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
    "DTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}\r\n"
    "SUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
RSS_ENTRY = (
    '<?xml version="1.0"?>\n<rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/">'
    "<channel><title>Verein</title><item><guid>{uid}</guid><title>{title}</title>"
    "<ev:startdate>{start:%Y-%m-%dT%H:%M:%S}+01:00</ev:startdate></item></channel></rss>"
)
HTML_EVENT = (
    '<!DOCTYPE html><html lang="de"><head><title>{title}</title>'
    '<script type="application/ld+json">{{"@type": "Event", "@id": "#{uid}", "name": "{title}", '
    '"startDate": "{start:%Y-%m-%dT%H:%M:%S}+01:00"}}</script></head><body></body></html>'
)


CUT_IN_META = b'<!DOCTYPE html>\n<html lang="de">\n<head><meta'  # a body cut off in its head


@dataclass(frozen=True)
class Served:
    """One source of the pass: what its URL answers."""

    config_id: str
    kind: str
    body: bytes
    content_type: str
    options: tuple[tuple[str, str], ...] = ()


def charset_cases() -> list[Served]:
    """Each text kind twice: Latin-1 bytes labelled UTF-8, UTF-8 bytes labelled ISO-8859-1."""
    cases = [
        ("ical", ICAL_EVENT, "text/calendar", "Bücherflohmarkt im Schloß", "Weihnachtsmärchen"),
        ("feed", RSS_ENTRY, "application/rss+xml", "Glühweinabend am Brunnen", "Käsereiführung"),
        ("jsonld", HTML_EVENT, "text/html", "Töpferkurs für Anfänger", "Fußballturnier"),
    ]
    served = []
    for number, (kind, template, media, latin1_title, utf8_title) in enumerate(cases):
        latin1 = template.format(uid="l1", title=latin1_title, start=datetime(2026, 12, 5 + number))
        utf8 = template.format(uid="u8", title=utf8_title, start=datetime(2026, 12, 15 + number))
        served += [
            Served(f"{kind}-latin1", kind, latin1.encode("latin-1"), f"{media}; charset=utf-8"),
            Served(f"{kind}-utf8", kind, utf8.encode(), f"{media}; charset=ISO-8859-1"),
        ]
    return served


BROKEN_CALENDARS = {  # corpus file → its source id
    "icalendar__broken_ical.ics": "ical-empty-param",
    "icalendar__parsing_error.ics": "ical-empty-exdate",
    "integreat-cms__corrupted_event.ics": "ical-no-dtstart",
    "ics-py__1106817412.ics": "ical-not-utf8",
    "PlaceCal__family-action-org-uk-bad.ics": "ical-login-page",
}
SERVED = [
    Served("stadt", "ical", (FIXTURES / "ical" / "stadt.ics").read_bytes(), ICS),
    *(
        Served(i, "ical", (CORPUS / "ics" / n).read_bytes(), ICS)
        for n, i in BROKEN_CALENDARS.items()
    ),
    Served("termine", "ical", (HOSTILE / "dates.ics").read_bytes(), ICS),
    Served("integreat", "integreat", (HOSTILE / "integreat.json").read_bytes(), JSON),
    Served("integreat-object", "integreat", b'{"error": "Region nicht gefunden"}', JSON),
    Served("wp", "wp-events", (HOSTILE / "wp-events.json").read_bytes(), JSON),
    Served("wp-list", "wp-events", b'[{"id": 1, "title": "Liste statt Seite"}]', JSON),
    Served("wp-object", "wp-events", b'{"events": {"id": 1, "title": "Objekt statt Liste"}}', JSON),
    Served("bib", "jsonld", (HOSTILE / "jsonld.html").read_bytes(), HTML),
    Served("bib-login", "jsonld", (HOSTILE / "no-markup.html").read_bytes(), HTML),
    Served("lra", "feed", (HOSTILE / "feed.xml").read_bytes(), RSS),
    Served(
        "lra-ampersand",
        "feed",
        (HOSTILE / "feed.xml").read_bytes().replace(b"Abfall richtig", b"Abfall & Wertstoffe"),
        RSS,
    ),
    Served("ba", "ba-jobsuche", (HOSTILE / "ba.json").read_bytes(), JSON, (("where", "89518"),)),
    Served(
        "ba-object",
        "ba-jobsuche",
        b'{"stellenangebote": {"refnr": "10000-1"}}',
        JSON,
        (("where", "89518"),),
    ),
    Served(
        "hwk-wartung",
        "lehrstellen-radar",
        (HOSTILE / "radar-error.html").read_bytes(),
        HTML,
        (("postcode", "89518"),),
    ),
    *charset_cases(),
    Served("bib-doctype", "jsonld", b"<!DOCTYPE html>", HTML),
    Served("hwk-doctype", "lehrstellen-radar", b"<!DOCTYPE html>", HTML, (("postcode", "89518"),)),
    Served("bib-cut", "jsonld", CUT_IN_META, HTML),
    Served("hwk-cut", "lehrstellen-radar", CUT_IN_META, HTML, (("postcode", "89518"),)),
    Served(
        "lra-declaration",
        "feed",
        b'<?xml version="1.0" encoding="UTF-8\xd9\xf9"?>\n<rss version="2.0"></rss>',
        "application/rss+xml",
    ),
]


@dataclass(frozen=True)
class Pass:
    store: Store
    out: Path
    urls: dict[str, str]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pass]:
    """One pass over every broken source and the sound ones beside them."""
    path = tmp_path_factory.mktemp("broken")
    store = Store(f"sqlite:///{path / 'lotse.db'}")
    with FixtureServer().running() as site:
        urls = {
            s.config_id: site.route(
                f"/{s.config_id}", Reply(s.body, headers={"Content-Type": s.content_type})
            )
            for s in SERVED
        }
        configs = [
            source(s.config_id, s.kind, urls[s.config_id], trusted=True, options=dict(s.options))
            for s in SERVED
        ]
        run_pass(store, configs, path / "public", now=NOW, crawl_settings=FAST_CRAWL)
    yield Pass(store, path / "public", urls)
    store.dispose()


def crawl_problems(broken: Pass, source_id: str) -> list[str]:
    return last_run(broken.store, source_id).problem_texts


# --- iCalendar --------------------------------------------------------------------------------


def test_broken_calendars_name_each_unreadable_record(broken) -> None:
    problems = {i: record_problems(broken.store, i) for i in BROKEN_CALENDARS.values()}
    assert problems["ical-empty-param"] == {"abc": ["VEVENT has no DTSTART"]}
    (exdate,) = problems["ical-empty-exdate"].values()
    assert "EXDATE" in exdate[0]
    assert problems["ical-no-dtstart"] == {
        "8a237523-d648-4f11-8547-8685c9e96c1a": ["VEVENT has no DTSTART"]
    }


def test_a_calendar_that_is_not_utf8_is_read_and_said(broken) -> None:
    url = broken.urls["ical-not-utf8"]
    note = LATIN1_AS_UTF8.format(byte=0xE5, offset=433)
    assert crawl_problems(broken, "ical-not-utf8") == [f"{url}: {note}"]
    assert set(records(broken.store, "ical-not-utf8")) == {"bloc1106817412"}


def test_the_source_page_of_the_desk_lists_the_crawls_problems(broken) -> None:
    add_accounts(broken.store, NOW)
    with TestClient(create_app(broken.store, clock=lambda: NOW)) as client:
        sign_in(client, EDITOR)
        page = client.get("/desk/sources/ical-not-utf8").text
    assert "1 Problem beim Abruf" in page
    assert "not valid UTF-8 (byte 0xe5 at offset 433); read as Windows-1252" in page


def test_a_login_page_instead_of_a_calendar_fails_its_source_alone(broken) -> None:
    run = last_run(broken.store, "ical-login-page")
    assert run.status == "failed"
    assert (
        run.error
        == f"{broken.urls['ical-login-page']}: not an iCalendar file: the server sent an HTML page"
    )
    stadt = last_run(broken.store, "stadt")
    assert (stadt.status, stadt.items, stadt.problem_texts) == ("ok", 8, [])
    assert {"Sprachcafé im Rathaus", "Sommerfest", "Maimarkt"} <= set(published(broken.out))


# --- Dates that do not exist ------------------------------------------------------------------

FEBRUARY_30 = {  # source → the record with a 30 February, and how its problem names the date
    "termine": ("faschingsball@stadt", "20270230T190000"),
    "integreat": ("202", "'2027-02-30T10:00:00+01:00' is no real date or time"),
    "wp": ("302", "'2027-02-30 10:00:00' is no 'YYYY-MM-DD HH:MM:SS' date (day is out of range"),
    "bib": ("#maerchenstunde", "'2027-02-30T16:00:00+01:00' is no real date or time"),
    "lra": ("lra-2", "ev:startdate '2027-02-30T19:00:00+01:00' is no real date or time"),
}


@pytest.mark.parametrize("source_id", FEBRUARY_30)
def test_the_30th_of_february_is_a_problem_of_that_record_alone(broken, source_id) -> None:
    key, named = FEBRUARY_30[source_id]
    problems = record_problems(broken.store, source_id)
    (found,) = [messages for k, messages in problems.items() if k.endswith(key)]
    assert named in found[0]
    assert len(published_from(broken, source_id)) >= 2  # the sound events of the same source


def published_from(broken: Pass, source_id: str) -> dict[str, dict]:
    events = published(broken.out)
    return {t: e for t, e in events.items() if any(r["source"] == source_id for r in e["sources"])}


DST_GAP = {  # source → its event at 02:30 on 28 March 2027, a time the clocks skip
    "termine": "Nachtwanderung zur Sommerzeit",
    "integreat": "Osternachtlauf",
    "wp": "Sonnenaufgangswanderung",
    "bib": "Sternwarte bei Nacht",
    "lra": "Nachtführung im Museum",
}


@pytest.mark.parametrize("source_id", DST_GAP)
def test_a_time_in_the_spring_gap_shifts_forward_by_the_gap(broken, source_id) -> None:
    event = published_from(broken, source_id)[DST_GAP[source_id]]
    start = datetime.fromisoformat(event["start"])
    assert start.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 at +01:00
    assert event["start"] == "2027-03-28T03:30:00+02:00"  # the wall clock then shows 03:30


def test_a_time_in_the_autumn_fold_is_its_first_occurrence(broken) -> None:
    event = published(broken.out)["Nachtwanderung zur Winterzeit"]
    assert event["start"] == "2027-10-31T02:30:00+02:00"  # summer time, before the clocks go back


# --- JSON of the wrong shape, null fields -----------------------------------------------------


@pytest.mark.parametrize(
    ("source_id", "error"),
    [
        ("integreat-object", "expected a JSON list of events, got a JSON dict"),
        ("wp-list", "not an events page of The Events Calendar API (no 'events' list)"),
        ("wp-object", "not an events page of The Events Calendar API (no 'events' list)"),
        ("ba-object", "'stellenangebote' is not a list"),
        # found by `make fuzz`: these crashed their reader, the crawl looked complete and empty
        ("bib-doctype", "the page has no HTML content (Document is empty)"),
        ("hwk-doctype", "the page has no HTML content (Document is empty)"),
        ("lra-declaration", "feedparser cannot read it: UnicodeDecodeError: 'utf-8' codec"),
        # found by `make fuzz`: w3lib 2.6's charset scan panicked on it (PanicException)
        ("hwk-cut", "no Lehrstellen-Radar result list on this page"),
    ],
)
def test_a_document_of_the_wrong_shape_fails_its_source_with_a_clear_error(
    broken, source_id, error
) -> None:
    run = last_run(broken.store, source_id)
    assert run.status == "failed"
    assert run.error.startswith(broken.urls[source_id]) and f": {error}" in run.error


@pytest.mark.parametrize(
    ("source_id", "item_problem", "record_problem"),
    [
        (
            "integreat",
            "item 4 is not an event with an id or path",
            ("205", "item has no event start"),
        ),
        ("wp", "event 4 on this page has no id", ("305", "event has no start_date")),
        ("bib", "JSON-LD block 2 is not valid JSON", ("#ohne", "Event has no startDate")),
    ],
)
def test_items_that_are_no_event_and_null_fields_are_problems_the_rest_arrives(
    broken, source_id, item_problem, record_problem
) -> None:
    assert any(item_problem in text for text in crawl_problems(broken, source_id))
    key, message = record_problem
    problems = record_problems(broken.store, source_id)
    assert [m for k, m in problems.items() if k.endswith(key)] == [[message]]
    titles = set(published_from(broken, source_id))
    expected = {
        "integreat": {"Elterncafé im Familienzentrum", "(ohne Titel)", "Osternachtlauf"},
        "wp": {"Repair-Café im Jugendhaus", "Sonnenaufgangswanderung"},
        "bib": {"Lesecafé für Senioren", "Sternwarte bei Nacht"},
    }[source_id]
    assert titles == expected


def test_jobsuche_offers_that_are_no_offer_or_all_null_are_problems(broken) -> None:
    url = broken.urls["ba"]
    texts = crawl_problems(broken, "ba")
    assert any(t.startswith(url) and "offer 2 on this page has no refnr" in t for t in texts)
    assert any("offer 4 on this page has no refnr" in t for t in texts)
    assert record_problems(broken.store, "ba") == {
        "10000-1100000003-S": ["offer has neither 'titel' nor 'beruf'"]
    }
    assert set(published(broken.out, "apprenticeships.json")) == {"Ausbildung zum Bäcker (m/w/d)"}


# --- HTML without the expected markup, XML that is not well-formed ----------------------------


def test_a_page_without_schema_org_is_a_problem_and_marks_nothing_gone(broken) -> None:
    run = last_run(broken.store, "bib-login")
    url = broken.urls["bib-login"]
    assert (run.status, run.items) == ("ok", 0)
    assert run.problem_texts == [
        f"{url}: no schema.org Event, Course or JobPosting on this page, and no links to detail "
        "pages"
    ]


def test_a_lehrstellen_radar_error_page_fails_its_source(broken) -> None:
    run = last_run(broken.store, "hwk-wartung")
    assert run.status == "failed"
    assert "no Lehrstellen-Radar result list on this page" in run.error
    assert "markup changed" in run.error


def test_xml_that_is_not_well_formed_is_read_leniently_and_said(broken) -> None:
    (text,) = crawl_problems(broken, "lra-ampersand")
    assert text.startswith(broken.urls["lra-ampersand"])
    assert "not well-formed XML at line 7" in text and "read leniently" in text
    assert "Vortrag: Abfall & Wertstoffe trennen" in published_from(broken, "lra-ampersand")


# --- Charsets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ical", "feed", "jsonld"])
def test_latin1_labelled_utf8_is_read_as_latin1_and_said(broken, kind) -> None:
    source_id = f"{kind}-latin1"
    texts = crawl_problems(broken, source_id)
    assert len(texts) == 1 and texts[0].startswith(broken.urls[source_id])
    assert "not valid UTF-8" in texts[0] or "parsed as windows-1252" in texts[0]
    title = {"ical": "Bücherflohmarkt im Schloß", "feed": "Glühweinabend am Brunnen"}
    assert set(published_from(broken, source_id)) == {title.get(kind, "Töpferkurs für Anfänger")}


@pytest.mark.parametrize("kind", ["ical", "feed", "jsonld"])
def test_utf8_labelled_latin1_is_read_as_utf8_and_said(broken, kind) -> None:
    source_id = f"{kind}-utf8"
    assert crawl_problems(broken, source_id) == [f"{broken.urls[source_id]}: {UTF8_AS_LATIN1}"]
    title = {"ical": "Weihnachtsmärchen", "feed": "Käsereiführung", "jsonld": "Fußballturnier"}
    assert set(published_from(broken, source_id)) == {title[kind]}


# --- Cut off in the middle --------------------------------------------------------------------


def cut_inside(body: bytes, marker: bytes) -> bytes:
    """The document cut off a few bytes after ``marker``: in the middle of an entry."""
    return body[: body.index(marker) + len(marker) + 3]


def test_a_document_cut_in_the_middle_marks_nothing_gone(sqlite_store, site, tmp_path) -> None:
    calendar = (FIXTURES / "ical" / "stadt.ics").read_bytes()
    feed = (FIXTURES / "feed" / "stadtbibliothek.xml").read_bytes()
    cut_calendar = cut_inside(calendar, b"UID:allday@stadt")
    cut_feed = cut_inside(feed, b'<guid isPermaLink="false">stabi-2027-0313')
    configs = [
        source(
            "stadt",
            "ical",
            site.route("/k.ics", Reply(calendar), Reply(cut_calendar)),
            trusted=True,
        ),
        source("stabi", "feed", site.route("/f.xml", Reply(feed), Reply(cut_feed)), trusted=True),
    ]
    run_pass(sqlite_store, configs, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    before = published(tmp_path)
    report = run_pass(sqlite_store, configs, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    assert [(s.status, s.gone) for s in report.summaries] == [("ok", 0), ("ok", 0)]
    (ical_problem,) = last_run(sqlite_store, "stadt").problem_texts
    assert "the file ends inside VEVENT (UID allday@stadt) (cut off?)" in ical_problem
    (feed_problem,) = last_run(sqlite_store, "stabi").problem_texts
    assert "the document is cut off: entries after the cut are missing" in feed_problem
    assert published(tmp_path) == before  # nothing was marked gone, nothing withdrawn
    assert all(r.gone_at is None for r in records(sqlite_store, "stadt").values())


def broken_reader(document: Document) -> Extraction:
    raise KeyError("events")


def test_a_reader_error_nobody_foresaw_refuses_the_page() -> None:
    """The spiders' safety net: an extractor that raises makes the crawl fail (first page) or
    incomplete (a later one), never look complete with the page's records missing."""
    spider = WpEventsSpider(source={"id": "wp", "kind": "wp-events", "url": "https://wp.example/"})
    spider.extract = broken_reader
    first = TextResponse(
        "https://wp.example/",
        body=b"{}",
        request=Request("https://wp.example/", meta={"first": True}),
    )
    later = TextResponse(
        "https://wp.example/?page=2", body=b"{}", request=Request("https://wp.example/?page=2")
    )
    assert spider.read_or_refuse(later) is None
    assert spider.result.complete is False and spider.result.status == "ok"
    assert spider.result.problems[-1].message == "cannot read it: KeyError: 'events'"
    assert spider.read_or_refuse(first) is None
    assert spider.result.status == "failed"
    assert spider.result.error == "https://wp.example/: cannot read it: KeyError: 'events'"


def test_an_ical_reader_that_raises_fails_the_crawl_with_a_message() -> None:
    """The ical spider takes the common way too: no records, the crawl failed, the error said."""
    url = "https://vhs.example/kurse.ics"
    spider = IcalSpider(source={"id": "vhs", "kind": "ical", "url": url})
    spider.extract = broken_reader
    body = (FIXTURES / "ical" / "stadt.ics").read_bytes()
    response = TextResponse(url, body=body, request=Request(url, meta={"first": True}))
    assert list(spider.parse_start(response)) == []
    assert (spider.result.status, spider.result.complete) == ("failed", False)
    assert spider.result.error == f"{url}: cannot read it: KeyError: 'events'"


def test_a_page_cut_off_inside_a_meta_tag_is_read_as_what_it_is(broken) -> None:
    """Found by `make fuzz`: w3lib 2.6's charset scan panics on such a body (a PanicException,
    no Exception); the page is read, and says it has no events."""
    run = last_run(broken.store, "bib-cut")
    assert "Panic" not in (run.error or "") and run.items == 0
    assert run.status == "ok" and run.alarm
