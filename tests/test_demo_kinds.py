"""The demo county's event sources, one of every kind, read cleanly (served like `lotse demo`)."""

from __future__ import annotations

import json
from pathlib import Path

from aggregator.sources import load_sources
from lotse.demo import DEMO, host_map, serve_site
from tests.conftest import FAST_CRAWL, NOW
from workers.passes import run_pass

EVENT_KINDS = {"ical", "feed", "jsonld", "integreat", "wp-events"}


def test_every_demo_event_source_reads_without_problems(sqlite_store, tmp_path: Path) -> None:
    server = serve_site(DEMO / "site")
    try:
        sources = [
            config for config in load_sources(DEMO / "sources.toml") if config.kind in EVENT_KINDS
        ]
        settings = {**FAST_CRAWL, "LOTSE_HOST_MAP": host_map(server)}
        report = run_pass(
            sqlite_store, sources, tmp_path / "public", now=NOW, crawl_settings=settings
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
    translated = [e for e in cafe if e["translations"]]  # the demo's Integreat events are
    assert {e["translations"]["ar"]["title"] for e in translated} == {"مقهى اللغة الألمانية"}
