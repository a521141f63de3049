"""`make demo` end to end: the demo county is crawled, published and served; every client reads
the same instants from events.ics as events.json states."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
import vobject

JS = Path(__file__).resolve().parent / "js"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """`lotse demo` in a fresh folder: its summary, its files, and its running server."""
    cwd = tmp_path_factory.mktemp("demo")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lotse", "demo", "--port", str(port)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    for line in process.stdout:
        output.append(line)
        if line.startswith("serving on"):
            break
    _wait_for(f"http://127.0.0.1:{port}/healthz")
    yield "".join(output), cwd / "public", port
    process.terminate()
    process.wait(timeout=10)


def _wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def json_instants(public: Path) -> list[tuple[str, str]]:
    events = json.loads((public / "events.json").read_text())["events"]
    return sorted((e["uid"], _instant(e["start"])) for e in events)


def _instant(text: str) -> str:
    if "T" not in text:
        return text
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def test_the_demo_prints_a_summary_of_every_source(demo) -> None:
    output, public, _ = demo
    assert "vhs-heidenheim" in output and "integrationszentrum" in output
    assert "status" in output and "items" in output
    assert len(json_instants(public)) > 20


def test_the_demo_serves_the_published_feeds(demo) -> None:
    _, public, port = demo
    for path in ("events.ics", "events.json", "apprenticeships.json"):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}") as response:
            assert response.read() == (public / path).read_bytes()


def test_icalendar_reads_the_same_instants(demo) -> None:
    _, public, _ = demo
    calendar = icalendar.Calendar.from_ical((public / "events.ics").read_bytes())
    found = sorted((str(e["UID"]), _as_text(e.decoded("DTSTART"))) for e in calendar.walk("VEVENT"))
    assert found == json_instants(public)


def test_vobject_reads_the_same_instants(demo) -> None:
    _, public, _ = demo
    calendar = vobject.readOne((public / "events.ics").read_text())
    found = sorted((e.uid.value, _as_text(e.dtstart.value)) for e in calendar.vevent_list)
    assert found == json_instants(public)


def test_mozilla_ical_js_reads_the_same_instants(demo) -> None:
    _, public, _ = demo
    done = subprocess.run(
        ["node", str(JS / "icaljs_instants.js"), str(public / "events.ics")],
        cwd=JS,
        capture_output=True,
        text=True,
        check=True,
    )
    found = sorted((e["uid"], e["start"].replace(".000Z", "Z")) for e in json.loads(done.stdout))
    assert found == json_instants(public)
