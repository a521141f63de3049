"""The demo county's event sources, one of every kind, read cleanly (served like `lotse demo`)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

from aggregator.sources import load_sources
from lotse.demo import DEMO, serve_site
from tests.conftest import FAST_CRAWL, NOW
from workers.passes import run_pass

DEMO_HOST = "127.0.0.1:8008"
EVENT_KINDS = {"ical", "feed", "jsonld", "integreat", "wp-events"}


def test_every_demo_event_source_reads_without_problems(sqlite_store, tmp_path: Path) -> None:
    site = tmp_path / "site"
    server = serve_site(site, 0)  # its own port: a running demo keeps 8008
    host = f"127.0.0.1:{server.server_address[1]}"
    try:
        shutil.copytree(DEMO / "site", site, dirs_exist_ok=True)
        for path in site.rglob("*.*"):  # the pages link each other on the demo's port
            path.write_bytes(path.read_bytes().replace(DEMO_HOST.encode(), host.encode()))
        sources = [
            replace(config, url=config.url.replace(DEMO_HOST, host))
            for config in load_sources(DEMO / "sources.toml")
            if config.kind in EVENT_KINDS
        ]
        report = run_pass(
            sqlite_store, sources, tmp_path / "public", now=NOW, crawl_settings=FAST_CRAWL
        )
    finally:
        server.shutdown()
        server.server_close()
    assert {s.kind for s in sources} == EVENT_KINDS
    for summary in report.summaries:
        assert (summary.status, summary.problems) == ("ok", 0), summary
        assert summary.items > 0
    events = json.loads((tmp_path / "public" / "events.json").read_text())["events"]
    cafe = [e for e in events if e["start"] == "2027-01-07T18:30:00+01:00"]
    assert {ref["source"] for e in cafe for ref in e["sources"]} >= {
        "integrationszentrum",
        "integreat",
    }
