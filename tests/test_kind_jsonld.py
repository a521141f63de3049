"""The `jsonld` kind: schema.org in HTML, field by field, then listing, pages and details."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crawlers.extract.jsonld import read_page
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import by_title, document, read_records
from tests.support.server import FixtureServer, Reply
from workers.passes import run_pass

PAGES = FIXTURES / "jsonld"
SITE = "https://www.heidenheim.example"
LISTING = f"{SITE}/veranstaltungen/"
HTML = "text/html; charset=utf-8"


def page(name: str, url: str = LISTING, follow: str | None = None):
    return read_page(document((PAGES / name).read_bytes(), url, follow=follow))


def drafts_of(*pages) -> dict:
    records = [record for found in pages for record in found.records]
    return read_records(records, kind="jsonld", now=NOW)


@pytest.fixture(scope="module")
def listing():
    return page("veranstaltungen.html", follow="a.termin")


@pytest.fixture(scope="module")
def events(listing):
    details = [
        page("frauentreff.html", f"{SITE}/veranstaltungen/frauentreff"),
        page("kinderkino.html", f"{SITE}/veranstaltungen/kinderkino"),
        page("seite-2.html", f"{SITE}/veranstaltungen/seite-2.html"),
    ]
    return by_title(drafts_of(listing, *details)[0])


# --- Reading a listing page -------------------------------------------------------------------


def test_graph_items_are_found_and_references_inlined(listing) -> None:
    (record,) = listing.records
    item = json.loads(record.payload)
    assert item["location"]["name"] == "Konzerthaus Heidenheim"
    assert record.key == f"{SITE}/veranstaltungen/neujahrskonzert#event"  # its @id


def test_events_listed_without_start_are_fetched_from_their_detail_page(listing) -> None:
    assert f"{SITE}/veranstaltungen/frauentreff" in listing.details
    assert listing.details[f"{SITE}/veranstaltungen/frauentreff"].key.endswith("/frauentreff")


def test_the_follow_selector_picks_detail_links_on_this_site_only(listing) -> None:
    assert f"{SITE}/veranstaltungen/kinderkino" in listing.details
    assert not any("andere-seite" in url for url in listing.details)


def test_a_link_that_is_no_url_is_passed_over() -> None:
    html = (
        '<a href="http://[kaputt/seite">kaputt</a><a href="/veranstaltungen/lesung">Lesung</a>'
        '<a rel="next" href="https://[::1/">weiter</a>'
    )
    found = read_page(document(html, LISTING, follow="a"))
    assert list(found.details) == [f"{SITE}/veranstaltungen/lesung"] and found.pages == []


def test_rel_next_and_pager_links_are_further_pages(listing) -> None:
    assert listing.pages == [f"{SITE}/veranstaltungen/seite-2.html"]


def test_a_broken_json_ld_block_is_a_problem_and_hides_nothing_else(listing) -> None:
    (problem,) = listing.problems
    assert "JSON-LD block 3 is not valid JSON" in problem.message
    assert len(listing.records) + len(listing.details) == 4


def test_microdata_items_are_kept_as_their_html(events) -> None:
    second = page("seite-2.html", f"{SITE}/veranstaltungen/seite-2.html")
    (record,) = second.records
    assert record.fmt == "html" and record.payload.startswith("<li itemscope")
    assert record.key == f"{SITE}/veranstaltungen/kinderflohmarkt"


# --- Fields -----------------------------------------------------------------------------------


def test_start_without_offset_is_berlin_wall_time(events) -> None:
    draft = events["Neujahrskonzert der Stadtkapelle"]
    assert draft.start.astimezone(UTC) == datetime(2027, 1, 10, 16, 0, tzinfo=UTC)
    assert draft.end.astimezone(UTC) == datetime(2027, 1, 10, 18, 0, tzinfo=UTC)


def test_start_with_offset_keeps_its_instant(events) -> None:
    draft = events["Frauentreff International"]
    assert draft.start.astimezone(UTC) == datetime(2027, 1, 20, 15, 0, tzinfo=UTC)


def test_event_cancelled_status_is_cancelled(events) -> None:
    assert events["Frauentreff International"].status == "cancelled"
    assert events["Neujahrskonzert der Stadtkapelle"].status == "confirmed"


def test_date_only_start_is_all_day(events) -> None:
    draft = events["Kinderkino: Die Schule der magischen Tiere"]
    assert (draft.all_day, draft.start, draft.end) == (True, date(2027, 2, 14), None)


def test_postal_address_becomes_the_place(events) -> None:
    place = events["Neujahrskonzert der Stadtkapelle"].place
    assert (place.name, place.address, place.postcode, place.town) == (
        "Konzerthaus Heidenheim",
        "Hugo-Rupf-Platz 1",
        "89522",
        "Heidenheim an der Brenz",
    )
    assert (place.lat, place.lon) == (48.6797, 10.1526)


def test_an_address_line_and_a_location_text_become_places(events) -> None:
    place = events["Frauentreff International"].place
    assert (place.name, place.address, place.town) == (
        "Integrationszentrum",
        "Giengener Straße 149",
        "Heidenheim an der Brenz",
    )
    kino = events["Kinderkino: Die Schule der magischen Tiere"].place
    assert kino.town == "Heidenheim an der Brenz" and "Schnaitheim" in kino.name


def test_microdata_fields(events) -> None:
    draft = events["Kinderflohmarkt"]
    assert draft.start.isoformat() == "2027-04-17T09:00:00+02:00"
    assert (draft.place.address, draft.place.town) == ("Lange Straße 58", "Herbrechtingen")
    assert "familie" in draft.categories


def test_description_is_plain_text_and_keywords_are_categories(events) -> None:
    draft = events["Neujahrskonzert der Stadtkapelle"]
    assert draft.description == "Walzer, Polka & Marsch."
    assert "alltag-freizeit" in draft.categories


def test_url_is_the_items_own_resolved_against_the_page(events) -> None:
    assert (
        events["Neujahrskonzert der Stadtkapelle"].url == f"{SITE}/veranstaltungen/neujahrskonzert"
    )
    assert events["Kinderkino: Die Schule der magischen Tiere"].url == (
        f"{SITE}/veranstaltungen/kinderkino"
    )


def test_an_event_without_start_is_a_recorded_problem(listing) -> None:
    incomplete = listing.details[f"{SITE}/veranstaltungen/kraeuterwanderung"]
    drafts, problems = read_records([incomplete], kind="jsonld", now=NOW)
    assert problems == {incomplete.key: "Event has no startDate"}


def test_job_postings_are_kept_as_records_but_give_no_events() -> None:
    html = (
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        '"@type": "JobPosting", "title": "Ausbildung Koch (m/w/d)", "url": "/jobs/koch"}</script>'
    )
    found = read_page(document(html, LISTING))
    assert [r.key for r in found.records] == [f"{SITE}/jobs/koch"]
    drafts, problems = read_records(found.records, kind="jsonld", now=NOW)
    assert drafts == {f"{SITE}/jobs/koch": []} and problems == {}


# --- Over HTTP --------------------------------------------------------------------------------


def serve(site: FixtureServer) -> str:
    for name, path in (
        ("seite-2.html", "/veranstaltungen/seite-2.html"),
        ("frauentreff.html", "/veranstaltungen/frauentreff"),
        ("kinderkino.html", "/veranstaltungen/kinderkino"),
    ):
        site.route(path, Reply.file(PAGES / name, HTML))
    return site.route("/veranstaltungen/", Reply.file(PAGES / "veranstaltungen.html", HTML))


def published(out: Path) -> dict[str, dict]:
    return {e["title"]: e for e in json.loads((out / "events.json").read_text())["events"]}


def test_a_pass_follows_pages_and_details(store, site, tmp_path) -> None:
    url = serve(site)
    config = source("stadt", "jsonld", url, trusted=True, options={"follow": "a.termin"})
    report = run_pass(store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items) == ("ok", 5)
    # the broken JSON-LD block, the missing detail page, the event that never got a start
    assert summary.problems == 3
    events = published(tmp_path)
    assert set(events) == {
        "Neujahrskonzert der Stadtkapelle",
        "Frauentreff International",
        "Kinderkino: Die Schule der magischen Tiere",
        "Kinderflohmarkt",
    }
    assert events["Frauentreff International"]["status"] == "cancelled"
    assert events["Kinderflohmarkt"]["location"]["town"] == "Herbrechtingen"
    assert not site.hits("/veranstaltungen/naechster-termin")  # detail pages are not paged
    assert len(site.hits("/veranstaltungen/")) == 1  # page 2 links back: not fetched again


def test_max_pages_stops_the_listing_and_says_so(sqlite_store, site, tmp_path) -> None:
    url = serve(site)
    config = source("stadt", "jsonld", url, trusted=True, options={"max_pages": 1})
    report = run_pass(sqlite_store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert summary.status == "ok"
    assert not site.hits("/veranstaltungen/seite-2.html")
    assert "Kinderflohmarkt" not in published(tmp_path)
    # the cap, the broken block, the missing detail page, the event that never got a start
    assert summary.problems == 4
