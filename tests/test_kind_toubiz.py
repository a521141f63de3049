"""The `toubiz` kind (Open-Data-Pool Baden-Württemberg): pages, dates, licence and token, read
from answers in the shape /work/shared/SOURCES.md records (tests/fixtures/toubiz/README.md),
then a real spider paging over real HTTP on 127.0.0.1 and whole passes into a store."""

from __future__ import annotations

import json
import logging
import re
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select
from starlette.testclient import TestClient

from aggregator.kinds.toubiz import parse_bbox
from aggregator.regions.region import region_named
from aggregator.sources import SourcesFileError, parse_sources
from aggregator.store.models import Base, ListingChange
from crawlers.extract.evangelische_termine import looks_like as looks_like_et
from crawlers.extract.records import Unreadable
from crawlers.extract.toubiz import looks_like, next_page_url, read_events_page
from crawlers.spiders.toubiz import event_query
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import document, only, read_records
from tests.support.server import FixtureServer, Reply
from web.server import create_app
from workers.passes import run_pass

PAGES = FIXTURES / "toubiz"
API = "https://mein.toubiz.de/api/v1/event"
PATH = "/api/v1/event"
JSON = "application/json"
TOKEN = "tmbw-0a1b2c3d4e5f-geheim"  # what a Bearer token looks like here: a value to find
CONCERT = "5b0c2f9e-7d1a-4c55-9a43-1f6e2b7c8d01"
TOUR = "0e7f3a10-22b4-4e8a-b1c9-5d6f7a8b9c02"
MARKET = "a3d4e5f6-0718-4293-8a4b-6c7d8e9f0a03"
FEST = "b4e5f607-1829-4a3b-9c5d-7e8f9a0b1c04"
HIDDEN = "c5f60718-293a-4b4c-8d6e-8f9a0b1c2d05"
TRASHED = "d6071829-3a4b-4c5d-9e7f-9a0b1c2d3e06"
THEATRE = "e7182930-4b5c-4d6e-8f80-0b1c2d3e4f07"


def page(name: str):
    return read_events_page(document((PAGES / name).read_bytes(), f"{API}?pagination%5Bpage%5D=1"))


@pytest.fixture(scope="module")
def drafts():
    records = [
        r for name in ("page-1.json", "page-2.json", "page-3.json") for r in page(name).records
    ]
    return read_records(records, kind="toubiz", now=NOW)[0]


# --- pages ------------------------------------------------------------------------------------


def test_a_page_gives_one_record_per_event_uuid() -> None:
    found = page("page-1.json")
    assert [record.key for record in found.records] == [CONCERT, TOUR]
    assert json.loads(found.records[0].payload)["license"] == "cc-by-sa"
    assert found.problems == []


def test_the_next_page_is_asked_for_up_to_last_page() -> None:
    first = f"{API}?pagination%5BpageSize%5D=100&pagination%5Bpage%5D=1"
    second = next_page_url(first, 3)
    assert second == f"{API}?pagination%5BpageSize%5D=100&pagination%5Bpage%5D=2"
    assert next_page_url(next_page_url(second, 3), 3) is None
    assert page("page-1.json").pages == [f"{API}?pagination%5Bpage%5D=2"]


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Bitte melden Sie sich an</body></html>",
        '{"payload": []}',
        '{"_attributes": {"pagination": {"lastPage": 1}}, "data": []}',
        '{"_attributes": {"pagination": {"last_page": 1}}, "payload": []}',
        "",
    ],
)
def test_an_answer_of_another_shape_is_refused_saying_what_was_expected(body: str) -> None:
    with pytest.raises(Unreadable, match=r"not a toubiz event page .*'lastPage'.*'payload'"):
        read_events_page(document(body, API))


def test_an_event_without_id_is_a_problem_and_the_others_stay() -> None:
    body = (
        '{"_attributes": {"pagination": {"lastPage": 1}}, "payload": [{"name": "x"}, {"id": "u"}]}'
    )
    found = read_events_page(document(body, API))
    assert [r.key for r in found.records] == ["u"]
    assert [p.message for p in found.problems] == ["event 1 on this page has no id"]


