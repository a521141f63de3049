"""`make demo` end to end: the demo county is crawled, published and served; every client reads
the same instants from events-expanded.ics as events.json states."""

from __future__ import annotations

import gzip
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
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


@contextmanager
def taken(*ports: int) -> Iterator[None]:
    """Another program listening on these ports (where nothing listens there already)."""
    with ExitStack() as stack:
        for port in ports:
            listener = stack.enter_context(socket.socket())
            with suppress(OSError):  # taken already: as good
                listener.bind(("127.0.0.1", port))
                listener.listen()
        yield


def start_demo(cwd: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lotse", "demo", *options],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def until_serving(process: subprocess.Popen[str], port: int) -> str:
    output = []
    for line in process.stdout or ():
        output.append(line)
        if line.startswith("serving on"):
            break
    _wait_for(f"http://127.0.0.1:{port}/healthz")
    return "".join(output)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """`lotse demo --port P` in a fresh folder, with 8008 (the demo's old fixed site port) and
    8000 (the default) taken by another program: its summary, its files, its running server."""
    cwd = tmp_path_factory.mktemp("demo")
    port = free_port()
    with taken(8008, 8000):
        process = start_demo(cwd, "--port", str(port))
        output = until_serving(process, port)
        yield "".join(output), cwd / "public", port, cwd
        process.terminate()
        process.wait(timeout=10)


def test_a_second_demo_in_the_folder_says_the_first_is_running(demo) -> None:
    *_, cwd = demo
    second = subprocess.run(
        [sys.executable, "-m", "lotse", "demo", "--port", str(free_port())],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "a demo is already running" in second.stderr and "Traceback" not in second.stderr


def test_a_taken_port_is_named_with_the_option_to_choose_another(tmp_path: Path) -> None:
    port = free_port()
    with taken(port):
        done = subprocess.run(
            [sys.executable, "-m", "lotse", "demo", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"port {port} is taken" in done.stderr and "PORT=" in done.stderr
    assert "--port" in done.stderr and not (tmp_path / "public").exists()


def test_two_demo_runs_publish_the_same_bytes(tmp_path: Path) -> None:
    """Each run serves the site on another port; the feeds do not show it. The second run finds
    nothing changed, so even DTSTAMP and generated_at stay; only the apprenticeships' last_seen
    (and with it that feed's generated_at) says the postings were seen again."""
    runs: list[dict[Path, bytes]] = []
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-m", "lotse", "demo", "--no-serve"],
            cwd=tmp_path,
            capture_output=True,
            check=True,
            timeout=300,
        )
        runs.append({p: _unpacked(p) for p in sorted((tmp_path / "public").rglob("*.*"))})
    seen = re.compile(rb'"(last_seen|generated_at)": "[^"]*"')
    for run in runs:
        for name in ("apprenticeships.json", "apprenticeships.json.gz"):
            jobs = tmp_path / "public" / name
            run[jobs] = seen.sub(b"", run[jobs])
    assert runs[0] == runs[1] and len(runs[0]) > 20
    assert b"127.0.0.1" not in b"".join(runs[0].values())


def _unpacked(path: Path) -> bytes:
    """A feed's bytes; a .gz beside it uncompressed (gzip without a timestamp: stable too)."""
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


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
    output, public, *_ = demo
    assert "vhs-heidenheim" in output and "integrationszentrum" in output
    assert "status" in output and "items" in output
    assert len(json_instants(public)) > 20


def test_the_demo_serves_the_published_feeds(demo) -> None:
    _, public, port, _ = demo
    for path in ("events.ics", "events.json", "apprenticeships.json"):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}") as response:
            assert response.read() == (public / path).read_bytes()


def test_icalendar_reads_the_same_instants(demo) -> None:
    _, public, *_ = demo
    calendar = icalendar.Calendar.from_ical((public / "events-expanded.ics").read_bytes())
    found = sorted((str(e["UID"]), _as_text(e.decoded("DTSTART"))) for e in calendar.walk("VEVENT"))
    assert found == json_instants(public)


def test_vobject_reads_the_same_instants(demo) -> None:
    _, public, *_ = demo
    calendar = vobject.readOne((public / "events-expanded.ics").read_text())
    found = sorted((e.uid.value, _as_text(e.dtstart.value)) for e in calendar.vevent_list)
    assert found == json_instants(public)


def test_mozilla_ical_js_reads_the_same_instants(demo) -> None:
    _, public, *_ = demo
    done = subprocess.run(
        ["node", str(JS / "icaljs_instants.js"), str(public / "events-expanded.ics")],
        cwd=JS,
        capture_output=True,
        text=True,
        check=True,
    )
    found = sorted((e["uid"], e["start"].replace(".000Z", "Z")) for e in json.loads(done.stdout))
    assert found == json_instants(public)


def test_another_regions_demo_runs_without_touching_code(tmp_path: Path) -> None:
    """`make demo REGION=stadt-augsburg`: the region file and its demo sources are all it takes;
    its feeds carry its name and towns, nothing of Heidenheim's."""
    subprocess.run(
        [sys.executable, "-m", "lotse", "demo", "--region", "stadt-augsburg", "--no-serve"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        timeout=300,
    )
    public = tmp_path / "public"
    calendar = (public / "events.ics").read_text(encoding="utf-8")
    assert "X-WR-CALNAME:Stadt Augsburg – Veranstaltungen" in calendar
    assert (public / "events" / "town" / "augsburg.ics").is_file()
    assert not (public / "events" / "town" / "nattheim.ics").exists()
    events = json.loads((public / "events.json").read_text(encoding="utf-8"))["events"]
    places = {e["title"]: e["location"] for e in events}
    assert places["Lesecafé Haunstetten"]["town"] == "Augsburg"
    assert "Haunstetten" in places["Lesecafé Haunstetten"]["name"]
    assert "Heidenheim" not in calendar


def test_a_region_without_a_demo_says_which_there_are(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lotse", "demo", "--region", "atlantis", "--no-serve"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "no demo for region 'atlantis'" in done.stderr
    assert "stadt-augsburg" in done.stderr and not (tmp_path / "public").exists()
