"""A pass handed to the Celery workers: one crawl task per source, then one publish task."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from celery import chord

from aggregator.ingest import SourceSummary
from aggregator.sources import SourceConfig
from aggregator.store import Store
from workers.passes import PassReport, Progress
from workers.steps import register_sources


def run_pass_on_workers(
    store: Store,
    configs: list[SourceConfig],
    out: Path,
    *,
    now: datetime,
    progress: Progress = lambda message: None,
    crawl_settings: dict[str, Any] | None = None,
    timeout: float = 3600,
) -> PassReport:
    from workers.tasks import crawl_source, publish_feeds

    report = PassReport(pass_id=uuid.uuid4().hex)
    enabled = register_sources(store, configs)
    crawls = [
        crawl_source.s(c.id, report.pass_id, now.isoformat(), crawl_settings) for c in enabled
    ]
    result = chord(crawls)(publish_feeds.s(str(out.resolve()), now.isoformat()))
    progress(f"sent {len(crawls)} crawl tasks to the workers")
    deadline, last = time.monotonic() + timeout, -1
    while not result.ready():
        done = sum(1 for child in (result.parent.results if result.parent else []) if child.ready())
        if done != last:
            progress(f"[{done}/{len(crawls)}] sources done")
            last = done
        if time.monotonic() > deadline:
            raise TimeoutError(f"the workers did not finish the pass within {timeout:.0f} s")
        time.sleep(0.5)
    outcome = result.get(propagate=True)
    progress(f"[{len(crawls)}/{len(crawls)}] sources done")
    result.forget()
    if result.parent is not None:
        result.parent.forget()
    report.summaries = [SourceSummary(**s) for s in outcome["summaries"]]
    report.written = outcome["written"]
    return report
