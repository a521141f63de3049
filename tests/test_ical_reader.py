"""The `ical` kind, quirk by quirk: one small test per behaviour a subscriber would notice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.conftest import CORPUS, FIXTURES, NOW
from tests.support.ical import read_calendar

STADT = FIXTURES / "ical" / "stadt.ics"


@pytest.fixture(scope="module")
def stadt():
    return read_calendar(STADT, now=NOW)


def only(drafts, key):
    (draft,) = drafts[key]
    return draft


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_tzid_times_in_winter_are_cet(stadt) -> None:
    draft = only(stadt[0], "tzid-winter@stadt")
    assert draft.start.astimezone(UTC) == utc(2026, 12, 3, 17, 30)
    assert draft.end.astimezone(UTC) == utc(2026, 12, 3, 19, 0)


def test_tzid_times_in_summer_are_cest_and_duration_gives_the_end(stadt) -> None:
    draft = only(stadt[0], "tzid-summer@stadt")
    assert draft.start.astimezone(UTC) == utc(2027, 6, 12, 12, 0)
    assert draft.end.astimezone(UTC) == utc(2027, 6, 12, 14, 30)


def test_utc_times_keep_their_instant(stadt) -> None:
    assert only(stadt[0], "utc@stadt").start.astimezone(UTC) == utc(2027, 1, 15, 17, 0)


def test_floating_times_mean_europe_berlin(stadt) -> None:
    draft = only(stadt[0], "floating@stadt")
    assert draft.start.astimezone(UTC) == utc(2027, 7, 10, 17, 30)


def test_all_day_dtend_is_exclusive_and_becomes_the_last_day(stadt) -> None:
    draft = only(stadt[0], "allday@stadt")
    assert (draft.all_day, draft.start, draft.end) == (True, date(2027, 5, 1), date(2027, 5, 3))


def test_status_cancelled(stadt) -> None:
    assert only(stadt[0], "cancelled@stadt").status == "cancelled"
    assert only(stadt[0], "utc@stadt").status == "confirmed"


def test_rrule_with_exdate_and_an_override(stadt) -> None:
    occurrences = sorted(stadt[0]["series@stadt"], key=lambda d: d.start)
    starts = [d.start.astimezone(UTC) for d in occurrences]
    # weekly on Tuesdays from 2026-10-27 (inside the 30-day past window) to 2027-02-02
    assert utc(2026, 12, 22, 9) not in starts and utc(2026, 12, 29, 9) not in starts
    assert utc(2027, 1, 12, 13) in starts  # moved to the afternoon by RECURRENCE-ID
    assert utc(2027, 1, 12, 9) not in starts
    assert starts[0] == utc(2026, 10, 27, 9) and starts[-1] == utc(2027, 2, 2, 9)
    assert len(starts) == 13
    moved = next(d for d in occurrences if d.start.astimezone(UTC) == utc(2027, 1, 12, 13))
    assert moved.title == "Mütterkurs Deutsch (nachmittags)"
    assert moved.occurrence == "20270112T090000Z"  # keyed by the original slot
    assert len({d.occurrence for d in occurrences}) == len(occurrences)
    assert all(d.series for d in occurrences)


def test_location_is_split_into_place_and_official_town(stadt) -> None:
    place = only(stadt[0], "tzid-winter@stadt").place
    assert place.address == "Grabenstraße 15"
    assert place.postcode == "89522"
    assert place.town == "Heidenheim an der Brenz"
    assert only(stadt[0], "utc@stadt").place.town == "Giengen an der Brenz"
    assert only(stadt[0], "allday@stadt").place.town == "Königsbronn"


def test_relative_url_is_resolved_against_the_calendar(stadt) -> None:
    url = only(stadt[0], "tzid-winter@stadt").url
    assert url == "https://stadt.example/veranstaltungen/sprachcafe"


def test_categories_map_onto_the_five(stadt) -> None:
    assert "sprache" in only(stadt[0], "tzid-winter@stadt").categories


def test_an_event_without_dtstart_is_a_clear_problem_and_the_rest_still_arrive(stadt) -> None:
    drafts, problems = stadt
    assert problems == {"no-start@stadt": "VEVENT has no DTSTART"}
    assert len(drafts) == 7


def test_google_x_wr_timezone_with_utc_times() -> None:
    path = CORPUS / "ics" / "recurring-ical-events__x_wr_timezone_simple_events_issue_59.ics"
    drafts, _ = read_calendar(path, now=datetime(2021, 12, 20, tzinfo=UTC))
    noon = only(drafts, "3bc4jff97631or97ntnk75n4se@google.com")
    assert noon.start.astimezone(UTC) == utc(2021, 12, 22, 17, 0)


def test_outlook_windows_zone_names() -> None:
    path = CORPUS / "ics" / "recurring-ical-events__issue_27_t1.ics"
    drafts, problems = read_calendar(path, now=datetime(2020, 4, 20, tzinfo=UTC))
    assert not problems
    (occurrences,) = drafts.values()
    # DAILY until 2020-04-29 from 2020-04-26 14:00 local, EXDATE 04-27 12:00Z (= 14:00 CEST)
    days = [(d.start.day, d.start.astimezone(UTC).hour) for d in occurrences]
    assert days == [(26, 12), (28, 12)]


def test_outlook_w_europe_standard_time_is_berlin() -> None:
    text = (FIXTURES / "ical" / "stadt.ics").read_text()
    text = text.replace("TZID:Europe/Berlin", "TZID:W. Europe Standard Time").replace(
        "TZID=Europe/Berlin", 'TZID="W. Europe Standard Time"'
    )
    drafts, _ = read_calendar(text, now=NOW)
    draft = only(drafts, "tzid-summer@stadt")
    assert draft.start.astimezone(UTC) == utc(2027, 6, 12, 12, 0)


def test_cancelled_override_of_a_daily_series() -> None:
    path = CORPUS / "ics" / "recurring-ical-events__issue_18_cancel_status.ics"
    drafts, _ = read_calendar(path, now=datetime(2020, 1, 28, tzinfo=UTC))
    statuses = sorted(
        (d.start.day, d.status) for d in drafts["b65c2b5b-b785-4edc-9560-e0379036d1f2"]
    )
    assert statuses == [(28, "confirmed"), (29, "cancelled"), (30, "confirmed")]


def test_exdate_in_utc_removes_the_local_occurrence() -> None:
    path = CORPUS / "ics" / "recurring-ical-events__each_week_but_one_deleted.ics"
    drafts, _ = read_calendar(path, now=datetime(2019, 3, 1, tzinfo=UTC))
    days = [d.start.date() for d in drafts["SX2CURHKFTKKFFU3VUD7K"]]
    assert date(2019, 3, 11) not in days
    assert len(days) == 7


def test_only_the_published_window_is_expanded() -> None:
    path = CORPUS / "ics" / "integreat-cms__event_with_daily_recurrence.ics"
    drafts, _ = read_calendar(path, now=datetime(2099, 6, 1, tzinfo=UTC))
    (occurrences,) = drafts.values()
    assert occurrences[0].start == date(2099, 5, 31)
    # an unbounded daily series stops at the window's end, 365 days ahead (local midnight of
    # 2100-06-01 is 22:00 UTC the day before, inside the window that ends at 00:00 UTC)
    assert occurrences[-1].start == date(2100, 6, 1)
    assert len(occurrences) == (occurrences[-1].start - occurrences[0].start).days + 1


def test_an_rrule_with_a_million_occurrences_is_a_clear_problem_not_a_hang() -> None:
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:flood@x\r\n"
        "DTSTART:20261201T000000Z\r\nRRULE:FREQ=HOURLY;COUNT=1000000\r\nSUMMARY:Flut\r\n"
        "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:fine@x\r\nDTSTART:20261201T100000Z\r\n"
        "SUMMARY:Normal\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    drafts, problems = read_calendar(text, now=NOW)
    assert "more than 5000 occurrences" in problems["flood@x"]
    assert [d.title for d in drafts["fine@x"]] == ["Normal"]
