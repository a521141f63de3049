"""Celery tasks: thin wiring around workers.steps. Each is safe to run twice."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from aggregator.config import Settings
from aggregator.store import Store
from celery_app import app
from crawlers.crawl import crawl_sources
from workers.steps import crawl_jobs, ingest_result, publish

CRAWL_TIME_LIMIT = int(os.environ.get("LOTSE_CRAWL_TIME_LIMIT", "1800"))


@cache
def store() -> Store:
    return Store(Settings.from_env().database_url)


@app.task(name="workers.tasks.crawl_source")
def crawl_source(
    source_id: str, pass_id: str, now: str, crawl_settings: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Crawl one source in a child process and ingest what it gave."""
    jobs = crawl_jobs(store(), [source_id])
    result = crawl_sources(jobs, time_limit=CRAWL_TIME_LIMIT, settings=crawl_settings)[source_id]
    summary = ingest_result(store(), result, pass_id=pass_id, now=datetime.fromisoformat(now))
    return summary.to_dict()


@app.task(name="workers.tasks.publish_feeds")
def publish_feeds(summaries: list[dict[str, Any]], out: str, now: str | None = None) -> dict:
    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    return {"summaries": summaries, "written": publish(store(), Path(out), now=moment)}