def test_looks_like_tells_a_toubiz_answer_from_others() -> None:
    assert looks_like(API, (PAGES / "page-1.json").read_bytes())
    assert not looks_like(API, (FIXTURES / "evangelische_termine" / "page-1.json").read_bytes())
    assert not looks_like(API, (FIXTURES / "wp_events" / "page1.json").read_bytes())
    assert not looks_like(API, b"<html>Anmeldung</html>")
    assert not looks_like_et(API, (PAGES / "page-1.json").read_bytes())


# --- the query --------------------------------------------------------------------------------


def test_the_query_asks_for_the_box_and_the_feed_window_100_a_page() -> None:
    query = event_query(parse_bbox("48.52,9.92,48.81,10.47"), NOW)
    assert query == {
        "filter[rectangleArea][0][lat]": "48.52",  # the south-west corner
        "filter[rectangleArea][0][lng]": "9.92",
        "filter[rectangleArea][1][lat]": "48.81",  # the north-east corner
        "filter[rectangleArea][1][lng]": "10.47",
        "filter[date][after]": "2026-10-26",  # 30 days back
        "filter[date][before]": "2027-11-25",  # 365 days ahead
        "pagination[pageSize]": "100",
        "pagination[page]": "1",
    }


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("bbox", "48.5,9.9,48.8", "needs four numbers"),
        ("bbox", "48.8,9.9,48.5,10.4", "needs south < north"),
        ("bbox", "Heidenheim", "needs four numbers"),
        ("token_env", TOKEN, "must name an environment variable"),
    ],
)
def test_the_sources_file_refuses_a_bad_box_or_a_token_in_place_of_its_variable(
    key: str, value: str, message: str
) -> None:
    data = {"sources": [{"id": "toubiz", "kind": "toubiz", key: value}]}
    with pytest.raises(SourcesFileError) as refused:
        parse_sources(data, label="sources.toml")
    assert message in str(refused.value) and f"field '{key}'" in str(refused.value)
    assert TOKEN not in str(refused.value)  # a token pasted by mistake is not repeated


def test_a_source_needs_no_url_box_or_variable_of_its_own() -> None:
    (config,) = parse_sources({"sources": [{"id": "toubiz", "kind": "toubiz"}]}, label="s")
    assert config.url == API
    assert (config.option("bbox"), config.option("token_env")) == (None, "LOTSE_TOUBIZ_TOKEN")
    assert region_named(config.region).bbox == (48.25, 9.6, 49.0, 10.6)  # what it asks for then


# --- records into drafts ----------------------------------------------------------------------


def test_a_date_gives_its_local_start_and_end(drafts) -> None:
    concert = only(drafts, CONCERT)
    assert concert.start.isoformat() == "2027-06-12T19:30:00+02:00"
    assert concert.end.isoformat() == "2027-06-12T22:00:00+02:00"
    assert (concert.series, concert.occurrence, concert.uid) == (False, "", CONCERT)


def test_intro_html_becomes_plain_text(drafts) -> None:
    assert (
        only(drafts, CONCERT).description == "Werke von Mozart & Haydn.\nKarten an der Abendkasse."
    )
    assert only(drafts, THEATRE).description == "Schauspiel in zwei Akten\nEinlass 19:00 Uhr"


def test_inactive_and_closed_dates_are_left_out_of_the_series(drafts) -> None:
    tour = drafts[TOUR]
    assert [d.start.date() for d in tour] == [date(2027, 4, 3), date(2027, 4, 24)]
    assert all(d.series for d in tour)
    assert [d.occurrence for d in tour] == ["20270403T120000Z", "20270424T120000Z"]


def test_canceled_cancels_the_event(drafts) -> None:
    assert only(drafts, MARKET).status == "cancelled"
    assert only(drafts, CONCERT).status == "confirmed"


def test_invisible_and_trashed_events_describe_no_listing(drafts) -> None:
    assert drafts[HIDDEN] == [] and drafts[TRASHED] == []


def test_a_date_without_start_time_is_all_day(drafts) -> None:
    fest = only(drafts, FEST)
    assert (fest.all_day, fest.start, fest.end) == (True, date(2027, 7, 18), date(2027, 7, 18))


def test_an_end_before_the_start_is_after_midnight(drafts) -> None:
    theatre = only(drafts, THEATRE)
    assert theatre.end.isoformat() == "2027-10-31T00:30:00+02:00"


