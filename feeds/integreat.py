"""The Integreat profile: iCal that the Integreat CMS's external calendar import takes whole.

The import (run nightly) reads only a subset of RFC 5545: every VEVENT needs DTEND; it takes the
wall-clock date and time of DTSTART/DTEND as they are written; RRULE only WEEKLY with BYDAY,
MONTHLY with one nth weekday, or YEARLY (INTERVAL/UNTIL, no COUNT, no DAILY, WKST only MO);
EXDATE, RDATE and RECURRENCE-ID are ignored; STATUS is ignored; CATEGORIES values filter (one
value per calendar); LOCATION is appended to the description. So this profile writes:

- every occurrence as its own VEVENT (no rule, nothing for the import to drop or expand);
- DTEND always, in Europe/Berlin local time (an event without an end ends when it starts);
- a cancelled event with "Abgesagt: " before its title, since STATUS never reaches the app;
- in a category's calendar, that category as the one CATEGORIES value;
- LOCATION on one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from aggregator.events.view import EventView
from aggregator.states import EventStatus
from feeds.ical import event_lines, render_calendar

CANCELLED_PREFIX = "Abgesagt: "


def render_integreat(events: Iterable[EventView], *, name: str, category: str | None) -> bytes:
    """A calendar for the Integreat import; ``category`` set: that category's calendar."""

    def write(event: EventView) -> list[str]:
        if event.status == EventStatus.CANCELLED and not event.title.startswith(CANCELLED_PREFIX):
            event = replace(event, title=CANCELLED_PREFIX + event.title)
        if category is not None:
            event = replace(event, categories=(category,))
        return event_lines(event, require_end=True)

    return render_calendar(events, name=name, write_event=write)
