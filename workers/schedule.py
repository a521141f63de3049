"""Beat's schedule: a source is due when its ``every`` has passed since its last run.

``dispatch_due`` runs every minute; it first follows the sources file named by LOTSE_SOURCES
(so the schedule follows the file without restarting beat), then claims each due source in
Redis for one interval, so that a crawl still queued is not sent a second time.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.sources import SourceConfig, SourcesFileError, load_sources
from aggregator.store import Store
from aggregator.store.models import Source
from workers.steps import register_sources

log = logging.getLogger(__name__)


def follow_sources_file(store: Store) -> None:
    """Store the sources file named by LOTSE_SOURCES; an invalid file changes nothing."""
    path = os.environ.get("LOTSE_SOURCES")
    if not path:
        return
    try:
        register_sources(store, load_sources(path))
    except SourcesFileError as error:
        log.error("sources file not followed: %s", "; ".join(error.problems))


@dataclass(frozen=True)
class Due:
    source_id: str
    every: int  # seconds


def due_sources(session: Session, now: datetime) -> list[Due]:
    """The enabled sources whose interval has passed, in sources-file order."""
    sources = session.scalars(
        select(Source).where(Source.enabled.is_(True)).order_by(Source.position)
    )
    due = []
    for source in sources:
        every = int(source.config.get("every_seconds") or SourceConfig.every_seconds)
        if source.last_run_at is None or source.last_run_at + timedelta(seconds=every) <= now:
            due.append(Due(source.id, every))
    return due


def claim(client: redis.Redis, due: Due) -> bool:
    """Reserve a due source for one interval; False when it was dispatched already."""
    return bool(client.set(f"lotse:dispatched:{due.source_id}", 1, nx=True, ex=due.every))
