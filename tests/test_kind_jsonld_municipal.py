"""The `jsonld` kind on a municipal calendar given by its address alone: a listing of teasers
without markup (and a pager), whose detail pages carry the events (tests/fixtures/municipal/,
in the shape /work/shared/SOURCES.md records). First the pages as read, field by field (Event
subtypes, Course, EventSeries, online events), then real crawls over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aggregator.normalize.drafts import EventDraft
from crawlers.crawl import CrawlJob, crawl_sources
from crawlers.extract.discovery import detail_links, pager_links
from crawlers.extract.jsonld import read_page
from crawlers.extract.records import Extracted
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import document, read_records
from tests.support.server import FixtureServer, Reply
from workers.passes import run_pass

PAGES = FIXTURES / "municipal"
HTML = "text/html; charset=utf-8"
SITE = "https://www.heidenheim.example"
LISTING = "/,Lde/startseite/veranstaltungen.html"
DETAIL = "/,Lde/startseite/veranstaltungen/{}.html"
DETAILS = (  # the teasers' detail pages that carry schema.org items
    "neujahrskonzert",
    "jedermann",
    "sprachcafe-online",
    "vortrag-integration",
    "deutschkurs-a1",
    "lesesommer",
)
NOT_DETAILS = (DETAIL.format("stadtfest"), "/,Lde/startseite/kultur.html")  # linked, no items
NEVER = (  # navigation, breadcrumb, sidebar, footer, filter, files: never requested
    "/,Lde/startseite.html",
    "/,Lde/rathaus.html",
    "/,Lde/leben.html",
    "/,Lde/kontakt.html",
    "/,Lde/aktuelles/news.html",
    "/,Lde/aktuelles/news/baustelle-brenzstrasse.html",
    "/,Lde/impressum.html",
    "/,Lde/datenschutz.html",
    "/,Lde/barrierefreiheit.html",
    f"{LISTING}?kat=kultur",
    "/,Lde/dateien/veranstaltungskalender-2027.pdf",
    "/,Lde/startseite/veranstaltungen.ics",
)


def listing_page(number: int, base: str = SITE) -> tuple[str, Path]:
    name = "veranstaltungen.html" if number == 1 else f"veranstaltungen-seite-{number}.html"
    return base + LISTING + ("" if number == 1 else f"?page={number}"), PAGES / name


def read(name: str, url: str):
    return read_page(document((PAGES / f"{name}.html").read_bytes(), url))


def drafts_of(name: str) -> list[EventDraft]:
    page = read(name, SITE + DETAIL.format(name))
    drafts, problems = read_records(page.records, kind="jsonld", now=NOW)
    assert problems == {}
    return [draft for found in drafts.values() for draft in found]


def one_draft(record: Extracted) -> EventDraft:
    drafts, problems = read_records([record], kind="jsonld", now=NOW)
    (draft,) = drafts[record.key]
    return draft


def one(name: str) -> EventDraft:
    (draft,) = drafts_of(name)
    return draft


# --- The listing: where it leads --------------------------------------------------------------


@pytest.fixture(scope="module")
def first():
    url, path = listing_page(1)
    return document(path.read_bytes(), url)


def test_a_listing_of_teasers_names_the_links_of_its_main_content(first) -> None:
    assert read_page(first).discovered == [SITE + DETAIL.format(name) for name in DETAILS[:3]]


def test_detail_links_leave_out_navigation_footer_files_and_other_sites(first) -> None:
    found = {link.removeprefix(SITE) for link in detail_links(first)}
    assert not found & set(NEVER)
    assert not any("stadtbibliothek.example" in link for link in detail_links(first))


def test_detail_links_leave_out_the_pager_which_pager_links_name(first) -> None:
    assert pager_links(first) == [f"{SITE}{LISTING}?page=2", f"{SITE}{LISTING}?page=3"]
    assert not set(pager_links(first)) & set(detail_links(first))


def test_a_listing_of_teasers_is_no_problem(first) -> None:
    page = read_page(first)
    assert (page.records, page.problems) == ([], [])


def test_a_page_without_items_or_links_is_read_only_in_part() -> None:
    page = read_page(document("<main><p>Zurzeit keine Termine.</p></main>", SITE + LISTING))
    (problem,) = page.problems
    assert problem.partial and "no links to detail pages" in problem.message


def test_a_teaser_header_inside_an_article_is_content() -> None:
    html = (
        '<header><a href="/kopf">Kopf</a></header><article><header><h3>'
        '<a href="/termin/1">Termin</a></h3></header></article>'
    )
    assert detail_links(document(html, SITE + LISTING)) == [f"{SITE}/termin/1"]


def test_page_numbers_are_pages_but_a_calendar_widgets_days_are_neither() -> None:
    html = (
        '<main><a href="/termine?seite=2">2</a> <table class="kalender"><tr><td>'
        '<a href="/termine?datum=2027-01-14">14</a></td></tr></table>'
        '<a href="/termine/lesung">Lesung</a></main>'
    )
    page = document(html, SITE + "/termine")
    assert pager_links(page) == [f"{SITE}/termine?seite=2"]
    assert detail_links(page) == [f"{SITE}/termine/lesung"]


# --- Event subtypes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("neujahrskonzert", "Neujahrskonzert der Stadtkapelle"),  # MusicEvent
        ("jedermann", "Theater: Jedermann"),  # TheaterEvent in an @graph
        ("sprachcafe-online", "Sprachcafé online"),  # EducationEvent
    ],
)
def test_event_subtypes_are_events(name: str, title: str) -> None:
    assert one(name).title == title


def test_a_subtypes_place_by_reference_and_local_time() -> None:
    draft = one("jedermann")
    assert (draft.place.name, draft.place.address) == ("Lokschuppen", "Bahnhofplatz 4")
    assert draft.start.isoformat() == "2027-01-22T19:30:00+01:00"


def test_a_relative_id_is_resolved_against_the_page() -> None:
    assert one("jedermann").uid == SITE + DETAIL.format("jedermann") + "#event"


@pytest.mark.parametrize(
    "kind", ["BroadcastEvent", "OnDemandEvent", "Hackathon", "SaleEvent", "CourseInstance"]
)
def test_every_event_subtype_of_schema_org_counts(kind: str) -> None:
    item = {"@type": kind, "name": "Termin", "startDate": "2027-03-01"}
    html = f'<script type="application/ld+json">{json.dumps(item)}</script>'
    (record,) = read_page(document(html, SITE + LISTING)).records
    assert one_draft(record).title == "Termin"


# --- Online -----------------------------------------------------------------------------------


def test_a_virtual_location_says_online_with_its_name() -> None:
    assert one("sprachcafe-online").place.name == "Online (Videokonferenz)"
    assert one("sprachcafe-online").place.town is None


def test_a_virtual_locations_link_is_kept_in_the_description() -> None:
    description = one("sprachcafe-online").description
    assert description.endswith("\n\nOnline: https://konferenz.heidenheim.example/sprachcafe")


def test_an_event_moved_online_is_online_not_at_its_old_place() -> None:
    draft = one("vortrag-integration")
    assert (draft.place.name, draft.place.address, draft.status) == ("Online", None, "confirmed")


def test_an_event_moved_online_keeps_its_link() -> None:
    assert one("vortrag-integration").description == (
        "Online: https://konferenz.heidenheim.example/ankommen"
    )


def test_a_mixed_event_keeps_its_place_and_the_link() -> None:
    html = (
        '<script type="application/ld+json">{"@type": "Event", "name": "Hybrid", '
        '"startDate": "2027-03-01T18:00:00+01:00", "eventAttendanceMode": '
        '"https://schema.org/MixedEventAttendanceMode", "location": [{"@type": '
        '"VirtualLocation", "url": "https://stream.example/a"}, {"@type": "Place", "name": '
        '"Rathaus", "address": "Grabenstraße 15, 89522 Heidenheim"}]}</script>'
    )
    (record,) = read_page(document(html, SITE + LISTING)).records
    draft = one_draft(record)
    assert (draft.place.name, draft.place.address) == ("Rathaus", "Grabenstraße 15")
    assert draft.description == "Online: https://stream.example/a"


# --- Course with hasCourseInstance ------------------------------------------------------------


@pytest.fixture(scope="module")
def course() -> list[EventDraft]:
    return drafts_of("deutschkurs-a1")


def test_a_course_gives_one_event_per_instance_with_the_instances_dates(course) -> None:
    assert [(d.start.isoformat(), d.end.isoformat()) for d in course] == [
        ("2027-03-01T18:30:00+01:00", "2027-03-01T20:00:00+01:00"),
        ("2027-03-04T18:30:00+01:00", "2027-03-04T20:00:00+01:00"),
        ("2027-03-06T10:00:00+01:00", "2027-03-06T11:30:00+01:00"),
    ]


def test_a_course_instance_takes_the_courses_name_not_its_own(course) -> None:
    assert {draft.title for draft in course} == {"Deutschkurs A1 am Abend"}


def test_a_course_instance_takes_the_courses_description_and_provider(course) -> None:
    assert course[0].description == (
        "Deutsch für Anfängerinnen und Anfänger, zweimal in der Woche.\n\n"
        "Anbieter: Volkshochschule Heidenheim"
    )


def test_a_course_instance_has_its_own_place(course) -> None:
    assert [(d.place.name, d.place.address) for d in course] == [
        ("Volkshochschule, Raum 12", "Karlstraße 12"),
        ("Hellenstein-Gymnasium", "Ploucquetstraße 23"),
        ("Online", None),
    ]
    assert course[2].description.endswith("Online: https://vhs-heidenheim.example/online/a1")


def test_a_courses_instances_are_occurrences_of_one_series(course) -> None:
    assert {draft.uid for draft in course} == {SITE + DETAIL.format("deutschkurs-a1") + "#course"}
    assert all(draft.series for draft in course)
    assert len({draft.occurrence for draft in course}) == 3


def test_a_course_without_instances_is_a_recorded_problem() -> None:
    html = '<script type="application/ld+json">{"@type": "Course", "name": "Yoga"}</script>'
    page = read_page(document(html, SITE + LISTING))
    drafts, problems = read_records(page.records, kind="jsonld", now=NOW)
    assert list(problems.values()) == ["Course without a hasCourseInstance that names a startDate"]


def test_a_series_whose_sub_events_are_elsewhere_is_one_event() -> None:
    item = {
        "@type": "EventSeries",
        "name": "Kulturwochen",
        "startDate": "2027-05-01",
        "endDate": "2027-05-15",
        "subEvent": [{"@id": "https://www.heidenheim.example/termine/1"}],
    }
    html = f'<script type="application/ld+json">{json.dumps(item)}</script>'
    (record,) = read_page(document(html, SITE + LISTING)).records
    draft = one_draft(record)
    assert (draft.title, draft.start.isoformat(), draft.end.isoformat()) == (
        "Kulturwochen",
        "2027-05-01",
        "2027-05-15",
    )


@pytest.fixture(scope="module")
def scheduled() -> list[EventDraft]:
    return drafts_of("yoga")


def test_a_weekly_course_schedule_gives_each_time_in_local_time(scheduled) -> None:
    weekly = [d for d in scheduled if d.place.name == "VHS, Gymnastikraum"]
    assert [d.start.isoformat() for d in weekly] == [
        "2027-03-03T18:00:00+01:00",
        "2027-03-10T18:00:00+01:00",
        "2027-03-17T18:00:00+01:00",
        "2027-03-24T18:00:00+01:00",
        "2027-04-07T18:00:00+02:00",  # 31 March left out (exceptDate); summer time
    ]


def test_a_course_schedules_end_time_ends_each_time(scheduled) -> None:
    assert scheduled[0].end.isoformat() == "2027-03-03T19:30:00+01:00"


def test_a_daily_course_schedule_without_a_time_gives_all_day_events(scheduled) -> None:
    daily = [d for d in scheduled if d.place.name == "Naturfreundehaus Heidenheim"]
    assert [(d.all_day, d.start.isoformat()) for d in daily] == [
        (True, "2027-07-05"),
        (True, "2027-07-06"),
        (True, "2027-07-07"),
    ]


# --- EventSeries with subEvent ----------------------------------------------------------------


@pytest.fixture(scope="module")
def series() -> list[EventDraft]:
    return drafts_of("lesesommer")


def test_an_event_series_gives_its_sub_events_under_their_own_names(series) -> None:
    assert [(d.title, d.start.isoformat()) for d in series] == [
        ("Lesesommer: Bilderbuchkino", "2027-06-19T10:00:00+02:00"),
        ("Lesesommer: Lesung mit Autorin", "2027-07-17T19:00:00+02:00"),
    ]


def test_a_sub_event_takes_the_series_place_where_it_has_none(series) -> None:
    assert [d.place.name for d in series] == [
        "Stadtbibliothek im Pavillon",
        "Schloss Hellenstein, Rittersaal",
    ]


def test_a_sub_event_takes_the_series_description(series) -> None:
    assert {d.description for d in series} == {"Lesen, vorlesen, zuhören: den ganzen Sommer lang."}


def test_a_sub_event_has_its_own_status(series) -> None:
    assert [d.status for d in series] == ["confirmed", "cancelled"]


def test_a_series_is_one_record_and_its_parts_on_the_page_are_not_read_twice() -> None:
    html = (
        '<script type="application/ld+json">{"@graph": [{"@type": "EventSeries", "@id": "#s", '
        '"name": "Reihe", "subEvent": [{"@id": "#a"}, {"@id": "#b"}]}, {"@type": "Event", '
        '"@id": "#a", "startDate": "2027-03-01"}, {"@type": "Event", "@id": "#b", '
        '"startDate": "2027-03-08", "superEvent": {"@id": "#s"}}]}</script>'
    )
    page = read_page(document(html, SITE + LISTING))
    assert [record.key for record in page.records] == [SITE + LISTING + "#s"]
    (found,) = read_records(page.records, kind="jsonld", now=NOW)[0].values()
    assert [(d.title, d.start.isoformat()) for d in found] == [
        ("Reihe", "2027-03-01"),
        ("Reihe", "2027-03-08"),
    ]


# --- Over HTTP: the site from its address alone -----------------------------------------------


def serve(site: FixtureServer) -> str:
    """The municipal site on 127.0.0.1: three listing pages, detail pages, a content page."""
    for number in (1, 2, 3):
        url, path = listing_page(number, base="")
        site.route(url, Reply.file(path, HTML))
    for name in (*DETAILS, "stadtfest"):
        site.route(DETAIL.format(name), Reply.file(PAGES / f"{name}.html", HTML))
    site.route("/,Lde/startseite/kultur.html", Reply.file(PAGES / "kultur.html", HTML))
    return site.url(LISTING)


def municipal(url: str, **options: object):
    return source("stadt-heidenheim", "jsonld", url, trusted=True, options=options)


def crawl(config, state: dict | None = None):
    return crawl_sources([CrawlJob(config, state or {})], settings=FAST_CRAWL)[config.id]


def published(out: Path) -> list[dict]:
    return json.loads((out / "events.json").read_text())["events"]


def paths(site: FixtureServer) -> list[str]:
    return [seen.path for seen in site.requests if seen.path != "/robots.txt"]


def test_every_detail_event_is_read_and_the_crawl_is_complete(site) -> None:
    result = crawl(municipal(serve(site)))
    assert (result.status, result.complete, result.problems) == ("ok", True, [])
    pages = sorted(record.url.removeprefix(site.url("")) for record in result.records)
    assert pages == sorted(DETAIL.format(name) for name in DETAILS)


def test_navigation_footer_and_files_are_never_requested(site) -> None:
    crawl(municipal(serve(site)))
    assert not set(paths(site)) & set(NEVER)
    assert sorted(paths(site)) == sorted(
        [LISTING, f"{LISTING}?page=2", f"{LISTING}?page=3", *NOT_DETAILS]
        + [DETAIL.format(name) for name in DETAILS]
    )


def test_the_crawl_remembers_which_links_proved_details(site) -> None:
    url = serve(site)
    result = crawl(municipal(url))
    base = url.removesuffix(LISTING)
    assert sorted(result.memory["details"]) == sorted(base + DETAIL.format(n) for n in DETAILS)
    assert sorted(result.memory["other"]) == sorted(base + path for path in NOT_DETAILS)


def test_a_second_pass_goes_straight_to_the_known_details(store, site, tmp_path) -> None:
    config = municipal(serve(site))
    first = run_pass(store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    first_requests = paths(site)
    site.requests.clear()
    second = run_pass(store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    assert [s.items for s in first.summaries] == [s.items for s in second.summaries] == [6]
    assert sorted(event["title"] for event in published(tmp_path)) == [
        "Deutschkurs A1 am Abend",
        "Deutschkurs A1 am Abend",
        "Deutschkurs A1 am Abend",
        "Lesesommer: Bilderbuchkino",
        "Lesesommer: Lesung mit Autorin",
        "Neujahrskonzert der Stadtkapelle",
        "Sprachcafé online",
        "Theater: Jedermann",
        "Vortrag: Ankommen in Heidenheim",
    ]
    assert (len(first_requests), len(paths(site))) == (11, 9)
    assert not set(paths(site)) & set(NOT_DETAILS)
    assert {DETAIL.format(name) for name in DETAILS} <= set(paths(site))


def test_a_known_detail_that_is_gone_is_no_event_any_more(store, site, tmp_path) -> None:
    config = municipal(serve(site))
    run_pass(store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    site.routes.pop(DETAIL.format("deutschkurs-a1"))  # the course was taken off the site
    report = run_pass(store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.gone) == ("ok", 5, 1)


def test_a_link_is_remembered_as_the_listing_wrote_it_not_where_it_redirected(site) -> None:
    url = serve(site)
    moved = DETAIL.format("jedermann")
    site.route(moved, Reply(status=301, headers={"Location": site.url("/theater/jedermann")}))
    site.route("/theater/jedermann", Reply.file(PAGES / "jedermann.html", HTML))
    result = crawl(municipal(url))
    assert site.url(moved) in result.memory["details"]


def test_unknown_links_are_tried_at_most_max_discovered_per_crawl(site) -> None:
    result = crawl(municipal(serve(site), max_discovered=2))
    tried = [path for path in paths(site) if path.startswith("/,Lde/startseite/veranstaltungen/")]
    assert len(tried) == 2 and not result.complete
    assert [p.message for p in result.problems] == [
        "more than 2 unknown links on the listing; tried the first"
    ]


def test_the_next_crawls_try_the_links_the_bound_left(site) -> None:
    config = municipal(serve(site), max_discovered=3)
    first = crawl(config)  # the first page's three links
    second = crawl(config, {"memory": first.memory})  # those three known, three of five new
    third = crawl(config, {"memory": second.memory})  # six known, the last two new
    assert [len(found.records) for found in (first, third)] == [3, 6]
    assert [found.complete for found in (first, second, third)] == [False, False, True]


def test_links_without_any_item_make_the_crawl_incomplete_and_say_so(site) -> None:
    html = '<main><a href="/kultur">Kultur</a> <a href="/fest">Stadtfest</a></main>'
    site.route("/kultur", Reply.file(PAGES / "kultur.html", HTML))
    site.route("/fest", Reply.file(PAGES / "stadtfest.html", HTML))
    listing = Reply(html.encode(), headers={"Content-Type": HTML})
    result = crawl(municipal(site.route("/termine", listing)))
    assert (result.records, result.complete) == ([], False)
    (problem,) = result.problems
    assert "none of the 2 links of the listing leads to a page with schema.org items" in str(
        problem
    )


def test_links_robots_txt_forbids_are_not_fetched_and_cut_nothing_short(site) -> None:
    url = serve(site)
    site.route("/robots.txt", Reply(b"User-agent: *\nDisallow: /,Lde/startseite/kultur\n"))
    result = crawl(municipal(url))
    assert not site.hits("/,Lde/startseite/kultur.html")
    assert (len(result.records), result.complete, result.problems) == (6, True, [])


def test_follow_overrides_the_discovery(site) -> None:
    url = serve(site)
    result = crawl(municipal(url, follow="a[href*=neujahrskonzert]"))
    assert [record.key.split("/")[-1] for record in result.records] == [
        "neujahrskonzert.html#event"
    ]
    details = [path for path in paths(site) if "/veranstaltungen/" in path or "kultur" in path]
    assert details == [DETAIL.format("neujahrskonzert")]
