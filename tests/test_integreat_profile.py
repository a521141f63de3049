"""The Integreat profile (integreat/*.ics) meets the CMS import's subset rule by rule, and the
import takes every event without loss; the checker itself is shown to catch each rule.

This is the stand-in (tests/integreat_subset.py); tests/test_feeds_parsers.py runs the CMS's
own import code on the profile, series included. Per-occurrence comparisons read the
expanded profile (integreat/*-expanded.ics), the subset checks every calendar."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from aggregator.categories import CATEGORIES
from feeds.integreat import DEFAULT_LENGTH
from tests.integreat_subset import Imported, imported, problems
from tests.support.feeds import County, county_fixture

county = county_fixture("integreat")


def profile(county: County, name: str) -> bytes:
    return (county.out / "integreat" / f"{name}.ics").read_bytes()


def as_imported(event: dict) -> Imported:
    """What the CMS should hold for a JSON event: local wall-clock times, the cancellation in
    the title, the place after the description."""
    start, end = event["start"], event["end"]
    title = f"Abgesagt: {event['title']}" if event["status"] == "cancelled" else event["title"]
    if event["all_day"]:
        times = (date.fromisoformat(start), None, date.fromisoformat(end), None)
    else:
        first = datetime.fromisoformat(start)
        last = datetime.fromisoformat(end) if end else first + DEFAULT_LENGTH
        times = (first.date(), first.time(), last.date(), last.time())
    return Imported(event["uid"], title, "", *times, all_day=event["all_day"], recurring=False)


def without_content(events: list[Imported]) -> list[Imported]:
    return sorted((Imported(**{**e.__dict__, "content": ""}) for e in events), key=lambda e: e.uid)


def test_every_integreat_calendar_is_inside_the_import_subset(county: County) -> None:
    for form in ("", "-expanded"):
        assert problems(profile(county, f"events{form}")) == []
        for category in CATEGORIES:
            assert problems(profile(county, category + form), category) == [], category
    assert b"RRULE:FREQ=WEEKLY" in profile(county, "events")  # series as series where they fit


def test_the_import_takes_every_event_without_loss(county: County) -> None:
    events = county.events()
    found = imported(profile(county, "events-expanded"))
    assert without_content(found) == sorted(map(as_imported, events), key=lambda e: e.uid)
    assert any(e.title.startswith("Abgesagt: ") for e in found)
    assert any(e.all_day and e.end_date > e.start_date for e in found)
    winter = next(e for e in found if e.title.startswith("Sprachcafé:"))
    assert winter.content.startswith("Wir üben Deutsch im Gespräch, in kleinen Gruppen;")
    assert winter.content.endswith(
        "Quelle: clients\n\nRathaus, Grabenstraße 15, 89522 Heidenheim an der Brenz"
    )


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_category_calendar_imports_exactly_that_category(county: County, category) -> None:
    wanted = {e["uid"] for e in county.events() if category in e["categories"]}
    expanded = f"{category}-expanded"
    assert {e.uid for e in imported(profile(county, expanded), category)} == wanted
    assert {e.uid for e in imported(profile(county, "events-expanded"), category)} == wanted


def test_the_subscription_feed_is_not_fit_for_the_import(county: County) -> None:
    """Why the profile exists: the import would show events.ics's cancelled event as on, lose
    its EXDATEs and overrides, and refuse events without DTEND."""
    found = problems((county.out / "events.ics").read_bytes())
    for problem in ("cancelled", "EXDATE is ignored", "RECURRENCE-ID is ignored", "no DTEND"):
        assert any(problem in line for line in found), problem


# --- the checker catches each rule -------------------------------------------------------------

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//DE\r\n"
EVENT = (
    "BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Kurs\r\n"
    "DTSTART;TZID=Europe/Berlin:20261201T100000\r\n{end}{extra}END:VEVENT\r\n"
)
END = "DTEND;TZID=Europe/Berlin:20261201T110000\r\n"


def calendar(extra: str = "", end: str = END) -> bytes:
    return (HEAD + EVENT.format(end=end, extra=extra) + "END:VCALENDAR\r\n").encode()


@pytest.mark.parametrize(
    ("extra", "end", "problem"),
    [
        ("", "", "no DTEND"),
        ("RRULE:FREQ=DAILY\r\n", END, "FREQ=DAILY"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4\r\n", END, "COUNT"),
        ("RRULE:FREQ=WEEKLY\r\n", END, "WEEKLY needs"),
        ("RRULE:FREQ=MONTHLY;BYDAY=TU\r\n", END, "MONTHLY needs"),
        ("RRULE:FREQ=MONTHLY;BYDAY=1TU,3TU\r\n", END, "MONTHLY needs"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;WKST=SU\r\n", END, "WKST"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=10\r\n", END, "BYHOUR"),
        ("RRULE:FREQ=YEARLY;BYMONTH=5\r\n", END, "BYMONTH differs"),
        (
            "RRULE:FREQ=WEEKLY;BYDAY=TU\r\n",
            "DTEND;TZID=Europe/Berlin:20261202T110000\r\n",
            "end on",
        ),
        ("EXDATE;TZID=Europe/Berlin:20261208T100000\r\n", END, "EXDATE is ignored"),
        ("RDATE;TZID=Europe/Berlin:20261208T100000\r\n", END, "RDATE is ignored"),
        ("RECURRENCE-ID;TZID=Europe/Berlin:20261201T100000\r\n", END, "RECURRENCE-ID"),
        ("", "DTEND:20261201T110000\r\n", "wall-clock"),
        ("", "DTEND;VALUE=DATE:20261202\r\n", "not both dates"),
        ("STATUS:CANCELLED\r\n", END, "cancelled"),
        ("LOCATION:Rathaus\\nErster Stock\r\n", END, "LOCATION spans"),
        ("CATEGORIES:familie\r\n", END, "CATEGORIES lacks 'sprache'"),
    ],
)
def test_the_checker_catches_each_rule(extra: str, end: str, problem: str) -> None:
    found = problems(calendar(extra, end), "sprache" if "CATEGORIES" in extra else None)
    assert any(problem in line for line in found), found


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY=TU,TH;INTERVAL=2;UNTIL=20270301T225959Z",
        "FREQ=MONTHLY;BYDAY=1TU",
        "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1",
        "FREQ=YEARLY;UNTIL=20301231T225959Z;WKST=MO",
    ],
)
def test_the_checker_accepts_the_rules_the_import_takes(rule: str) -> None:
    assert problems(calendar(f"RRULE:{rule}\r\nCATEGORIES:sprache\r\n"), "sprache") == []
    (event,) = imported(calendar(f"RRULE:{rule}\r\n"))
    assert event.recurring and event.end_date == event.start_date
