"""What a normalizer reads out of one raw record: drafts of canonical listings.

A recurring event gives one EventDraft per occurrence; ``occurrence`` tells them apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from aggregator.dates.timezones import local, local_tzid
from aggregator.places.locations import Place
from aggregator.states import EventStatus


@dataclass(frozen=True)
class Translation:
    """A listing's title and description in another language, as its source translated them."""

    language: str  # as aggregator.languages names it
    title: str
    description: str = ""


@dataclass(frozen=True)
class EventDraft:
    title: str
    start: datetime | date  # aware datetime for timed events, a date for all-day ones
    end: datetime | date | None = None  # all-day: the last day, inclusive
    occurrence: str = ""  # "" for a single event, else the RECURRENCE-ID in UTC or as a date
    description: str = ""
    status: str = EventStatus.CONFIRMED
    place: Place = field(default_factory=Place)
    url: str | None = None
    uid: str | None = None  # the record's own UID or id
    series: bool = False
    categories: tuple[str, ...] = ()  # mapped onto the five categories
    timezone: str = field(default_factory=local_tzid)  # the region's
    license: str | None = None  # the licence the source gives the record under (toubiz)
    translations: tuple[Translation, ...] = ()
    # languages the source offers a translation in that could not be read this time: the
    # listing keeps the translation it had (aggregator.events.listings)
    translations_unread: tuple[str, ...] = ()

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    def to_fields(self) -> dict[str, Any]:
        """JSON-ready fields, as stored on the link and compared between runs."""
        data = asdict(self)
        data["start"] = _iso(self.start)
        data["end"] = _iso(self.end)
        data["categories"] = list(self.categories)
        data["all_day"] = self.all_day
        if self.license is None:  # only where a source gives one: older links stay as they were
            del data["license"]
        return data


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return local(value).isoformat()
    return value.isoformat()


@dataclass(frozen=True)
class ApprenticeshipDraft:
    title: str
    occupation: str = ""
    company: str = ""
    place: Place = field(default_factory=Place)
    start_date: date | None = None
    url: str | None = None
    uid: str | None = None  # refnr, Lehrstellen-Radar id
    occurrence: str = ""

    def to_fields(self) -> dict[str, Any]:
        data = asdict(self)
        data["start_date"] = self.start_date.isoformat() if self.start_date else None
        return data


Draft = EventDraft | ApprenticeshipDraft
