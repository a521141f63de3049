"""The Integreat CMS's external calendar import, as far as our feeds meet it: which iCal it
takes (``problems``) and what it makes of a calendar (``imported``).

Modelled on the CMS's importer (integreat_cms/cms/utils/external_calendar_utils.py): it needs
UID, SUMMARY, DTSTART and DTEND; takes the wall-clock date and time as written; reads RRULE
(WEEKLY with BYDAY, MONTHLY with one nth weekday, YEARLY; INTERVAL and UNTIL; no COUNT, no DAILY,
WKST only MO) and then ends the event on its start day; ignores EXDATE, RDATE, RECURRENCE-ID
and STATUS; keeps an event only if one CATEGORIES value equals its filter; appends LOCATION to
the description.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

BERLIN = ZoneInfo("Europe/Berlin")


REQUIRED = ("UID", "SUMMARY", "DTSTART", "DTEND")
IGNORED = ("EXDATE", "RDATE", "RECURRENCE-ID")
RULE_PARTS = {"FREQ", "INTERVAL", "UNTIL", "BYDAY", "BYSETPOS", "WKST", "BYMONTHDAY", "BYMONTH"}
CANCELLED_PREFIX = "Abgesagt: "


@dataclass(frozen=True)
class Imported:
    uid: str
    title: str
    content: str
    start_date: date
    start_time: time | None
    end_date: date
    end_time: time | None
    all_day: bool
    recurring: bool


def problems(body: bytes, category: str | None = None) -> list[str]:
    """Every way the calendar falls outside the import's subset, or would lose information;
    ``category``: the import filters on this CATEGORIES value, so every event must carry it."""
    found = []
    for event in icalendar.Calendar.from_ical(body).walk("VEVENT"):
        found += [f"{event.get('UID')}: {problem}" for problem in _problems(event, category)]
    return found


def _problems(event: icalendar.Event, category: str | None) -> list[str]:
    missing = [f"no {name}" for name in REQUIRED if name not in event]
    if missing:
        return missing
    found = [f"{name} is ignored by the import" for name in IGNORED if name in event]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    if isinstance(start, datetime) != isinstance(end, datetime):
        found.append("DTSTART and DTEND are not both dates or both date-times")
    for value in (start, end):  # the CMS converts a zoned time to the region's (Europe/Berlin)
        if isinstance(value, datetime) and value.tzinfo is None:
            found.append(f"{value} is floating, not Europe/Berlin wall-clock time")
    if str(event.get("STATUS", "")).upper() == "CANCELLED" and not str(event["SUMMARY"]).startswith(
        CANCELLED_PREFIX
    ):
        found.append("cancelled, but the title does not say so (STATUS is ignored)")
    if category is not None and category not in _categories(event):
        found.append(f"CATEGORIES lacks {category!r}")
    if "\n" in str(event.get("LOCATION", "")):
        found.append("LOCATION spans more than one line")
    if "RRULE" in event:
        found += _rule_problems(event, start, end)
    return found


def _rule_problems(event: icalendar.Event, start: date, end: date) -> list[str]:
    rule = event.decoded("RRULE")
    found = [f"RRULE part {part} is not imported" for part in set(rule) - RULE_PARTS]
    frequency = rule["FREQ"][0]
    if frequency not in {"WEEKLY", "MONTHLY", "YEARLY"}:
        found.append(f"FREQ={frequency} is not imported")
    if "COUNT" in rule:
        found.append("COUNT is not imported")
    if [str(day).upper() for day in rule.get("WKST", ["MO"])] != ["MO"]:
        found.append("WKST other than MO")
    days = rule.get("BYDAY", [])
    nth = [day for day in days if day.relative]
    if frequency == "WEEKLY" and (not days or nth):
        found.append("WEEKLY needs plain weekdays in BYDAY")
    if frequency == "MONTHLY" and not (len(days) == 1 and (nth or rule.get("BYSETPOS"))):
        found.append("MONTHLY needs exactly one nth weekday")
    if rule.get("BYMONTHDAY", [start.day]) != [_day(start).day]:
        found.append("BYMONTHDAY differs from the start day")
    if rule.get("BYMONTH", [_day(start).month]) != [_day(start).month]:
        found.append("BYMONTH differs from the start month")
    last_day = _day(end) - timedelta(days=0 if isinstance(end, datetime) else 1)
    if last_day != _day(start):
        found.append("a recurring event must end on its start day (the import cuts it there)")
    return found


def imported(body: bytes, filter_category: str | None = None) -> list[Imported]:
    """The events the import creates from the calendar, with its filter category set or not."""
    events = []
    for event in icalendar.Calendar.from_ical(body).walk("VEVENT"):
        if filter_category is not None and filter_category not in _categories(event):
            continue
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        all_day = not (isinstance(start, datetime) and isinstance(end, datetime))
        content = str(event.get("DESCRIPTION", ""))
        if event.get("LOCATION"):
            content += "\n\n" + str(event["LOCATION"])
        if all_day:
            start_date, start_time, end_date, end_time = start, None, end - timedelta(days=1), None
        else:
            start, end = start.astimezone(BERLIN), end.astimezone(BERLIN)
            start_date, start_time, end_date, end_time = (
                start.date(),
                start.time(),
                end.date(),
                end.time(),
            )
        recurring = "RRULE" in event
        events.append(
            Imported(
                uid=str(event["UID"]),
                title=str(event["SUMMARY"]),
                content=content,
                start_date=start_date,
                start_time=start_time,
                end_date=start_date if recurring else end_date,
                end_time=end_time,
                all_day=all_day,
                recurring=recurring,
            )
        )
    return events


def _categories(event: icalendar.Event) -> list[str]:
    value = event.get("CATEGORIES", [])
    values = value if isinstance(value, list) else [value]
    return [str(category) for entry in values for category in entry.cats]


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value
