"""One full pass in-process: crawl every enabled source, ingest, publish (no broker needed)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aggregator.ingest import SourceSummary
from aggregator.sources import SourceConfig
from aggregator.store import Store
from crawlers.crawl import crawl_sources
from workers.steps import crawl_jobs, ingest_result, publish, register_sources

Progress = Callable[[str], None]


@dataclass
class PassReport:
    pass_id: str
    summaries: list[SourceSummary] = field(default_factory=list)
    written: list[str] = field(default_factory=list)


def run_pass(
    store: Store,
    configs: list[SourceConfig],
    out: Path,
    *,
    now: datetime,
    progress: Progress = lambda message: None,
    crawl_settings: dict[str, Any] | None = None,
) -> PassReport:
    report = PassReport(pass_id=uuid.uuid4().hex)
    enabled = register_sources(store, configs)
    progress(f"crawling {len(enabled)} sources …")
    results = crawl_sources(crawl_jobs(store, [c.id for c in enabled]), settings=crawl_settings)
    for number, config in enumerate(enabled, start=1):
        summary = ingest_result(store, results[config.id], pass_id=report.pass_id, now=now)
        report.summaries.append(summary)
        progress(f"[{number}/{len(enabled)}] {config.id}: {summary.status}, {summary.items} items")
    report.written = publish(store, out, now=now)
    progress(f"published {len(report.written)} changed feed files into {out}")
    return report
