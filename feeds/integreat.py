"""The Integreat profile: iCal that the Integreat CMS's external calendar import takes whole.

The import (run nightly, integreat_cms/cms/utils/external_calendar_utils.py) reads only a subset
of RFC 5545 (docs/sources.md): it needs DTEND (else it takes a day); converts a time with a zone
to the region's; takes RRULE only as WEEKLY with BYDAY, MONTHLY with one nth weekday, or YEARLY
(INTERVAL/UNTIL, no COUNT, WKST only MO) and then ends the event on its start day; ignores
EXDATE, RDATE, RECURRENCE-ID and STATUS; keeps an event only if one CATEGORIES value equals its
filter (case-sensitive; blank: everything); appends LOCATION to DESCRIPTION, turns "\\n" into
<br> and parses the result as HTML. So this profile writes:

- no listing whose every source is an Integreat CMS (``integreat`` kind): a region that imports
  the feed would get its own events twice; a listing merged from Integreat and another source
  stays;
- a series as one event per unbroken run of its plain instances, with a rule of the subset (a
  run ends at a left-out or changed occurrence); the changed ones as single events; a series
  the subset cannot express occurrence by occurrence (feeds.series);
- DTEND always: an event without an end gets ``DEFAULT_LENGTH``, and its DESCRIPTION says so;
- a cancelled event with "Abgesagt: " before its title, since STATUS never reaches the app;
- DESCRIPTION and LOCATION with <, > and & as HTML entities, so the CMS shows them as text;
- CATEGORIES as the exact filter values: the category slugs ("sprache"); in a category's
  calendar that category as the one value;
- LOCATION on one line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from aggregator.categories import CATEGORIES
from aggregator.dates.timezones import local
from aggregator.events.view import EventView
from feeds import series as series_form
from feeds.ical import Style, event_bytes, fold, render_calendar, series_uid, vevent_lines

CANCELLED_PREFIX = "Abgesagt: "
DEFAULT_LENGTH = timedelta(hours=1)
INTEGREAT_KIND = "integreat"
FILTER_VALUES = CATEGORIES  # what a region types into the CMS's category filter


def style(category: str | None) -> Style:
    return Style(
        name="integreat",
        html=True,
        default_length=DEFAULT_LENGTH,
        category_names=False,
        only_category=category,
        cancelled_prefix=CANCELLED_PREFIX,
    )


def for_integreat(event: EventView) -> bool:
    """False for a listing whose every source is an Integreat CMS."""
    kinds = event.source_kinds
    return not kinds or not kinds <= {INTEGREAT_KIND}


def render_integreat(
    events: Iterable[EventView], *, name: str, category: str | None, expand: bool = False
) -> bytes:
    """A calendar for the Integreat import; ``category`` set: that category's calendar;
    ``expand``: every occurrence as its own event."""
    kept = [event for event in events if for_integreat(event)]
    return render_calendar(
        kept, name=name, style=style(category), expand=expand, write_series=runs_bytes
    )


def runs_bytes(members: Sequence[EventView], profile: Style) -> bytes:
    """A series for the CMS: each unbroken run of two or more plain instances one event with
    the series' rule from its first slot to its last; every other occurrence a single event."""
    found = series_form.plan(members, allowed=series_form.cms_rule, rdates=False)
    if found is None or found.rule is None:
        return b"".join(event_bytes(member, profile) for member in members)
    written: list[tuple[datetime | date, bytes]] = []
    singles = list(found.overrides)
    by_slot = {series_form.wall(member.slot): member for member in found.plain}  # type: ignore[arg-type]
    for number, run in enumerate(series_form.runs(found)):
        first = run.first
        if len(run.slots) < 2 or not _ends_on_its_day(first):
            singles += [by_slot[slot] for slot in run.slots]
            continue
        instances = [by_slot[slot] for slot in run.slots]
        master = replace(
            first,
            sequence=max(e.sequence for e in instances),
            created_at=min(e.created_at for e in instances),
            updated_at=max(e.updated_at for e in instances),
        )
        series = first.series or ""
        uid = series_uid(series) if number == 0 else series_uid(f"{series}-{run.slots[0]:%Y%m%d}")
        until = series_form.day_end_utc(run.slots[-1])
        lines = vevent_lines(
            master, profile, uid=uid, recurrence=[f"RRULE:{found.rule.text(until)}"]
        )
        written.append((_order(first), "".join(fold(line) for line in lines).encode()))
    written += [(_order(event), event_bytes(event, profile)) for event in singles]
    written.sort(key=lambda item: item[0])
    return b"".join(body for _, body in written)


def _order(event: EventView) -> datetime:
    start = event.start
    if isinstance(start, datetime):
        return local(start).replace(tzinfo=None)
    return datetime.combine(start, datetime.min.time())


def _ends_on_its_day(event: EventView) -> bool:
    """The CMS ends a recurring event on its start day: only such events can recur there."""
    if event.all_day:
        return event.end is None or event.end == event.start
    assert isinstance(event.start, datetime)
    end = event.end if isinstance(event.end, datetime) else event.start + DEFAULT_LENGTH
    return local(end).date() == local(event.start).date()
