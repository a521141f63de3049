"""Read an iCalendar file with libical (Evolution's parser) through ICalGLib and print its
occurrences between two instants as JSON, each VEVENT expanded as Evolution expands it:
libical's foreach_recurrence gives the instances of RRULE/RDATE less EXDATE, an override with
RECURRENCE-ID replaces the instance it names.

Run with Debian's /usr/bin/python3 (python3-gi, gir1.2-ical-3.0):
    /usr/bin/python3 libical_read.py FILE START END      (START, END: YYYYMMDDTHHMMSSZ)
Per occurrence: uid, start and end (a UTC instant, or the date for all-day ones; end null
without DTEND), summary, description, location, status.
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

UTC = ICalGLib.Timezone.get_utc_timezone()
Kind = ICalGLib.PropertyKind


def when(value):
    if value.is_date():
        return f"{value.get_year():04d}-{value.get_month():02d}-{value.get_day():02d}"
    utc = value.convert_to_zone(UTC)
    return (
        f"{utc.get_year():04d}-{utc.get_month():02d}-{utc.get_day():02d}T"
        f"{utc.get_hour():02d}:{utc.get_minute():02d}:{utc.get_second():02d}Z"
    )


def at(seconds, is_date):
    return when(ICalGLib.Time.new_from_timet_with_zone(seconds, 1 if is_date else 0, UTC))


def has(component, kind):
    return component.get_first_property(kind) is not None


def entry(component, start, end):
    status = component.get_first_property(Kind.STATUS_PROPERTY)
    return {
        "uid": component.get_uid(),
        "start": start,
        "end": end,
        "summary": component.get_summary(),
        "description": component.get_description(),
        "location": component.get_location(),
        "status": status.get_value_as_string() if status is not None else None,
    }


def recurrence_id(calendar, component):
    """RECURRENCE-ID in its TZID's zone (the property alone reads it as floating)."""
    prop = component.get_first_property(Kind.RECURRENCEID_PROPERTY)
    value = prop.get_recurrenceid()
    tzid = prop.get_parameter_as_string("TZID")
    if tzid and not value.is_date():
        value.set_timezone(calendar.get_timezone(tzid))
    return value


def vevents(calendar):
    found = []
    vevent = calendar.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    while vevent is not None:
        found.append(vevent)
        vevent = calendar.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    return found


def main(path, first, last):
    with open(path, encoding="utf-8") as handle:
        calendar = ICalGLib.Component.new_from_string(handle.read())
    window = (ICalGLib.Time.new_from_string(first), ICalGLib.Time.new_from_string(last))
    events = vevents(calendar)
    overridden = {
        (e.get_uid(), when(recurrence_id(calendar, e)))
        for e in events
        if has(e, Kind.RECURRENCEID_PROPERTY)
    }
    found = []
    for component in events:
        start = component.get_dtstart()
        has_end = has(component, Kind.DTEND_PROPERTY) or has(component, Kind.DURATION_PROPERTY)
        recurs = has(component, Kind.RRULE_PROPERTY) or has(component, Kind.RDATE_PROPERTY)
        if has(component, Kind.RECURRENCEID_PROPERTY) or not recurs:
            end = when(component.get_dtend()) if has_end else None
            found.append(entry(component, when(start), end))
            continue
        spans = []
        component.foreach_recurrence(
            window[0], window[1], lambda comp, span, found: found.append(span.clone()), spans
        )
        for span in spans:
            begins = at(span.get_start(), start.is_date())
            if (component.get_uid(), begins) in overridden:
                continue
            end = at(span.get_end(), start.is_date()) if has_end else None
            found.append(entry(component, begins, end))
    json.dump(found, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(*sys.argv[1:4])
