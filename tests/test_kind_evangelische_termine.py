"""The `evangelische-termine` kind: export pages in the shape /work/shared/SOURCES.md records
(tests/fixtures/evangelische_termine/README.md) read field by field, then a real spider paging
over real HTTP on 127.0.0.1 and a pass that publishes the weekly series as one series."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from aggregator.kinds import KINDS
from crawlers.extract.evangelische_termine import (
    event_url,
    looks_like,
    page_after,
    read_export_page,
)
from crawlers.extract.records import Unreadable
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import document, only, read_records
from tests.support.server import FixtureServer, Reply
from workers.passes import run_pass

PAGES = FIXTURES / "evangelische_termine"
EXPORT = "https://www.evangelische-termine.de/json"
FIRST = f"{EXPORT}?vid=1234&highlight=all&itemsPerPage=3&pageID=1"
JSON = "application/json"
SERVICE, PRAYER, FETE, REHEARSAL, CONCERT = (f"471100{n}" for n in range(1, 6))


def page(name: str):
    return read_export_page(document((PAGES / name).read_bytes(), FIRST))


@pytest.fixture(scope="module")
def drafts():
    records = page("page-1.json").records + page("page-2.json").records
    return read_records(records, kind="evangelische-termine", now=NOW)[0]


# --- pages ------------------------------------------------------------------------------------


def test_a_page_gives_one_record_per_id_with_the_next_page() -> None:
    found = page("page-1.json")
    assert [record.key for record in found.records] == [SERVICE, PRAYER, FETE]
    assert found.pages == [f"{EXPORT}?vid=1234&highlight=all&itemsPerPage=3&pageID=2"]
    assert found.problems == []


def test_an_empty_page_ends_the_export() -> None:
    found = page("empty.json")
    assert (found.records, found.pages, found.problems) == ([], [], [])


def test_the_url_is_the_events_own_link_else_its_detail_page() -> None:
    urls = {r.key: r.url for r in page("page-1.json").records + page("page-2.json").records}
    assert urls[SERVICE] == "https://www.evangelische-termine.de/detail-bt?ID=4711001"
    assert urls[CONCERT] == "https://www.evangelisch-heidenheim.de/orgelkonzert"
    assert event_url({"ID": "7", "_event_LINK": "javascript:alert(1)"}, FIRST).endswith("?ID=7")


def test_page_after_counts_page_id_from_one() -> None:
    assert page_after(EXPORT).endswith("?pageID=2")
    assert page_after(f"{EXPORT}?pageID=7&vid=1").endswith("pageID=8&vid=1")


@pytest.mark.parametrize(
    "body",
    [
        '{"error": "Veranstalter unbekannt"}',
        '[{"Event": {"ID": "1"}}]',
        "<html><body>Wartungsarbeiten</body></html>",
        "",
    ],
)
def test_an_answer_of_another_shape_is_refused_saying_what_was_expected(body: str) -> None:
    with pytest.raises(Unreadable, match=r"not the evangelische-termine JSON export"):
        read_export_page(document(body, FIRST))


def test_an_item_without_id_is_a_problem_and_the_others_stay() -> None:
    body = '[{"Veranstaltung": {"_event_TITLE": "x"}}, {"Veranstaltung": {"ID": "9"}}, 3]'
    found = read_export_page(document(body, FIRST))
    assert [r.key for r in found.records] == ["9"]
    assert [p.message for p in found.problems] == [
        "item 1 is no 'Veranstaltung' with an ID",
        "item 3 is no 'Veranstaltung' with an ID",
    ]


def test_looks_like_tells_an_export_page_from_others() -> None:
    assert looks_like(FIRST, (PAGES / "page-1.json").read_bytes())
    assert looks_like(FIRST, b"[]")  # the platform's own export, past its last page
    assert not looks_like("https://verein.example/api/events", b"[]")
    assert not looks_like(FIRST, (FIXTURES / "integreat" / "events.json").read_bytes())
    assert not looks_like(FIRST, b'{"error": "x"}')


def test_the_kind_names_its_detection() -> None:
    assert KINDS["evangelische-termine"].claims == "crawlers.extract.evangelische_termine.claims"
    assert KINDS["toubiz"].claims == "crawlers.extract.toubiz.claims"


# --- records into drafts ----------------------------------------------------------------------


def test_a_single_event_takes_its_rfc_times(drafts) -> None:
    service = only(drafts, SERVICE)
    assert service.start.isoformat() == "2027-01-10T10:00:00+01:00"
    assert service.end.isoformat() == "2027-01-10T11:00:00+01:00"
    assert (service.series, service.occurrence, service.uid) == (False, "", SERVICE)


def test_title_subtitle_and_long_description(drafts) -> None:
    service = only(drafts, SERVICE)
    assert service.title == "Gottesdienst mit Abendmahl"
    assert service.description == (
        "Predigt: Dekanin M. Beispiel\n\n"
        "Gottesdienst zum 2. Sonntag nach Epiphanias.\nAnschließend Kirchencafé."
    )
    assert only(drafts, PRAYER).description == "Eine Viertelstunde Stille und Musik."


def test_an_end_on_the_zero_date_is_no_end(drafts) -> None:
    prayer = only(drafts, PRAYER)
    assert (prayer.start.isoformat(), prayer.end) == ("2027-02-03T10:00:00+01:00", None)


def test_all_day_is_the_day_itself(drafts) -> None:
    fete = only(drafts, FETE)
    assert (fete.all_day, fete.start, fete.end) == (True, date(2027, 7, 4), date(2027, 7, 4))


def test_place_fields_become_a_place_with_the_official_town(drafts) -> None:
    place = only(drafts, SERVICE).place
    assert (place.name, place.address, place.postcode, place.town) == (
        "Pauluskirche",
        "Olgastraße 20",
        "89518",
        "Heidenheim an der Brenz",
    )
    assert (place.lat, place.lon) == (48.6791, 10.1561)
    assert only(drafts, PRAYER).place.lat is None  # "0", "0" is no place
    fete = only(drafts, FETE).place
    assert (fete.town, fete.name) == ("Herbrechtingen", "Gemeindehaus Bolheim")
    assert only(drafts, CONCERT).place.town == "Giengen an der Brenz"


def test_jeweils_is_a_weekly_series_from_start_to_until(drafts) -> None:
    weeks = drafts[REHEARSAL]
    assert len(weeks) == 13 and all(d.series for d in weeks)
    assert [d.start.date() for d in weeks][:3] == [
        date(2027, 1, 6),
        date(2027, 1, 13),
        date(2027, 1, 20),
    ]
    assert weeks[-1].start.isoformat() == "2027-03-31T19:30:00+02:00"  # summer time, same hour
    assert weeks[-1].end.isoformat() == "2027-03-31T21:00:00+02:00"
    assert {d.start.weekday() for d in weeks} == {2}  # Wednesdays
    assert len({d.occurrence for d in weeks}) == 13


def test_jeweils_is_cut_to_the_published_window() -> None:
    (record,) = [r for r in page("page-2.json").records if r.key == REHEARSAL]
    late = datetime(2027, 3, 30, 8, tzinfo=NOW.tzinfo)  # 30 days back: from 28 February
    weeks = read_records([record], kind="evangelische-termine", now=late)[0][REHEARSAL]
    assert [d.start.date() for d in weeks][0] == date(2027, 3, 3)
    assert len(weeks) == 5


def test_jeweils_without_until_is_a_problem() -> None:
    body = json.dumps(
        [{"Veranstaltung": {"ID": "8", "START": "2027-01-06 19:30:00", "MODE": "jeweils"}}]
    )
    records = read_export_page(document(body, FIRST)).records
    problems = read_records(records, kind="evangelische-termine", now=NOW)[1]
    assert problems["8"].startswith("MODE jeweils needs the series' last day in UNTIL")


# --- over HTTP --------------------------------------------------------------------------------


def serve(site: FixtureServer) -> str:
    path = "/json"
    replies = [
        Reply.file(PAGES / name, JSON) for name in ("page-1.json", "page-2.json", "empty.json")
    ]
    return site.route(path, *replies)


def published(out: Path) -> dict[str, list[dict]]:
    by_title: dict[str, list[dict]] = {}
    for event in json.loads((out / "events.json").read_text())["events"]:
        by_title.setdefault(event["title"], []).append(event)
    return by_title


def test_a_pass_pages_the_export_and_publishes_the_series_as_one(store, site, tmp_path) -> None:
    url = serve(site)
    config = source(
        "ev-heidenheim",
        "evangelische-termine",
        url,
        trusted=True,
        options={"vid": "1234", "items_per_page": 3},
    )
    report = run_pass(store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.problems) == ("ok", 5, 0)
    paths = [hit.path for hit in site.requests if hit.path.startswith("/json")]
    assert paths == [f"/json?vid=1234&highlight=all&itemsPerPage=3&pageID={n}" for n in (1, 2, 3)]
    events = published(tmp_path)
    weeks = events["Posaunenchor-Probe"]
    assert len(weeks) == 13 and len({e["series"] for e in weeks}) == 1 and weeks[0]["series"]
    assert weeks[-1]["start"] == "2027-03-31T19:30:00+02:00"
    assert events["Andacht zur Marktzeit"][0]["end"] is None
    calendar = Calendar.from_ical((tmp_path / "events.ics").read_bytes())
    (series,) = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Posaunenchor-Probe"]
    assert series["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20270331T173000Z;BYDAY=WE"
    assert series["DTSTART"].dt.isoformat() == "2027-01-06T19:30:00+01:00"
    assert "EXDATE" not in series  # every week of the series is published


def test_a_source_naming_neither_organiser_nor_region_fails_clearly(
    sqlite_store, site, tmp_path
) -> None:
    config = source("ev", "evangelische-termine", serve(site), trusted=True)
    report = run_pass(sqlite_store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert summary.status == "failed"
    assert "needs the organiser (vid) or the region (region)" in summary.error
    assert site.requests == []


def test_the_organiser_may_stand_in_the_url(sqlite_store, site, tmp_path) -> None:
    url = serve(site) + "?vid=1234"
    config = source("ev", "evangelische-termine", url, trusted=True)
    report = run_pass(sqlite_store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    assert report.summaries[0].items == 5
    first = next(hit.path for hit in site.requests if hit.path.startswith("/json"))
    assert first == "/json?vid=1234&highlight=all&itemsPerPage=100&pageID=1"


def test_an_error_object_in_place_of_the_export_fails_the_crawl_saying_what_was_expected(
    sqlite_store, site, tmp_path
) -> None:
    url = site.route(
        "/json", Reply(b'{"error": "Veranstalter unbekannt"}', headers={"Content-Type": JSON})
    )
    config = source("ev", "evangelische-termine", url, options={"vid": "1"})
    report = run_pass(sqlite_store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items) == ("failed", 0)
    assert "not the evangelische-termine JSON export ([{'Veranstaltung': {…}}, …])" in summary.error
