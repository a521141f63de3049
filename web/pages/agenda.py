"""The events page's agenda: published events from a day on, grouped by local day, a few weeks
at a time, with where the next part starts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import groupby

from sqlalchemy.orm import Session

from aggregator.events.queries import EventFilter, event_page
from aggregator.events.view import EventView

WINDOW_DAYS = 21  # three weeks, as the events page says when they are empty
MAX_EVENTS = 40  # keeps a page light on a weak connection


@dataclass(frozen=True)
class Day:
    day: date
    events: list[EventView]


@dataclass(frozen=True)
class Agenda:
    days: list[Day]
    later: date | None  # the day the next part starts on; None when nothing comes later


def event_day(event: EventView) -> date:
    """The local day an event starts on."""
    return event.start.date() if isinstance(event.start, datetime) else event.start


def agenda(session: Session, *, now: datetime, where: EventFilter, first: date) -> Agenda:
    """Events from ``first`` on, for WINDOW_DAYS days but at most MAX_EVENTS (whole days; a
    single day with more shows its first MAX_EVENTS)."""
    found = event_page(
        session, now=now, where=replace(where, date_from=first), offset=0, limit=MAX_EVENTS + 1
    )
    views = found.items
    horizon = first + timedelta(days=WINDOW_DAYS)
    shown = [view for view in views if event_day(view) < horizon]
    if len(shown) > MAX_EVENTS:
        cut = event_day(shown[MAX_EVENTS])
        whole_days = [view for view in shown if event_day(view) < cut]
        shown = whole_days or shown[:MAX_EVENTS]
    rest = views[len(shown) :]
    later = event_day(rest[0]) if rest else None
    if later is not None and shown and later <= event_day(shown[-1]):
        later = event_day(shown[-1]) + timedelta(days=1)
    days = [Day(day, list(events)) for day, events in groupby(shown, key=event_day)]
    return Agenda(days, later)
