"""A direct iCalendar writer for subscription feeds (RFC 5545), fast and byte-stable.

- Text values escaped per §3.3.11; CR, LF and other control characters never leave a value
  unescaped, so no input can inject a property.
- Lines folded at 75 octets without splitting a UTF-8 character (§3.1), CRLF line ends.
- DTSTAMP is the listing's updated_at, not "now": unchanged listings give unchanged bytes.
- No METHOD: a subscription feed is not a scheduling message (RFC 5546 does not apply).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from aggregator.dates.timezones import LOCAL_TZID, local
from aggregator.events.view import EventView
from feeds.vtimezone import BERLIN_VTIMEZONE

PRODID = "-//Lotse//Lotse Events 0.1//DE"
REFRESH = "PT3H"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NEWLINES = re.compile(r"\r\n|\r|\n")


def render_calendar(
    events: Iterable[EventView],
    *,
    name: str,
    description: str = "",
    write_event: Callable[[EventView], list[str]] | None = None,
) -> bytes:
    """A whole VCALENDAR with the Europe/Berlin VTIMEZONE (the only TZID the events use) and
    the VEVENT lines ``write_event`` (default: ``event_lines``) gives for each view."""
    write = write_event or event_lines
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-CALDESC:{escape_text(description or name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
        *BERLIN_VTIMEZONE,
    ]
    for event in events:
        lines += write(event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines).encode()


def event_lines(event: EventView, *, require_end: bool = False) -> list[str]:
    """One VEVENT. ``require_end`` writes a DTEND even when the source gave none."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc_stamp(event.updated_at)}",
        f"CREATED:{utc_stamp(event.created_at)}",
        f"LAST-MODIFIED:{utc_stamp(event.updated_at)}",
        f"SEQUENCE:{event.sequence}",
        *_times(event, require_end),
        f"SUMMARY:{escape_text(event.title)}",
        f"STATUS:{event.status.upper()}",
    ]
    description = _description(event)
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    location = location_line(event)
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if event.lat is not None and event.lon is not None:
        lines.append(f"GEO:{event.lat:.6f};{event.lon:.6f}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    if event.url:
        lines.append(f"URL:{_uri(event.url)}")
    lines.append("END:VEVENT")
    return lines


def _times(event: EventView, require_end: bool) -> list[str]:
    if event.all_day:
        assert isinstance(event.start, date)
        last = event.end if isinstance(event.end, date) else event.start
        return [
            f"DTSTART;VALUE=DATE:{event.start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{last + timedelta(days=1):%Y%m%d}",
        ]
    assert isinstance(event.start, datetime)
    lines = [f"DTSTART;TZID={LOCAL_TZID}:{local_stamp(event.start)}"]
    end = event.end if isinstance(event.end, datetime) else None
    if end is None and require_end:
        end = event.start
    if end is not None:
        lines.append(f"DTEND;TZID={LOCAL_TZID}:{local_stamp(end)}")
    return lines


def _description(event: EventView) -> str:
    names = ", ".join(dict.fromkeys(ref.source for ref in event.sources))
    return f"{event.description}\n\nQuelle: {names}".strip() if names else event.description


def location_line(event: EventView) -> str:
    """Name, street, postcode and town on one line."""
    town = " ".join(part for part in (event.postcode, event.town) if part)
    parts = [event.location_name, event.location_address, town]
    return ", ".join(dict.fromkeys(part for part in parts if part))


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 §3.3.11); control characters dropped, line breaks as \\n."""
    value = CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return NEWLINES.sub("\\\\n", value)


def _uri(value: str) -> str:
    return CONTROL.sub("", NEWLINES.sub("", value)).replace(" ", "%20")


def utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(value: datetime) -> str:
    return local(value).strftime("%Y%m%dT%H%M%S")


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 sequence; ends with CRLF."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while start < len(encoded):
        end = min(start + limit, len(encoded))
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(encoded[start:end].decode())
        start, limit = end, 74
    return "\r\n ".join(parts) + "\r\n"