def test_place_from_location_and_coordinates(drafts) -> None:
    place = only(drafts, CONCERT).place
    assert (place.name, place.town, place.lat, place.lon) == (
        "Konzerthaus Heidenheim",
        "Heidenheim an der Brenz",
        48.6783,
        10.1553,
    )
    assert only(drafts, MARKET).place.town == "Giengen an der Brenz"


def test_the_licence_travels_with_every_draft(drafts) -> None:
    assert {d.license for d in drafts[TOUR]} == {"cc-by-sa"}
    assert only(drafts, FEST).license == "cc0"
    assert only(drafts, CONCERT).to_fields()["license"] == "cc-by-sa"


def test_a_record_without_dates_cache_is_a_problem() -> None:
    body = json.dumps({"_attributes": {"pagination": {"lastPage": 1}}, "payload": [{"id": "x"}]})
    problems = read_records(read_events_page(document(body, API)).records, kind="toubiz", now=NOW)[
        1
    ]
    assert problems == {"x": "event has no 'datesCache' list of its dates"}


# --- over HTTP --------------------------------------------------------------------------------


def serve(site: FixtureServer, third: Reply | None = None) -> str:
    """Pages 1, 2 and 3 answer the search in turn (their queries differ only in the page)."""
    replies = [Reply.file(PAGES / f"page-{n}.json", JSON) for n in (1, 2)]
    return site.route(PATH, *replies, third or Reply.file(PAGES / "page-3.json", JSON))


def toubiz(url: str, **kwargs: object):
    return source("toubiz", "toubiz", url, trusted=True, name="Tourismus BW", **kwargs)


def published(out: Path) -> dict[str, list[dict]]:
    by_title: dict[str, list[dict]] = {}
    for event in json.loads((out / "events.json").read_text())["events"]:
        by_title.setdefault(event["title"], []).append(event)
    return by_title


