"""Staff corrections of an event, kept on top of what its sources say.

They live in ``Event.overrides``, one entry per group of fields a staff edit names::

    {"title": {"value": {"title": "Sprachcafé"}, "base": {"title": "Sprachcafe"}}}

``value`` is what staff set, ``base`` what the sources said at that moment (JSON-ready). When a
source later changes a corrected field, the correction stays (a published listing never leaves
the feeds for it): the sources' new value waits beside it as ``theirs``, a conflict staff settle
by keeping their value (``base`` becomes ``theirs``) or taking the source's (the entry goes).
A correction the sources come to agree with needs no decision: its ``base`` follows them.
``status`` (cancelled by staff) may carry a ``reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple
from datetime import date, datetime, timedelta
from typing import Any

from aggregator.categories import CATEGORIES
from aggregator.dates.timezones import day_start_utc, to_utc
from aggregator.places.locations import Place, normalize_place, parse_location
from aggregator.states import EventStatus
from aggregator.text.plain import one_line, plain_text

GROUPS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "description": ("description",),
    "start": ("start_at", "all_day", "start_date"),
    "end": ("end_at", "end_date"),
    "location": ("location_name", "location_address", "postcode", "town", "lat", "lon"),
    "url": ("url",),
    "categories": ("categories",),
    "status": ("status",),
}
_DATETIMES = frozenset({"start_at", "end_at"})
_DATES = frozenset({"start_date", "end_date"})
_PLACE_KEYS = frozenset({"name", "address", "postcode", "town", "lat", "lon"})


def corrected_columns(fields: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A staff edit as column values per group. Accepted: ``title``, ``description``,
    ``start``/``end`` (an aware or local datetime, a date for all-day, or ISO text), ``location``
    (one line of text, or a dict of name, address, postcode, town, lat, lon), ``url`` and
    ``categories`` (slugs). Raises ValueError naming what cannot be taken."""
    unknown = set(fields) - set(GROUPS)
    if unknown:
        raise ValueError(f"cannot correct {', '.join(sorted(unknown))}: not one of {list(GROUPS)}")
    columns: dict[str, dict[str, Any]] = {}
    for group, value in fields.items():
        columns[group] = _READERS[group](value)
    start, end = columns.get("start"), columns.get("end")
    if start and end and end["end_at"] is not None:
        if (end["end_date"] is None) != (start["start_date"] is None):
            raise ValueError("start and end must both be dates (all-day) or both times")
        if end["end_at"] <= start["start_at"]:
            raise ValueError("the end must come after the start")
    return columns


def correction(values: Mapping[str, Any], sources: Mapping[str, Any]) -> dict[str, Any]:
    """The stored entry for one group: staff's values and what the sources said."""
    return {"value": _encode(values), "base": _encode({name: sources[name] for name in values})}


def apply_corrections(fields: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The fields with every correction on top."""
    fields = dict(fields)
    for entry in overrides.values():
        fields.update(_decode(entry["value"]))
    return fields


def check_corrections(
    fields: dict[str, Any], overrides: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The sources' ``fields`` with every correction on top, the corrections as they stand now,
    and the groups whose conflict is new (the sources changed a corrected field, or changed it
    again): each entry notes the sources' current value as ``theirs`` while it differs from the
    ``base`` staff corrected; ``base`` follows the sources where they now say what staff said."""
    corrected, standing, conflicts = dict(fields), {}, []
    for group, stored in overrides.items():
        entry = dict(stored)
        said = _encode({name: fields[name] for name in entry["base"]})
        if said == entry["value"]:
            entry["base"] = said
            entry.pop("theirs", None)
        elif said == entry["base"]:
            entry.pop("theirs", None)
        elif entry.get("theirs") != said:
            entry["theirs"] = said
            conflicts.append(group)
        standing[group] = entry
        corrected.update(_decode(entry["value"]))
    return corrected, standing, conflicts


def same_values(values: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """Whether a group's normalized values are what the listing holds already (the location's
    coordinates aside: staff type no coordinates, a place keeps the ones it had)."""
    names = [name for name in values if name not in ("lat", "lon")]
    return _encode({n: values[n] for n in names}) == _encode({n: current[n] for n in names})


def encoded(values: Mapping[str, Any]) -> dict[str, Any]:
    """A group's values as an entry stores them (JSON-ready)."""
    return _encode(values)


def decoded(values: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's stored values as column values."""
    return _decode(values)


def _encode(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in values.items()
    }


def _decode(values: Mapping[str, Any]) -> dict[str, Any]:
    decoded = dict(values)
    for name, value in values.items():
        if value is not None and name in _DATETIMES:
            decoded[name] = datetime.fromisoformat(value)
        elif value is not None and name in _DATES:
            decoded[name] = date.fromisoformat(value)
    return decoded


def _when(value: Any) -> datetime | date:
    if isinstance(value, str):
        text = value.strip()
        value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, date):
        return value
    raise ValueError(f"not a date or time: {value!r}")


def _start(value: Any) -> dict[str, Any]:
    when = _when(value)
    if isinstance(when, datetime):
        return {"start_at": when, "all_day": False, "start_date": None}
    return {"start_at": day_start_utc(when), "all_day": True, "start_date": when}


def _end(value: Any) -> dict[str, Any]:
    if value is None:
        return {"end_at": None, "end_date": None}
    when = _when(value)
    if isinstance(when, datetime):
        return {"end_at": when, "end_date": None}
    return {"end_at": day_start_utc(when + timedelta(days=1)), "end_date": when}


def _location(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        unknown = set(value) - _PLACE_KEYS
        if unknown:
            raise ValueError(f"location: unknown keys {sorted(unknown)}")
        place = normalize_place(**value)
    else:
        place = parse_location(value) if value else Place()
    return dict(zip(GROUPS["location"], astuple(place), strict=True))


def _title(value: Any) -> dict[str, Any]:
    title = one_line(str(value or ""))
    if not title:
        raise ValueError("the title must not be empty")
    return {"title": title}


def _categories(value: Any) -> dict[str, Any]:
    slugs = [value] if isinstance(value, str) else list(value or [])
    unknown = set(slugs) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"unknown categories {sorted(unknown)}: use {list(CATEGORIES)}")
    return {"categories": [slug for slug in CATEGORIES if slug in slugs]}


def _status(value: Any) -> dict[str, Any]:
    if value not in set(EventStatus):
        raise ValueError(f"unknown status {value!r}: use {list(EventStatus)}")
    return {"status": str(value)}


_READERS = {
    "title": _title,
    "description": lambda value: {"description": plain_text(str(value or ""))},
    "start": _start,
    "end": _end,
    "location": _location,
    "url": lambda value: {"url": (str(value).strip() if value else "") or None},
    "categories": _categories,
    "status": _status,
}
