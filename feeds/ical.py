"""A direct iCalendar writer for subscription feeds (RFC 5545), fast and byte-stable.

- Text values escaped per §3.3.11; CR, LF and other control characters never leave a value
  unescaped, so no input can inject a property; a TEXT value left empty is not written.
- Lines folded at 75 octets without splitting a UTF-8 character (§3.1), CRLF line ends.
- DTSTAMP is the listing's updated_at, not "now": unchanged listings give unchanged bytes.
- No METHOD: a subscription feed is not a scheduling message (RFC 5546 does not apply).
- Times in Europe/Berlin with TZID, except a time in the repeated hour at the end of summer
  time (or the skipped one): that is written in UTC, since its wall time names two instants.
- An event without an end has no DTEND (§3.8.2.2: DTEND is later than DTSTART).
- A series is one VEVENT with its rule, EXDATEs and RECURRENCE-ID overrides (feeds.series;
  occurrences one by one where no rule fits);
  ``expand`` writes every occurrence as its own VEVENT instead.
- Each VEVENT's bytes are cached by the event's view (its id and every field it shows), so a
  feed re-renders from the events that changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, urlsplit, urlunsplit

from aggregator.categories import CATEGORY_NAMES
from aggregator.dates.timezones import local, local_tzid
from aggregator.events.view import EventView
from aggregator.identity import UID_DOMAIN
from feeds import series as series_form
from feeds.vtimezone import vtimezone

PRODID = "-//Lotse//Lotse Events 0.1//DE"
REFRESH = "PT3H"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NEWLINES = re.compile(r"\r\n|\r|\n")
# RFC 3986 characters a URI keeps as they are (unreserved, reserved, and "%" of an escape)
URI_SAFE = "!#$&'()*+,/:;=?@[]~-._%"
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
PLAIN_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*")


@dataclass(frozen=True)
class Style:
    """How a profile writes its VEVENTs.

    ``html``: DESCRIPTION and LOCATION with <, > and & as HTML entities (a reader that parses
    them as HTML shows them as text). ``default_length``: a timed event without an end gets a
    DTEND this long after its start (for a reader that needs one), and its DESCRIPTION says so.
    ``category_names``: CATEGORIES as display names ("Alltag & Freizeit"), else as the slugs.
    ``only_category``: CATEGORIES carries just this value. ``cancelled_prefix``: put before the
    title of a cancelled event (for a reader that ignores STATUS)."""

    name: str = "ics"
    html: bool = False
    default_length: timedelta | None = None
    category_names: bool = True
    only_category: str | None = None
    cancelled_prefix: str = ""


PUBLIC = Style()
Lines = list[str]


class VeventCache:
    """Rendered VEVENT bytes per style by what they are made of (an event's view, or a
    series' views); a style's entries are cleared when they are too many."""

    def __init__(self, max_entries: int = 200_000) -> None:
        self.max_entries = max_entries
        self.styles: dict[Style, dict[Hashable, bytes]] = {}
        self.renders = 0

    def of(self, style: Style) -> dict[Hashable, bytes]:
        entries = self.styles.setdefault(style, {})
        if len(entries) >= self.max_entries:
            entries.clear()
        return entries


CACHE = VeventCache()


def render_calendar(
    events: Iterable[EventView],
    *,
    name: str,
    description: str = "",
    style: Style = PUBLIC,
    expand: bool = False,
    write_series: Callable[[Sequence[EventView], Style], bytes] | None = None,
    cache: VeventCache = CACHE,
) -> bytes:
    """A whole VCALENDAR with the local VTIMEZONE (the region's; the only TZID events use).
    Occurrences of one series (``series`` and a ``slot``) are written together by
    ``write_series`` (default: one VEVENT with its rule, ``series_bytes``) unless ``expand``;
    every other event as its own VEVENT."""
    head = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-CALDESC:{escape_text(description or name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
        *vtimezone(local_tzid()),
    ]
    chunks = ["".join(fold(line) for line in head).encode()]
    write = write_series or series_bytes
    entries = cache.of(style)
    for item in grouped(events, expand=expand):
        key = item if isinstance(item, EventView) else tuple(item)
        found = entries.get(key)
        if found is None:
            found = event_bytes(key, style) if isinstance(key, EventView) else write(key, style)
            entries[key] = found
            cache.renders += 1
        chunks.append(found)
    chunks.append(b"END:VCALENDAR\r\n")
    return b"".join(chunks)


def grouped(
    events: Iterable[EventView], *, expand: bool = False
) -> list[EventView | list[EventView]]:
    """The events in order, each series' occurrences gathered at its first one."""
    items: list[EventView | list[EventView]] = []
    series: dict[str, list[EventView]] = {}
    for event in events:
        if expand or event.series is None or event.slot is None:
            items.append(event)
        elif event.series in series:
            series[event.series].append(event)
        else:
            series[event.series] = members = [event]
            items.append(members)
    return items


def series_uid(series: str) -> str:
    """The UID of a series written as one VEVENT: stable, from the series id."""
    return f"{series}@{UID_DOMAIN}"


def series_bytes(
    members: Sequence[EventView], style: Style = PUBLIC, *, rdates: bool = False
) -> bytes:
    """One series as one VEVENT with RRULE, EXDATE for the dates it leaves out and an override
    per changed occurrence; occurrences one by one where no rule fits (or, with ``rdates``,
    the dates as RDATEs: see feeds.series on why not by default)."""
    found = series_form.plan(members, rdates=rdates)
    if found is None:
        return b"".join(event_bytes(member, style) for member in members)
    uid = series_uid(found.master.series or "")
    recurrence: Lines = []
    if found.rule is not None:
        recurrence.append(f"RRULE:{found.rule.text(series_form.utc_text(found.slots[-1]))}")
    if found.rdates:
        recurrence.append(_dates("RDATE", found.rdates))
    if found.exdates:
        recurrence.append(_dates("EXDATE", found.exdates))
    lines = vevent_lines(found.master, style, uid=uid, recurrence=recurrence)
    for override in found.overrides:
        assert override.slot is not None  # a plan holds only occurrences with their slot
        slot = series_form.aware(series_form.wall(override.slot))
        lines += vevent_lines(override, style, uid=uid, recurrence_id=slot)
    return _encode(lines)


def _dates(name: str, slots: Sequence[series_form.Slot]) -> str:
    if isinstance(slots[0], datetime):
        return f"{name};TZID={local_tzid()}:" + ",".join(f"{s:%Y%m%dT%H%M%S}" for s in slots)
    return f"{name};VALUE=DATE:" + ",".join(f"{s:%Y%m%d}" for s in slots)


def event_bytes(event: EventView, style: Style = PUBLIC) -> bytes:
    return _encode(vevent_lines(event, style))


def _encode(lines: Lines) -> bytes:
    return "".join(fold(line) for line in lines).encode()


def event_lines(event: EventView, *, style: Style = PUBLIC) -> Lines:
    """One VEVENT of a single event (kept for callers of the old writer)."""
    return vevent_lines(event, style)


def vevent_lines(
    event: EventView,
    style: Style = PUBLIC,
    *,
    uid: str | None = None,
    recurrence: Sequence[str] = (),
    recurrence_id: datetime | date | None = None,
) -> Lines:
    """One VEVENT; nothing when its title is empty once control characters are removed."""
    title, prefix = event.title, style.cancelled_prefix
    if prefix and event.status == "cancelled" and not title.startswith(prefix):
        title = prefix + title
    if not event.publishable:  # nothing printable left in the title: no VEVENT
        return []
    summary = escape_text(title)
    end, assumed = _end(event, style)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid or event.uid)}",
        f"DTSTAMP:{utc_stamp(event.updated_at)}",
        f"CREATED:{utc_stamp(event.created_at)}",
        f"LAST-MODIFIED:{utc_stamp(event.updated_at)}",
        f"SEQUENCE:{event.sequence}",
    ]
    if recurrence_id is not None:
        lines.append(when("RECURRENCE-ID", recurrence_id))
    lines.append(when("DTSTART", event.start))
    if end is not None:
        lines.append(when("DTEND", end))
    lines += recurrence
    lines += [f"SUMMARY:{summary}", f"STATUS:{event.status.upper()}"]
    description = description_text(event, assumed_end=assumed)
    location = location_line(event)
    if style.html:
        description, location = html_text(description), html_text(location)
    _text(lines, "DESCRIPTION", description)
    _text(lines, "LOCATION", location)
    if event.lat is not None and event.lon is not None:
        lines.append(f"GEO:{event.lat:.6f};{event.lon:.6f}")
    categories = [escape_text(c) for c in _categories(event, style)]
    categories = [c for c in categories if c.strip()]
    if categories:
        lines.append("CATEGORIES:" + ",".join(categories))
    url = iri_to_uri(event.url) if event.url else ""
    if url:
        lines.append(f"URL:{url}")
    lines.append("END:VEVENT")
    return lines


