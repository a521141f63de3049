"""A pass handed to the Celery workers: `lotse run` with LOTSE_BROKER_URL set.

It sends one crawl task per enabled source and follows the pass in the database (a source is
done when its crawl run of this pass is finished), so it needs no result backend. Every
``Timings.follow_interval`` it sends the work again whose worker is gone: a crawl or ingest
whose lease lapsed (workers.leases), so a lost worker costs at most ``Timings.lost_after``
seconds, not the visibility timeout. If Redis restarts meanwhile (a new run id) the queued
tasks may be gone: it sends the crawls of the unfinished sources again, which is harmless where
they were not lost (tasks are idempotent). The database may go away for a while; the pass waits
for it. At the end it writes the feeds into ``out`` itself, as the in-process pass does.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import kombu.exceptions
import redis
from sqlalchemy.exc import InterfaceError, OperationalError

from aggregator.ingest import SourceSummary
from aggregator.sources import SourceConfig
from aggregator.store import Store
from workers.broker import broker_client, server_run_id
from workers.passes import PassReport, Progress
from workers.steps import finished_crawls, publish, register_sources

POLL_SECONDS = 0.5
DATABASE_AWAY = (OperationalError, InterfaceError)
T = TypeVar("T")


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
    """Crawl and ingest every enabled source on the workers, then write the feeds into ``out``."""
    from workers.app import timings
    from workers.tasks import resend_lost, send_crawls

    report = PassReport(pass_id=uuid.uuid4().hex)
    order = [config.id for config in register_sources(store, configs)]
    client = broker_client()
    run_id = server_run_id(client)
    send_crawls(order, order, report.pass_id, now, crawl_settings)
    progress(f"sent {len(order)} crawl tasks to the workers")
    deadline = time.monotonic() + timeout
    next_look = time.monotonic() + timings.follow_interval
    done: dict[str, SourceSummary] = {}
    shown = -1
    while len(done) < len(order):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the workers did not finish the pass within {timeout:.0f} s")
        time.sleep(POLL_SECONDS)
        if time.monotonic() >= next_look:
            next_look = time.monotonic() + timings.follow_interval
            for work in _lost(lambda: resend_lost(client, report.pass_id)):
                progress(f"{work.describe()} was lost with its worker: sent it again")
        try:
            done = finished_crawls(store, report.pass_id)
        except DATABASE_AWAY:
            continue  # ask again next time round
        if len(done) != shown:
            shown = len(done)
            progress(f"[{shown}/{len(order)}] sources done")
        restarted = _new_run_id(client, run_id)
        if restarted:
            run_id = restarted
            lost = [source_id for source_id in order if source_id not in done]
            send_crawls(lost, order, report.pass_id, now, crawl_settings)
            progress(f"Redis restarted: sent {len(lost)} crawl tasks again")
    report.summaries = [done[source_id] for source_id in order]
    report.written = _when_the_database_answers(lambda: publish(store, out, now=now), deadline)
    progress(f"published {len(report.written)} changed feed files into {out}")
    return report


def _lost(resend: Callable[[], list[T]]) -> list[T]:
    """What ``resend`` sent again; nothing while Redis is away (the next look tries again)."""
    try:
        return resend()
    except (redis.RedisError, kombu.exceptions.OperationalError):
        return []


def _new_run_id(client: redis.Redis, known: str) -> str | None:
    """Redis's run id if it changed (it restarted); None if not, or if it is down right now."""
    try:
        current = server_run_id(client)
    except redis.RedisError:
        return None
    return current if current != known else None


def _when_the_database_answers(call: Callable[[], T], deadline: float) -> T:
    while True:
        try:
            return call()
        except DATABASE_AWAY:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
