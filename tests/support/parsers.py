"""Our feeds read by the parsers that real clients and the Integreat CMS run, each giving the
occurrences in the feed window as plain dicts: libical (Evolution, through ICalGLib with
Debian's /usr/bin/python3), sabre/vobject (Nextcloud, through PHP), Mozilla's ical.js
(Thunderbird, through node), icalendar + recurring-ical-events, and the Integreat CMS's own
import code (integreat-cms from PyPI in .venv-cms, on icalendar 6).

An occurrence: uid, start and end (a UTC instant "…Z", or a date; end null without DTEND;
all-day ends exclusive), summary, description, location, status.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import recurring_ical_events

from aggregator.normalize.context import FUTURE_DAYS, PAST_DAYS
from tests.conftest import NOW, ROOT, TESTS
from tests.support.feeds import JS, instant

READERS = TESTS / "readers"
CMS_PYTHON = ROOT / ".venv-cms" / "bin" / "python"
WINDOW = (NOW - timedelta(days=PAST_DAYS), NOW + timedelta(days=FUTURE_DAYS))
Seen = list[dict[str, Any]]
FIELDS = ("start", "end", "summary", "description", "location", "status")


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _run(command: list[str], cwd: Path | None = None) -> Any:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def libical(path: Path) -> Seen:
    script = READERS / "libical_read.py"
    return _run(["/usr/bin/python3", str(script), str(path), *map(_stamp, WINDOW)])


def sabre(path: Path) -> Seen:
    return _run(["php", str(READERS / "sabre_read.php"), str(path), *map(_stamp, WINDOW)])


def icaljs(path: Path) -> Seen:
    until = WINDOW[1].strftime("%Y-%m-%dT%H:%M:%SZ")
    return _run(["node", str(JS / "read_feed.js"), "ical.js-expand", str(path), until], cwd=JS)


def _when(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def recurring(body: bytes) -> Seen:
    """icalendar + recurring-ical-events over the window (it adds an end to an event without
    one: its start; read as no end where the VEVENT has no DTEND)."""
    calendar = icalendar.Calendar.from_ical(body)
    without_end = {
        str(e["UID"]) for e in calendar.walk("VEVENT") if "DTEND" not in e and "DURATION" not in e
    }
    seen = []
    for e in recurring_ical_events.of(calendar).between(*WINDOW):
        uid = str(e["UID"])
        seen.append(
            {
                "uid": uid,
                "start": _when(e.decoded("DTSTART")),
                "end": None if uid in without_end else _when(e.decoded("DTEND")),
                "summary": str(e["SUMMARY"]),
                "description": str(e["DESCRIPTION"]) if "DESCRIPTION" in e else None,
                "location": str(e["LOCATION"]) if "LOCATION" in e else None,
                "status": str(e["STATUS"]),
            }
        )
    return seen


def cms_import(path: Path, category: str = "") -> dict[str, Any]:
    """What the CMS's import makes of the calendar: {"created": [...], "refused": [...]}."""
    command = [str(CMS_PYTHON), str(ROOT / "tests" / "cms" / "import_feed.py"), str(path)]
    return _run(command + ([category] if category else []), cwd=ROOT)


def expected(events: list[dict[str, Any]]) -> Seen:
    """What a subscriber must see of events.json's entries (all-day ends exclusive in iCal)."""
    seen = []
    for event in events:
        end = event["end"]
        if event["all_day"]:
            end = (date.fromisoformat(end) + timedelta(days=1)).isoformat()
        place = event["location"]
        town = " ".join(p for p in (place["postcode"], place["town"]) if p)
        parts = [place["name"], place["address"], town]
        names = ", ".join(dict.fromkeys(s["name"] for s in event["sources"]))
        description = "\n\n".join(p for p in (event["description"], f"Quelle: {names}") if p)
        seen.append(
            {
                "start": instant(event["start"]),
                "end": instant(end),
                "summary": event["title"],
                "description": description,
                "location": ", ".join(dict.fromkeys(p for p in parts if p)) or None,
                "status": event["status"].upper(),
            }
        )
    return occurrences(seen)


def occurrences(seen: Seen) -> list[tuple[Any, ...]]:
    """Occurrences as comparable tuples (the UID aside), sorted."""
    return sorted(tuple(entry[name] for name in FIELDS) for entry in seen)


def by_start(seen: Seen) -> dict[tuple[str, str], str]:
    """Each occurrence's UID by its start and summary."""
    return {(entry["start"], entry["summary"]): entry["uid"] for entry in seen}