def _text(lines: Lines, name: str, value: str) -> None:
    escaped = escape_text(value)
    if escaped.strip():
        lines.append(f"{name}:{escaped}")


def _end(event: EventView, style: Style) -> tuple[datetime | date | None, timedelta | None]:
    """DTEND (exclusive for all-day events), and the default length used where there was none."""
    if event.all_day:
        assert isinstance(event.start, date)
        last = event.end if isinstance(event.end, date) else event.start
        return last + timedelta(days=1), None
    if isinstance(event.end, datetime) and event.end > event.start:
        return event.end, None
    if style.default_length is not None:
        return event.start + style.default_length, style.default_length
    return None, None


def _categories(event: EventView, style: Style) -> tuple[str, ...]:
    if style.only_category is not None:
        return (style.only_category,)
    if style.category_names:
        return tuple(CATEGORY_NAMES.get(slug, slug) for slug in event.categories)
    return event.categories


def when(name: str, value: datetime | date) -> str:
    """A DATE, a local time with TZID, or — in the repeated or skipped hour — UTC."""
    if not isinstance(value, datetime):
        return f"{name};VALUE=DATE:{value:%Y%m%d}"
    wall = local(value).replace(tzinfo=None)
    if series_form.unclear(wall):
        return f"{name}:{utc_stamp(value)}"
    return f"{name};TZID={local_tzid()}:{wall:%Y%m%dT%H%M%S}"


