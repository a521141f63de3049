"""The steps of a pass as plain functions, called by the in-process pass and the Celery tasks.

Each step opens its own transaction, so a step that fails leaves nothing half-applied.
Ingests run one at a time (workers.database); a database that is unreachable for a moment, or
that ended the session (a restart, a hung worker's idle timeout), is not the source's fault:
that error goes up to the caller (the task retries, or its work is sent again), unrecorded.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from aggregator.crawl_result import CrawlResult
from aggregator.ingest import SourceSummary, ingest, summary_of, sync_sources
from aggregator.served_regions import source_region
from aggregator.sources import SourceConfig
from aggregator.states import CrawlStatus
from aggregator.store import Store
from aggregator.store.models import CrawlRun, Source
from crawlers.crawl import CrawlJob
from feeds.publish import render_feeds, write_feeds
from workers.database import one_ingest_at_a_time

log = logging.getLogger(__name__)


def register_sources(store: Store, configs: list[SourceConfig]) -> list[SourceConfig]:
    """Store the sources file's entries; returns the enabled ones in file order."""
    with store.transaction() as session:
        one_ingest_at_a_time(session)  # beat's dispatch may be storing the same file
        sync_sources(session, configs)
    return [config for config in configs if config.enabled]


def crawl_jobs(store: Store, source_ids: list[str]) -> list[CrawlJob]:
    """What to crawl, with each source's conditional-GET state from its last crawl."""
    with store.transaction() as session:
        sources = {
            s.id: s for s in session.scalars(select(Source).where(Source.id.in_(source_ids)))
        }
        return [
            CrawlJob(
                SourceConfig.from_dict(sources[source_id].config),
                {
                    "etag": sources[source_id].http_etag,
                    "last_modified": sources[source_id].http_last_modified,
                    "body_hash": sources[source_id].body_hash,
                    "memory": sources[source_id].crawl_memory or {},
                },
            )
            for source_id in source_ids
        ]


def ingest_result(
    store: Store, result: CrawlResult, *, pass_id: str, now: datetime
) -> SourceSummary:
    """Ingest one source's crawl; an error while ingesting is that source's failure alone."""
    try:
        with store.transaction() as session:
            one_ingest_at_a_time(session)
            return ingest(session, result, pass_id=pass_id, now=now)
    except Exception as error:
        if database_away(error):
            raise  # nothing was stored: the caller tries again later
        log.exception("ingest of %s failed", result.source_id)
        failed = CrawlResult(result.source_id, status=CrawlStatus.FAILED, complete=False)
        failed.error = f"ingest failed: {type(error).__name__}: {error}"
        with store.transaction() as session:
            one_ingest_at_a_time(session)
            return ingest(session, failed, pass_id=pass_id, now=now)


def database_away(error: BaseException) -> bool:
    """Whether the database could not be reached or dropped the connection (nothing stored)."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def finished_crawls(store: Store, pass_id: str) -> dict[str, SourceSummary]:
    """What each source ingested so far in this pass, by source id."""
    with store.transaction() as session:
        runs = session.scalars(
            select(CrawlRun).where(CrawlRun.pass_id == pass_id, CrawlRun.finished_at.is_not(None))
        )
        return {run.source_id: summary_of(run) for run in runs}


def source_regions(store: Store, source_ids: list[str]) -> dict[str, str]:
    """The region (slug) each stored source reads for, by source id."""
    with store.transaction() as session:
        sources = session.scalars(select(Source).where(Source.id.in_(source_ids)))
        return {source.id: source_region(source).slug for source in sources}


def publish(store: Store, out: Path, *, now: datetime) -> list[str]:
    """Render every feed from the store and write the ones whose bytes changed."""
    with store.transaction() as session:
        feeds = render_feeds(session, now=now)
    return write_feeds(feeds, out)
