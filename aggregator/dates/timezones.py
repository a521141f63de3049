"""The local time zone (the region being worked on's, aggregator/regions/active.py), and
conversions between stored UTC and local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from aggregator.regions.active import active_region


def local_tzid() -> str:
    """The IANA name of the local time zone: the region's ("Europe/Berlin")."""
    return active_region().timezone


def local_zone() -> ZoneInfo:
    return ZoneInfo(local_tzid())


def to_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is a floating time and means local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(UTC)


def local(value: datetime) -> datetime:
    return to_utc(value).astimezone(local_zone())


def local_midnight(day: date) -> datetime:
    """The start of a local day, as an aware local time."""
    return datetime.combine(day, time(0), tzinfo=local_zone())


def day_start_utc(day: date) -> datetime:
    """Midnight of a local day, as a UTC instant (orders all-day events among timed ones)."""
    return local_midnight(day).astimezone(UTC)
