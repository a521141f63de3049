"""A county of loopback sources for the distributed tests, `lotse run`, and what to compare.

The county: the city's calendar fixture, the demo's VHS and Integrationszentrum, optionally a
large generated calendar (its ingest takes seconds: a fault can hit it in the middle), and a
source whose URL answers 404 (it fails at once, as a dead link does).
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import FIXTURES
from tests.support.celery import ROOT
from tests.support.server import FixtureServer, Reply

ICS = "text/calendar; charset=utf-8"
DEMO = ROOT / "examples" / "demo" / "site"
# DTSTAMP, CREATED and LAST-MODIFIED, and updated_at in JSON, are the time of the pass
VOLATILE = re.compile(rb"^(DTSTAMP|CREATED|LAST-MODIFIED):.*\r\n", re.MULTILINE)


def large_calendar(
    events: int, first_day: date, *, place: str = "rathaus", minute: int = 0
) -> bytes:
    """``events`` one-hour events at ``place``, over 300 days from ``first_day`` (8:``minute``)."""
    start = datetime(first_day.year, first_day.month, first_day.day, 8, minute, tzinfo=UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Lotse tests//Large county//DE"]
    for number in range(events):
        begins = start + timedelta(days=number % 300, minutes=15 * (number // 300))
        lines += [
            "BEGIN:VEVENT",
            f"UID:termin-{number}@{place}.example",
            "DTSTAMP:20260901T080000Z",
            f"DTSTART:{begins:%Y%m%dT%H%M%SZ}",
            f"DTEND:{begins + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:Bürgersprechstunde Nr. {number} ({place})",
            "LOCATION:Rathaus\\, Grabenstraße 15\\, 89522 Heidenheim an der Brenz",
            "END:VEVENT",
        ]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def county(site: FixtureServer, folder: Path, *, large: int = 0, every: str = "6h") -> Path:
    """Serve the county's calendars from ``site`` and write its sources file into ``folder``."""
    calendars = {}
    if large:  # first in the file, so the first ingest of a pass is a long one
        first_day = datetime.now(UTC).date() + timedelta(days=2)
        calendars["rathaus"] = Reply(
            large_calendar(large, first_day), headers={"Content-Type": ICS}
        )
    calendars["stadt"] = Reply.file(FIXTURES / "ical" / "stadt.ics", ICS)
    calendars["vhs"] = Reply.file(DEMO / "vhs.ics", ICS)
    calendars["integrationszentrum"] = Reply.file(DEMO / "integrationszentrum.ics", ICS)
    entries = [
        source_entry(source_id, site.route(f"/{source_id}.ics", reply), every=every)
        for source_id, reply in calendars.items()
    ]
    entries.append(source_entry("verein", site.url("/verein.ics"), every=every))  # 404
    path = folder / "sources.toml"
    path.write_text("".join(entries))
    return path


def source_entry(source_id: str, url: str, *, every: str = "6h") -> str:
    return (
        f'[[sources]]\nid = "{source_id}"\nkind = "ical"\nurl = "{url}"\ntrusted = true\n'
        f'every = "{every}"\nallow_private = true\n'
    )


def held_once(site: FixtureServer, path: str) -> threading.Event:
    """The next request for ``path`` is answered once the returned event is set."""
    gate = threading.Event()
    reply = site.routes[path][-1]
    site.route(path, dataclasses.replace(reply, gate=gate), reply)
    return gate


def lotse_command(sources: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "lotse", "run", "--sources", str(sources), "--out", str(out)]


def lotse_run_started(env: dict[str, str], sources: Path, out: Path) -> subprocess.Popen[str]:
    """`lotse run` started in the folder of ``out``, not waited for (its output piped)."""
    return subprocess.Popen(
        lotse_command(sources, out),
        cwd=out.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lotse_run(env: dict[str, str], sources: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        lotse_command(sources, out),
        cwd=sources.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def comparable(out: Path) -> tuple[list[dict], bytes]:
    """The published events as JSON and iCalendar, without what is the time of the pass."""
    events = json.loads((out / "events.json").read_text())["events"]
    for event in events:
        event.pop("updated_at")
    return events, VOLATILE.sub(b"", (out / "events.ics").read_bytes())


def stored(database_url: str) -> dict[str, object]:
    """What an operator would count: records per source, listings, crawl runs per source."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:

            def rows(query: str) -> list[tuple]:
                return [tuple(row) for row in connection.execute(text(query))]

            return {
                "records": rows(
                    "SELECT source_id, count(*), count(DISTINCT key), count(gone_at)"
                    " FROM source_records GROUP BY source_id ORDER BY source_id"
                ),
                "events": rows("SELECT count(*), count(DISTINCT uid) FROM events"),
                "runs": rows(
                    "SELECT source_id, status, count(*) FROM crawl_runs"
                    " WHERE finished_at IS NOT NULL GROUP BY source_id, status ORDER BY source_id"
                ),
                "unfinished runs": rows(
                    "SELECT count(*) FROM crawl_runs WHERE finished_at IS NULL"
                ),
            }
    finally:
        engine.dispose()
