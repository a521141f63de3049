"""A region's time zone as a compact VTIMEZONE with RRULE-based rules (RFC 5545 §3.6.5), from
its present yearly rules (aggregator/regions/zone_rules.py).

Written this way on purpose: some generators emit long lists of dated transitions instead, which
Mozilla's ical.js (Thunderbird) shows an hour off in summer and Outlook mishandles.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from aggregator.regions.zone_rules import WEEKDAYS, Change, zone_rules


@cache
def vtimezone(tzid: str) -> tuple[str, ...]:
    """The VTIMEZONE lines of an IANA zone ("Europe/Berlin": summer time from the last Sunday
    of March 02:00 to the last Sunday of October 03:00)."""
    rules = zone_rules(tzid)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}", f"X-LIC-LOCATION:{tzid}"]
    if rules.daylight is None or rules.standard is None:
        offset = _offset(rules.offset)
        lines += [
            "BEGIN:STANDARD",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            f"TZNAME:{rules.name}",
            "DTSTART:19700101T000000",
            "END:STANDARD",
        ]
    else:
        lines += _observance("DAYLIGHT", rules.daylight) + _observance("STANDARD", rules.standard)
    return (*lines, "END:VTIMEZONE")


def _observance(kind: str, change: Change) -> list[str]:
    by_day = f"{change.ordinal}{WEEKDAYS[change.weekday]}"
    return [
        f"BEGIN:{kind}",
        f"TZOFFSETFROM:{_offset(change.offset_from)}",
        f"TZOFFSETTO:{_offset(change.offset_to)}",
        f"TZNAME:{change.name}",
        f"DTSTART:{change.wall:%Y%m%dT%H%M%S}",
        f"RRULE:FREQ=YEARLY;BYMONTH={change.month};BYDAY={by_day}",
        f"END:{kind}",
    ]


def _offset(value: timedelta) -> str:
    """RFC 5545 §3.3.14 UTC-OFFSET: +0100, -0500, +0530."""
    minutes = int(value.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