def description_text(event: EventView, *, assumed_end: timedelta | None = None) -> str:
    """The description, a note where the end is assumed, and "Quelle:" with the sources'
    names (each with its licence, where it has one)."""
    parts = [event.description]
    if assumed_end is not None:
        minutes = int(assumed_end.total_seconds() // 60)
        length = f"{minutes // 60} Stunde" if minutes == 60 else f"{minutes} Minuten"
        parts.append(f"Ende nicht angegeben (eingetragen mit {length}).")
    names = ", ".join(dict.fromkeys(ref.credit for ref in event.sources))
    if names:
        parts.append(f"Quelle: {names}")
    return CONTROL.sub("", "\n\n".join(part for part in parts if part)).strip()


def location_line(event: EventView) -> str:
    """Name, street, postcode and town on one line."""
    town = " ".join(part for part in (event.postcode, event.town) if part)
    parts = [event.location_name, event.location_address, town]
    return ", ".join(dict.fromkeys(part for part in parts if part))


def html_text(value: str) -> str:
    """<, > and & as HTML entities (quotes need none outside attributes)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 §3.3.11); control characters dropped, line breaks as \\n."""
    value = CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return NEWLINES.sub("\\\\n", value)


def iri_to_uri(value: str) -> str:
    """An IRI as a valid URI (RFC 3987 §3.1): a non-ASCII host in IDNA (punycode), every other
    character a URI may not hold as UTF-8 percent-escapes; existing escapes and reserved
    characters stay; control characters and line breaks are dropped."""
    if PLAIN_URI.fullmatch(value):  # the common case: nothing to encode
        return value
    value = CONTROL.sub("", NEWLINES.sub("", value)).strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    netloc = parts.netloc
    host = parts.hostname or ""
    if host and not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = quote(host, safe="")
        netloc = netloc.replace(host, ascii_host) if host in netloc else ascii_host
    netloc = quote(netloc, safe="!$&'()*+,;=:@[]%")
    path, query, fragment = (
        BAD_ESCAPE.sub("%25", quote(part, safe=URI_SAFE))
        for part in (parts.path, parts.query, parts.fragment)
    )
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


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
