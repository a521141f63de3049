"""The `feed` kind: RSS and Atom, field by field, then through real spiders over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crawlers.extract.feed import MAX_FEED_BYTES, read_feed
from crawlers.extract.records import Unreadable
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import by_title, document, only, read_records
from tests.support.server import Reply
from workers.passes import run_pass

RSS = FIXTURES / "feed" / "stadtbibliothek.xml"
ATOM = FIXTURES / "feed" / "vereine.atom"
FEED_URL = "https://www.stadtbibliothek-heidenheim.example/feed.xml"
XML = "application/rss+xml; charset=utf-8"
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title>
<item><title>&lol3;</title><guid>x</guid></item></channel></rss>"""


def read(path: Path, now: datetime = NOW):
    records = read_feed(document(path.read_bytes(), FEED_URL)).records
    return read_records(records, kind="feed", now=now)


@pytest.fixture(scope="module")
def rss():
    return read(RSS)


@pytest.fixture(scope="module")
def atom():
    return by_title(read(ATOM)[0])


# --- RSS event module -------------------------------------------------------------------------


def test_ev_startdate_and_enddate_are_the_event_time(rss) -> None:
    draft = only(rss[0], "stabi-2027-0314")
    assert draft.start.astimezone(UTC) == datetime(2027, 3, 14, 18, 30, tzinfo=UTC)
    assert draft.end.astimezone(UTC) == datetime(2027, 3, 14, 20, 0, tzinfo=UTC)


def test_pub_date_is_never_the_event_time(rss) -> None:
    draft = only(rss[0], "stabi-2027-0314")
    assert draft.start.date() == date(2027, 3, 14)  # pubDate says 16 Nov 2026


def test_ev_dates_without_time_are_an_all_day_span_with_inclusive_end(rss) -> None:
    draft = only(rss[0], "stabi-2027-0501")
    assert (draft.all_day, draft.start, draft.end) == (True, date(2027, 5, 1), date(2027, 5, 2))


def test_ev_location_becomes_a_place_with_the_official_town(rss) -> None:
    place = only(rss[0], "stabi-2027-0314").place
    assert (place.name, place.address, place.postcode, place.town) == (
        "Stadtbibliothek",
        "Willy-Brandt-Platz 1",
        "89522",
        "Heidenheim an der Brenz",
    )
    assert only(rss[0], "stabi-2027-0501").place.town == "Giengen an der Brenz"


def test_ev_type_maps_onto_the_categories(rss) -> None:
    assert "alltag-freizeit" in only(rss[0], "stabi-2027-0314").categories  # "Lesung"


def test_description_is_plain_text(rss) -> None:
    assert only(rss[0], "stabi-2027-0314").description == "Eine Lesung mit Musik. Eintritt frei."


def test_link_is_the_record_url_and_guid_its_uid(rss) -> None:
    draft = only(rss[0], "stabi-2027-0314")
    assert draft.url == "https://www.stadtbibliothek-heidenheim.example/veranstaltungen/krimilesung"
    assert draft.uid == "stabi-2027-0314"


def test_abgesagt_prefix_cancels_and_leaves_the_title(rss) -> None:
    draft = only(rss[0], "stabi-2027-0205")
    assert (draft.title, draft.status) == ("Spieleabend für Erwachsene", "cancelled")


# --- Event time from the entry text -----------------------------------------------------------


def test_german_date_and_time_range_in_the_text(rss) -> None:
    draft = only(rss[0], "stabi-2027-0313")
    assert (draft.start.isoformat(), draft.end.isoformat()) == (
        "2027-03-13T10:00:00+01:00",
        "2027-03-13T11:30:00+01:00",
    )
    assert "familie" in draft.categories  # "Kinder" in the title


def test_an_entry_without_event_time_is_a_recorded_problem(rss) -> None:
    _, problems = rss
    assert set(problems) == {"stabi-news-oeffnungszeiten"}
    assert "no event time" in problems["stabi-news-oeffnungszeiten"]
    assert "publication date" in problems["stabi-news-oeffnungszeiten"]


def test_atom_summary_with_numeric_date_and_dotted_time(atom) -> None:
    draft = atom["Wanderung zum Wental"]
    assert (draft.start.isoformat(), draft.end) == ("2027-03-14T09:30:00+01:00", None)
    assert draft.url == "https://www.stadtbibliothek-heidenheim.example/termine/wanderung-wental"


