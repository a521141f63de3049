"""The one local time zone of the county, and conversions between stored UTC and local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
LOCAL_TZID = "Europe/Berlin"


def to_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is a floating time and means Europe/Berlin."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=BERLIN)
    return value.astimezone(UTC)


def local(value: datetime) -> datetime:
    return to_utc(value).astimezone(BERLIN)


def day_start_utc(day: date) -> datetime:
    """Midnight of a local day, as a UTC instant (orders all-day events among timed ones)."""
    return datetime.combine(day, time(0), tzinfo=BERLIN).astimezone(UTC)
