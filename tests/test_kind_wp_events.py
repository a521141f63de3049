"""The `wp-events` kind (The Events Calendar REST API): fields, paging, and partial crawls."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.sources import SourceConfig
from crawlers.extract.records import Unreadable
from crawlers.extract.wp_events import next_page_url, read_events_page
from tests.conftest import CORPUS, FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import by_title, document, read_records
from tests.support.server import FixtureServer, Reply
from workers.passes import run_pass

PAGES = FIXTURES / "wp_events"
SITE = "https://verein.example"
API_PATH = "/wp-json/tribe/events/v1/events"
JSON = "application/json"
TOWN = "Hermaringen"


def read_page(name: str, now: datetime = NOW):
    page = read_events_page(document((PAGES / name).read_bytes(), SITE + API_PATH))
    config = SourceConfig(id="verein", kind="wp-events", url=SITE + API_PATH, town=TOWN)
    return by_title(read_records(page.records, kind="wp-events", now=now, source=config)[0])


@pytest.fixture(scope="module")
def drafts():
    return read_page("page1.json") | read_page("page2.json")


# --- Fields -----------------------------------------------------------------------------------


def test_utc_fields_give_the_instant(drafts) -> None:
    fields = drafts["Sommerfest – Eintritt frei"].to_fields()  # as published: Berlin time
    assert (fields["start"], fields["end"]) == (
        "2027-07-10T15:00:00+02:00",
        "2027-07-10T18:00:00+02:00",
    )


def test_title_entities_are_decoded(drafts) -> None:
    assert "Sommerfest – Eintritt frei" in drafts


def test_all_day_events_are_dates_with_inclusive_end(drafts) -> None:
    draft = drafts["Gemeindefest"]
    assert (draft.all_day, draft.start, draft.end) == (True, date(2027, 6, 20), date(2027, 6, 20))


def test_venue_becomes_a_place(drafts) -> None:
    place = drafts["Gemeindefest"].place
    assert (place.name, place.address, place.postcode, place.town) == (
        "Gemeindehaus Bolheim",
        "Kirchstraße 4",
        "89542",
        "Herbrechtingen",
    )
    assert (place.lat, place.lon) == (48.6232, 10.1728)
    assert drafts["Sommerfest – Eintritt frei"].place.town == "Giengen an der Brenz"


def test_no_venue_takes_the_source_town(drafts) -> None:
    assert drafts["Chorprobe für alle"].place.town == TOWN


def test_local_time_in_a_zone_that_is_no_iana_name_means_berlin(drafts) -> None:
    assert drafts["Chorprobe für alle"].start.isoformat() == "2027-01-13T19:30:00+01:00"


def test_categories_and_description(drafts) -> None:
    draft = drafts["Gemeindefest"]
    assert "alltag-freizeit" in draft.categories  # TEC category "Fest"
    assert draft.description == "Mit Mittagessen & Kinderprogramm."


def test_url_and_uid_are_the_events_own(drafts) -> None:
    draft = drafts["Gemeindefest"]
    assert (draft.url, draft.uid) == (f"{SITE}/veranstaltung/11/", "11")


def test_corpus_single_event_in_another_zone_keeps_its_instant() -> None:
    event = json.loads((CORPUS / "json" / "city-scrapers__hacc_event.json").read_text())
    page = read_events_page(document(json.dumps({"events": [event]}), SITE + API_PATH))
    found = read_records(page.records, kind="wp-events", now=datetime(2018, 5, 1, tzinfo=UTC))
    (draft,) = found[0]["2644"]
    assert draft.start.astimezone(UTC) == datetime(2018, 5, 11, 15, 0, tzinfo=UTC)
    assert (draft.place.town, draft.place.postcode) == ("Harvey", "60426")


# --- Paging -----------------------------------------------------------------------------------


def test_next_rest_url_is_the_next_page() -> None:
    data = json.loads((PAGES / "page1.json").read_text())
    assert next_page_url(data, SITE + API_PATH) == f"{SITE}{API_PATH}?page=2&per_page=2"


def test_without_next_rest_url_total_pages_gives_the_next_page() -> None:
    url = f"{SITE}{API_PATH}?per_page=2&page=2"
    assert next_page_url({"events": [], "total_pages": 3}, url).endswith("page=3")
    assert next_page_url({"events": [], "total_pages": 2}, url) is None


def test_a_page_without_events_list_is_refused() -> None:
    with pytest.raises(Unreadable, match="'events'"):
        read_events_page(document('{"code": "rest_no_route"}', SITE + API_PATH))


# --- Over HTTP --------------------------------------------------------------------------------


def serve_pages(site: FixtureServer, page2: Reply | None = None) -> str:
    """Both pages, their links rewritten to the fixture server."""

    def body(name: str) -> bytes:
        return (PAGES / name).read_bytes().replace(SITE.encode(), site.url("").encode())

    url = site.route(API_PATH, Reply(body("page1.json"), headers={"Content-Type": JSON}))
    second = page2 or Reply(body("page2.json"), headers={"Content-Type": JSON})
    site.route(f"{API_PATH}?page=2&per_page=2", second)
    return url


def titles(out: Path) -> set[str]:
    return {e["title"] for e in json.loads((out / "events.json").read_text())["events"]}


def test_a_pass_walks_every_page(store, site, tmp_path) -> None:
    url = serve_pages(site)
    config = source("verein", "wp-events", url, trusted=True, options={"per_page": 2})
    report = run_pass(store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.problems) == ("ok", 3, 0)
    assert [hit.path for hit in site.requests if hit.path.startswith(API_PATH)] == [
        f"{API_PATH}?per_page=2",
        f"{API_PATH}?page=2&per_page=2",
    ]
    assert titles(tmp_path) == {"Gemeindefest", "Sommerfest – Eintritt frei", "Chorprobe für alle"}


def test_a_failing_later_page_makes_the_crawl_partial_and_nothing_goes(
    sqlite_store, site, tmp_path
) -> None:
    url = serve_pages(site)
    config = source("verein", "wp-events", url, trusted=True, options={"per_page": 2})
    run_pass(sqlite_store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    serve_pages(site, page2=Reply(b"Fehler", status=404))
    later = NOW + timedelta(hours=6)
    report = run_pass(sqlite_store, [config], tmp_path, now=later, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.gone) == ("ok", 2, 0)
    assert summary.problems == 1
    assert "Chorprobe für alle" in titles(tmp_path)  # page 2 was not read, so nothing vanished