def test_atom_content_ganztaegig_without_year_is_the_next_such_day(atom) -> None:
    draft = atom["Adventsbasar"]
    assert (draft.all_day, draft.start) == (True, date(2026, 12, 5))
    assert draft.place.town is None  # no place written; the source's default town applies later


# --- Refusals before feedparser ---------------------------------------------------------------


def test_entity_declarations_are_refused_before_parsing() -> None:
    with pytest.raises(Unreadable, match="billion laughs"):
        read_feed(document(BOMB, FEED_URL))


def test_entity_declarations_in_utf16_are_refused_too() -> None:
    body = BOMB.decode().replace('"1.0"?>', '"1.0" encoding="utf-16"?>', 1)
    with pytest.raises(Unreadable, match="ENTITY"):
        read_feed(document(body.encode("utf-16"), FEED_URL))


def test_a_feed_over_the_size_cap_is_refused_naming_the_size() -> None:
    body = RSS.read_bytes() + b" " * MAX_FEED_BYTES
    with pytest.raises(Unreadable, match=f"{len(body):,} bytes, over the cap"):
        read_feed(document(body, FEED_URL))


def test_an_html_page_is_no_feed() -> None:
    with pytest.raises(Unreadable, match="HTML page"):
        read_feed(document(b"<!DOCTYPE html><html><body>Anmelden</body></html>", FEED_URL))


def test_duplicate_guids_keep_the_first_and_say_so() -> None:
    body = RSS.read_bytes().replace(b"stabi-2027-0313", b"stabi-2027-0314")
    found = read_feed(document(body, FEED_URL))
    records, problems = found.records, found.problems
    assert [r.key for r in records].count("stabi-2027-0314") == 1
    assert any("stabi-2027-0314" in p.message for p in problems)


def test_the_payload_is_the_entry_verbatim_as_json() -> None:
    records = read_feed(document(RSS.read_bytes(), FEED_URL)).records
    entry = json.loads(next(r for r in records if r.key == "stabi-2027-0314").payload)
    assert entry["ev_startdate"] == "2027-03-14T19:30:00+01:00"
    assert entry["published"] == "Mon, 16 Nov 2026 10:00:00 +0100"


# --- Through the spider, over HTTP ------------------------------------------------------------


def feed_events(out: Path) -> dict[str, dict]:
    return {e["title"]: e for e in json.loads((out / "events.json").read_text())["events"]}


def test_a_pass_publishes_feed_events_and_counts_the_problem(store, site, tmp_path) -> None:
    url = site.route("/feed.xml", Reply.file(RSS, XML))
    report = run_pass(
        store,
        [source("stabi", "feed", url, trusted=True)],
        tmp_path,
        now=NOW,
        crawl_settings=FAST_CRAWL,
    )
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.new, summary.problems) == ("ok", 5, 5, 1)
    events = feed_events(tmp_path)
    assert set(events) == {
        "Lesung: Krimis von der Ostalb",
        "Bücherflohmarkt",
        "Vorlesestunde für Kinder",
        "Spieleabend für Erwachsene",
    }
    lesung = events["Lesung: Krimis von der Ostalb"]
    assert (lesung["start"], lesung["end"]) == (
        "2027-03-14T19:30:00+01:00",
        "2027-03-14T21:00:00+01:00",
    )
    assert lesung["sources"][0]["url"].endswith("/veranstaltungen/krimilesung")
    assert events["Spieleabend für Erwachsene"]["status"] == "cancelled"


def test_the_second_crawl_is_a_conditional_get_answered_304(store, site, tmp_path) -> None:
    url = site.route("/feed.xml", Reply.file(RSS, XML, etag=True))
    sources = [source("stabi", "feed", url, trusted=True)]
    run_pass(store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    report = run_pass(store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.new, summary.gone) == ("unchanged", 5, 0, 0)
    assert site.hits("/feed.xml")[-1].headers.get("If-None-Match")
    assert len(feed_events(tmp_path)) == 4


def test_a_feed_bomb_fails_its_source_with_a_clear_error(sqlite_store, site, tmp_path) -> None:
    url = site.route("/bomb.xml", Reply(BOMB, headers={"Content-Type": XML}))
    report = run_pass(
        sqlite_store, [source("bomb", "feed", url)], tmp_path, now=NOW, crawl_settings=FAST_CRAWL
    )
    (summary,) = report.summaries
    assert summary.status == "failed"
    assert url in summary.error and "<!ENTITY" in summary.error
