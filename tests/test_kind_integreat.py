"""The `integreat` kind: both API forms, field by field, then a pass over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crawlers.extract.integreat import split_events
from crawlers.extract.records import Unreadable
from crawlers.spiders.integreat import combined as combined_url
from tests.conftest import CORPUS, FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import document, only, read_records
from tests.support.server import Reply
from workers.passes import run_pass

EXPANDED = FIXTURES / "integreat" / "events.json"
COMBINED = FIXTURES / "integreat" / "events_combined.json"
MORE = FIXTURES / "integreat" / "events_more.json"
API = "https://cms.integreat-app.de/api/v3/landkreisheidenheim/de/events/"
JSON = "application/json"


def read(path: Path, now: datetime = NOW):
    found = split_events(document(path.read_bytes(), API))
    assert not found.problems
    return read_records(found.records, kind="integreat", now=now)


@pytest.fixture(scope="module")
def expanded():
    return read(EXPANDED)


@pytest.fixture(scope="module")
def combined():
    return read(COMBINED)


def starts(drafts) -> list[str]:
    return [d.start.isoformat() for d in sorted(drafts, key=lambda d: d.start)]


# --- Expanded form: one item per occurrence ---------------------------------------------------


def test_expanded_occurrences_are_one_record_one_series(expanded) -> None:
    drafts, problems = expanded
    assert problems == {}
    assert set(drafts) == {"101", "102", "103"}
    assert starts(drafts["101"]) == [
        "2027-01-07T18:30:00+01:00",
        "2027-01-14T18:30:00+01:00",
        "2027-01-21T18:30:00+01:00",
    ]
    assert all(d.series for d in drafts["101"])
    assert len({d.occurrence for d in drafts["101"]}) == 3


def test_occurrence_keys_are_the_utc_start_like_ical(expanded) -> None:
    first = min(expanded[0]["101"], key=lambda d: d.start)
    assert first.occurrence == "20270107T173000Z"


def test_each_occurrence_keeps_its_own_end_and_url(expanded) -> None:
    first = min(expanded[0]["101"], key=lambda d: d.start)
    assert first.end.isoformat() == "2027-01-07T20:00:00+01:00"
    assert first.url.endswith("/sprachcafe-deutsch$2027-01-07/")


def test_all_day_00_00_to_23_59_59_is_an_all_day_event(expanded) -> None:
    draft = only(expanded[0], "102")
    assert (draft.all_day, draft.start, draft.end) == (True, date(2027, 3, 20), date(2027, 3, 20))


def test_excerpt_entities_are_decoded_where_there_is_no_content(expanded) -> None:
    assert only(expanded[0], "102").description == "Führungen, Beratung & Kaffee."


def test_content_html_becomes_plain_text(expanded) -> None:
    first = min(expanded[0]["101"], key=lambda d: d.start)
    assert first.description == (
        "Deutsch sprechen & Leute kennenlernen – für alle Niveaus.\nEintritt frei."
    )


def test_location_becomes_a_place_with_official_town_and_coordinates(expanded) -> None:
    place = expanded[0]["101"][0].place
    assert (place.name, place.address, place.postcode, place.town) == (
        "Volkshochschule Heidenheim",
        "Karlstraße 12",
        "89518",
        "Heidenheim an der Brenz",
    )
    assert (place.lat, place.lon) == (48.6762, 10.1534)
    assert only(expanded[0], "102").place.address == "Giengener Straße 149"


def test_summer_times_keep_their_offset(expanded) -> None:
    draft = only(expanded[0], "103")
    assert draft.start.astimezone(UTC) == datetime(2027, 6, 15, 16, 0, tzinfo=UTC)
    assert draft.series is False and draft.occurrence == ""


def test_categories_from_title_keywords(expanded) -> None:
    assert "sprache" in expanded[0]["101"][0].categories
    assert "arbeit-bildung" in only(expanded[0], "103").categories


# --- Combined form: one item per event with recurrence_rule -----------------------------------


def test_combined_rule_is_expanded_weekly_until_its_end(combined) -> None:
    drafts = combined[0]["101"]
    assert len(drafts) == 13  # Thursdays from 7 Jan to 1 Apr 2027
    assert starts(drafts)[:3] == starts(read(EXPANDED)[0]["101"])


def test_combined_rule_keeps_the_local_time_across_dst(combined) -> None:
    last = max(combined[0]["101"], key=lambda d: d.start)
    assert (last.start.isoformat(), last.end.isoformat()) == (
        "2027-04-01T18:30:00+02:00",
        "2027-04-01T20:00:00+02:00",
    )


def test_both_forms_give_the_same_occurrence_keys(expanded, combined) -> None:
    assert {d.occurrence for d in expanded[0]["101"]} <= {d.occurrence for d in combined[0]["101"]}


def test_combined_rule_is_cut_to_the_published_window() -> None:
    drafts, _ = read(COMBINED, now=datetime(2027, 3, 20, tzinfo=UTC))
    first = min(drafts["101"], key=lambda d: d.start)
    assert first.start.date() == date(2027, 2, 18)  # 30 days back from 20 March


def test_an_evening_series_begun_in_summer_stays_at_19_00_in_winter() -> None:
    """DTSTART:20270902T170000 is 17:00 UTC, 19:00 summer time: anchored on event.start."""
    drafts, _ = read(MORE, now=datetime(2027, 6, 1, tzinfo=UTC))
    course = sorted(drafts["204"], key=lambda d: d.start)
    assert len(course) == 13  # Thursdays from 2 September to 25 November 2027
    assert (course[0].start.isoformat(), course[0].end.isoformat()) == (
        "2027-09-02T19:00:00+02:00",
        "2027-09-02T20:30:00+02:00",
    )
    assert course[-1].start.isoformat() == "2027-11-25T19:00:00+01:00"


def test_an_evening_series_begun_in_winter_stays_at_18_30_in_summer(combined) -> None:
    """DTSTART:20270107T173000 is 17:30 UTC, 18:30 winter time."""
    first, last = (f(combined[0]["101"], key=lambda d: d.start) for f in (min, max))
    assert first.start.isoformat() == "2027-01-07T18:30:00+01:00"
    assert last.start.isoformat() == "2027-04-01T18:30:00+02:00"


def test_only_weekdays_gives_each_monday_to_friday_at_the_events_times() -> None:
    drafts, _ = read(MORE)
    days = sorted(drafts["201"], key=lambda d: d.start)
    assert [d.start.day for d in days] == [2, 3, 4, 5, 6, 9, 10, 11, 12, 13]  # not 7 and 8
    assert {(d.start.time().isoformat(), d.end.time().isoformat()) for d in days} == {
        ("08:00:00", "13:00:00")
    }
    assert all(d.series for d in days) and len({d.occurrence for d in days}) == 10


def test_an_online_event_is_placed_online_and_keeps_its_link() -> None:
    drafts, _ = read(MORE)
    draft = only(drafts, "202")
    assert draft.place.name == "Online" and draft.place.town is None
    assert draft.description == (
        "Fragen zum Aufenthalt, per Video.\n\nOnline: https://meet.example.org/sprechstunde-aufenthalt"
    )


def test_a_location_of_nulls_is_no_place() -> None:
    drafts, _ = read(MORE)
    place = only(drafts, "203").place
    assert (place.name, place.address, place.postcode, place.town, place.lat) == (None,) * 5


def test_the_parameter_is_added_once_and_other_parameters_stay() -> None:
    assert combined_url(API) == API + "?combine_recurring=True"
    assert combined_url(API + "?limit=5") == API + "?limit=5&combine_recurring=True"
    assert combined_url(API + "?combine_recurring=True") == API + "?combine_recurring=True"
    assert combined_url(API + "?combine_recurring") == API + "?combine_recurring"


# --- Real CMS output (corpus) -----------------------------------------------------------------


def test_corpus_combined_form_with_naive_utc_dtstart() -> None:
    path = CORPUS / "json" / "integreat-cms__augsburg_de_events_combine_recurring.json"
    drafts, _ = read(path, now=datetime(2030, 1, 1, tzinfo=UTC))
    occurrences = sorted(drafts["2"], key=lambda d: d.start)
    assert starts(occurrences)[:3] == [
        "2030-01-01T13:00:00+01:00",
        "2030-01-03T13:00:00+01:00",
        "2030-01-15T13:00:00+01:00",
    ]
    assert occurrences[-1].start.date() == date(2030, 12, 31)  # UNTIL 2031-01-01


def test_corpus_expanded_form() -> None:
    path = CORPUS / "json" / "integreat-cms__nurnberg_de_events.json"
    drafts, _ = read(path, now=datetime(2030, 12, 20, tzinfo=UTC))
    assert len(drafts["5"]) == 6
    assert drafts["5"][0].place.town == "Nürnberg"


def test_not_a_list_is_refused() -> None:
    with pytest.raises(Unreadable, match="JSON list"):
        split_events(document('{"detail": "Not found."}', API))


def test_items_without_id_or_path_are_problems() -> None:
    found = split_events(document('[{"title": "?"}, 3]', API))
    assert found.records == [] and len(found.problems) == 2


# --- Over HTTP --------------------------------------------------------------------------------


def events(out: Path) -> list[dict]:
    return json.loads((out / "events.json").read_text())["events"]


def test_a_pass_publishes_the_series_with_one_series_id(store, site, tmp_path) -> None:
    url = site.route("/api/v3/landkreisheidenheim/de/events/", Reply.file(EXPANDED, JSON))
    site.route(
        "/api/v3/landkreisheidenheim/en/events/", Reply(b"[]", headers={"Content-Type": JSON})
    )
    report = run_pass(
        store,
        [source("integreat", "integreat", url, trusted=True)],
        tmp_path,
        now=NOW,
        crawl_settings=FAST_CRAWL,
    )
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.problems) == ("ok", 3, 0)
    published = events(tmp_path)
    cafe = [e for e in published if e["title"] == "Sprachcafé Deutsch"]
    assert len(cafe) == 3 and len({e["series"] for e in cafe}) == 1 and cafe[0]["series"]
    tuer = next(e for e in published if e["title"].startswith("Tag der offenen Tür"))
    assert (tuer["start"], tuer["end"], tuer["all_day"]) == ("2027-03-20", "2027-03-20", True)


def test_a_url_written_without_the_parameter_reads_the_series_whole(store, site, tmp_path) -> None:
    """The CMS expands a series only 31 days ahead without ``combine_recurring``: the spider
    asks for the combined form itself and publishes all 13 Thursdays to April."""
    path = "/api/v3/landkreisheidenheim/de/events/"
    url = site.route(path, Reply.file(EXPANDED, JSON))  # what the URL as written would give
    site.route(path + "?combine_recurring=True", Reply.file(COMBINED, JSON))
    site.route(
        "/api/v3/landkreisheidenheim/en/events/", Reply(b"[]", headers={"Content-Type": JSON})
    )
    sources = [source("integreat", "integreat", url, trusted=True)]
    run_pass(store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    cafe = [e["start"] for e in events(tmp_path) if e["title"] == "Sprachcafé Deutsch"]
    assert (len(cafe), min(cafe), max(cafe)) == (
        13,
        "2027-01-07T18:30:00+01:00",
        "2027-04-01T18:30:00+02:00",
    )
    assert [hit.path for hit in site.hits(path)] == []
    assert len(site.hits(path + "?combine_recurring=True")) == 1


def test_the_second_crawl_is_answered_304(sqlite_store, site, tmp_path) -> None:
    url = site.route("/events/", Reply.file(COMBINED, JSON, etag=True))
    sources = [source("integreat", "integreat", url, trusted=True)]
    run_pass(sqlite_store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    report = run_pass(sqlite_store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    assert report.summaries[0].status == "unchanged"
    hits = site.hits("/events/?combine_recurring=True")
    assert [hit.headers.get("If-None-Match") is not None for hit in hits] == [
        False,
        True,
    ]