def test_a_pass_reads_every_page_to_last_page_with_the_token(
    store, site, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    report = run_pass(store, [toubiz(serve(site))], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.problems) == ("ok", 7, 0)
    hits = [hit for hit in site.requests if hit.path.startswith(PATH)]
    assert [hit.path.rsplit("pagination%5Bpage%5D=", 1)[1] for hit in hits] == ["1", "2", "3"]
    assert all("pagination%5BpageSize%5D=100" in hit.path for hit in hits)
    corners = ("%5B0%5D%5Blat%5D=48.25", "%5B0%5D%5Blng%5D=9.6", "%5B1%5D%5Blat%5D=49&")
    corners += ("%5B1%5D%5Blng%5D=10.6",)  # the region's bbox
    assert all(corner in hit.path for hit in hits for corner in corners)
    for hit in hits:
        headers = {name.lower(): value for name, value in hit.headers.items()}
        assert headers["authorization"] == f"Bearer {TOKEN}"
    titles = set(published(tmp_path))
    assert "Theater am Abend: Der Besuch der alten Dame" in titles  # from page 3
    assert not titles & {"Ausstellung im Kunstmuseum", "Lesung in der Stadtbibliothek"}


def test_the_licence_is_published_in_events_json_and_the_ics_description(
    sqlite_store, site, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    run_pass(sqlite_store, [toubiz(serve(site))], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (concert,) = published(tmp_path)["Sommerkonzert: Philharmonisches Orchester Heidenheim"]
    (ref,) = concert["sources"]
    assert (ref["source"], ref["license"], ref["uid"]) == ("toubiz", "cc-by-sa", CONCERT)
    calendar = Calendar.from_ical((tmp_path / "events.ics").read_bytes())
    by_title = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    description = str(by_title[concert["title"]]["DESCRIPTION"])
    assert description.endswith("Quelle: Tourismus BW (Lizenz: cc-by-sa)")
    fest = str(by_title["Brenzpark-Fest"]["DESCRIPTION"])
    assert fest.endswith("Quelle: Tourismus BW (Lizenz: cc0)")


def test_a_missing_token_fails_the_source_naming_the_variable(
    sqlite_store, site, tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv("TOUBIZ_HEIDENHEIM", raising=False)
    config = toubiz(serve(site), options={"token_env": "TOUBIZ_HEIDENHEIM"})
    report = run_pass(sqlite_store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert summary.status == "failed"
    assert "the environment variable TOUBIZ_HEIDENHEIM is not set" in summary.error
    assert site.requests == []  # nothing asked without the token


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_fails_the_crawl_as_token_refused(
    sqlite_store, site, tmp_path, monkeypatch, status: int
) -> None:
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    url = site.route(PATH, Reply(b'{"message": "Unauthenticated."}', status=status))
    report = run_pass(sqlite_store, [toubiz(url)], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert summary.status == "failed"
    assert f"HTTP {status}: token refused (the token in LOTSE_TOUBIZ_TOKEN)" in summary.error


def test_the_token_is_in_no_log_line_problem_record_row_or_feed(
    sqlite_store, site, tmp_path, monkeypatch, caplog
) -> None:
    """A pass whose last page refuses the token (a problem text, an incomplete crawl), logged
    at DEBUG level by the crawl and by the pass."""
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    url = serve(site, third=Reply(b'{"message": "Unauthenticated."}', status=401))
    crawl_log = tmp_path / "crawl.log"
    settings = {**FAST_CRAWL, "LOG_FILE": str(crawl_log), "LOG_LEVEL": "DEBUG"}
    out = tmp_path / "out"
    with caplog.at_level(logging.DEBUG):
        report = run_pass(sqlite_store, [toubiz(url)], out, now=NOW, crawl_settings=settings)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.problems) == ("ok", 4, 1)
    assert "Crawled (200)" in crawl_log.read_text()  # the crawl's log was written
    assert TOKEN not in crawl_log.read_text() and TOKEN not in caplog.text
    with sqlite_store.transaction() as session:
        rows = [
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
        ]
    assert any("token refused" in row for row in rows)  # the problem text is stored
    assert any(CONCERT in row for row in rows)  # and so are the raw records
    assert not [row for row in rows if TOKEN in row]
    for path in out.rglob("*"):
        assert not path.is_file() or TOKEN.encode() not in path.read_bytes(), path


def test_an_event_made_invisible_later_is_gone_from_its_listing(
    sqlite_store, site, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    run_pass(sqlite_store, [toubiz(serve(site))], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    assert published(tmp_path)["Brenzpark-Fest"][0]["status"] == "confirmed"
    hidden = json.loads((PAGES / "page-2.json").read_text())
    hidden["payload"][1]["invisible"] = True
    site.route(
        PATH,
        Reply.file(PAGES / "page-1.json", JSON),
        Reply(json.dumps(hidden).encode(), headers={"Content-Type": JSON}),
        Reply.file(PAGES / "page-3.json", JSON),
    )
    later = NOW + timedelta(hours=6)
    run_pass(sqlite_store, [toubiz(site.url(PATH))], tmp_path, now=later, crawl_settings=FAST_CRAWL)
    (fest,) = published(tmp_path)["Brenzpark-Fest"]
    assert (fest["status"], fest["sources"]) == ("cancelled", [])


def test_toubiz_and_the_town_calendar_carrying_the_same_concert_are_one_listing(
    store, site, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    town = site.route("/stadt.ics", Reply.file(PAGES / "stadt.ics", "text/calendar"))
    sources = [
        source("stadt", "ical", town, trusted=True, name="Stadt Heidenheim"),
        toubiz(serve(site)),
    ]
    run_pass(store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    concerts = [
        event
        for title, events in published(tmp_path).items()
        if title.startswith("Sommerkonzert")
        for event in events
    ]
    (concert,) = concerts
    assert concert["start"] == "2027-06-12T19:30:00+02:00"
    assert [(ref["source"], ref["license"]) for ref in concert["sources"]] == [
        ("stadt", None),
        ("toubiz", "cc-by-sa"),
    ]
    calendar = Calendar.from_ical((tmp_path / "events.ics").read_bytes())
    (vevent,) = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).startswith("Sommer")]
    assert str(vevent["DESCRIPTION"]).endswith(
        "Quelle: Stadt Heidenheim, Tourismus BW (Lizenz: cc-by-sa)"
    )
    assert datetime.fromisoformat(concert["start"]).astimezone(UTC).hour == 17


def test_the_commented_examples_of_the_sources_file_are_valid_entries() -> None:
    """sources.toml shows a toubiz and an evangelische-termine entry commented out: with the
    comment marks removed they are valid, switched off, and hold no token."""
    text = (Path(__file__).resolve().parents[1] / "sources.toml").read_text(encoding="utf-8")
    block = text.split("# Examples, commented out", 1)[1].split("\n\n", 1)[0]
    entry = re.compile(r"^# (\[\[sources\]\]|[a-z_]+ = .*)$")
    toml = "\n".join(found[1] for line in block.splitlines() if (found := entry.match(line)))
    configs = parse_sources(tomllib.loads(toml), label="examples")
    assert [(c.kind, c.enabled) for c in configs] == [
        ("toubiz", False),
        ("evangelische-termine", False),
    ]
    assert configs[0].option("token_env") == "LOTSE_TOUBIZ_TOKEN"


def test_a_login_page_in_place_of_the_answer_fails_the_crawl_saying_what_was_expected(
    sqlite_store, site, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    login = Reply(
        b"<html><body><form>Anmelden</form></body></html>", headers={"Content-Type": "text/html"}
    )
    url = site.route(PATH, login)
    report = run_pass(sqlite_store, [toubiz(url)], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items) == ("failed", 0)
    assert "not a toubiz event page ({'_attributes': {'pagination': {'lastPage'}}" in summary.error


def test_a_changed_licence_is_a_change_of_the_listing(sqlite_store, site, tmp_path, monkeypatch):
    """Calendars refresh an event on a higher SEQUENCE: the new attribution reaches them, and
    the listing's history says what changed."""
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    run_pass(sqlite_store, [toubiz(serve(site))], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    relicensed = json.loads((PAGES / "page-1.json").read_text())
    relicensed["payload"][0]["license"] = "cc-by"
    site.route(
        PATH,
        Reply(json.dumps(relicensed).encode(), headers={"Content-Type": JSON}),
        Reply.file(PAGES / "page-2.json", JSON),
        Reply.file(PAGES / "page-3.json", JSON),
    )
    later = NOW + timedelta(hours=6)
    run_pass(sqlite_store, [toubiz(site.url(PATH))], tmp_path, now=later, crawl_settings=FAST_CRAWL)
    calendar = Calendar.from_ical((tmp_path / "events.ics").read_bytes())
    (concert,) = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).startswith("Sommer")]
    assert str(concert["DESCRIPTION"]).endswith("Quelle: Tourismus BW (Lizenz: cc-by)")
    assert concert["SEQUENCE"] == 1
    with sqlite_store.transaction() as session:
        changes = session.scalars(select(ListingChange.changes)).all()
    assert {"licenses": [["cc-by-sa"], ["cc-by"]]} in changes


def test_a_source_of_its_own_box_asks_for_that_one(sqlite_store, site, tmp_path, monkeypatch):
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    config = toubiz(serve(site), options={"bbox": "48.6,10.1,48.7,10.2"})
    run_pass(sqlite_store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    first = next(hit.path for hit in site.requests if hit.path.startswith(PATH))
    assert "filter%5BrectangleArea%5D%5B0%5D%5Blat%5D=48.6&" in first
    assert "filter%5BrectangleArea%5D%5B1%5D%5Blng%5D=10.2&" in first


def test_the_event_page_names_the_licence_with_the_source(
    sqlite_store, site, tmp_path, monkeypatch
):
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", TOKEN)
    run_pass(sqlite_store, [toubiz(serve(site))], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (concert,) = published(tmp_path)["Sommerkonzert: Philharmonisches Orchester Heidenheim"]
    client = TestClient(create_app(sqlite_store, clock=lambda: NOW))
    german = client.get(f"/veranstaltungen/{concert['id']}", headers={"Accept-Language": "de"})
    assert "toubiz (Lizenz: cc-by-sa)" in german.text
    english = client.get(f"/veranstaltungen/{concert['id']}", headers={"Accept-Language": "en"})
    assert "toubiz (licence: cc-by-sa)" in english.text


def test_a_date_given_twice_is_one_occurrence() -> None:
    event = json.loads((PAGES / "page-1.json").read_text())["payload"][1]
    event["datesCache"].append(dict(event["datesCache"][0]))
    body = json.dumps({"_attributes": {"pagination": {"lastPage": 1}}, "payload": [event]})
    found = read_records(read_events_page(document(body, API)).records, kind="toubiz", now=NOW)
    assert [d.start.date() for d in found[0][TOUR]] == [date(2027, 4, 3), date(2027, 4, 24)]
