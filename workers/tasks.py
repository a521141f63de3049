"""Celery tasks: thin wiring around workers.steps. Each is safe to run twice, or twice at once.

- ``crawl_source`` (queue crawl) crawls one source in a child process while it holds the
  source's lock, puts the result in Redis (workers.handoff, fenced by the lock), then sends
  ``ingest_crawls``.
- ``ingest_crawls`` (queue process) ingests a pass's crawled sources in sources-file order, as
  far as their crawls are done (the order of the in-process pass, so both found the same
  listings), then asks for a debounced ``publish_feeds``.
- ``publish_feeds`` (queue process) renders the feeds into LOTSE_OUT if ingests changed them.
- ``dispatch_due`` (queue process; beat sends it every minute) crawls the sources that are due
  and follows the passes it started: it sends their lost work again.
Crawls and ingests hold a lease on their work (workers.leases) so that the pass's follower
sends it again when their worker is gone. A database or Redis away for a moment makes a task
retry, with exponential backoff and jitter.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import kombu.exceptions
import redis
from celery import Task
from celery.signals import task_postrun, task_prerun
from sqlalchemy.exc import InterfaceError, OperationalError

from aggregator.config import Settings
from aggregator.crawl_result import CrawlResult
from aggregator.states import CrawlStatus
from aggregator.store import Store
from crawlers.crawl import crawl_sources
from workers import beat_passes, handoff
from workers.app import app, timings
from workers.broker import broker_client
from workers.database import open_worker_store, worker_name
from workers.leases import Lease, Work, give_back, take_lapsed
from workers.publishing import public_dir, publish_if_dirty, request_publish, resume_publish
from workers.redis_lock import RedisLock
from workers.schedule import claim, due_sources, follow_sources_file
from workers.steps import (
    crawl_jobs,
    database_away,
    finished_crawls,
    ingest_result,
    source_regions,
)
from workers.timings import task_finished, task_started

log = logging.getLogger(__name__)

TRANSIENT = (
    OperationalError,
    InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
    kombu.exceptions.OperationalError,
)
RETRYING: dict[str, Any] = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": timings.longest_countdown,
    "retry_jitter": True,
    "max_retries": 12,
}
LOCK_WAITS = timings.crawl_time_limit // timings.lock_ttl + 3  # outlasts the longest crawl

task_prerun.connect(task_started)
task_postrun.connect(task_finished)


@cache
def store() -> Store:
    return open_worker_store(
        Settings.from_env().database_url, idle_transaction_timeout=timings.idle_transaction_timeout
    )


def send_crawls(
    source_ids: list[str],
    order: list[str],
    pass_id: str,
    now: datetime,
    crawl_settings: dict[str, Any] | None = None,
) -> None:
    """One crawl task per source; ``order`` is the pass's sources in sources-file order."""
    for source_id in source_ids:
        crawl_source.delay(source_id, pass_id, now.isoformat(), crawl_settings, order)


def resend_lost(client: redis.Redis, pass_id: str) -> list[Work]:
    """Send the pass's work again whose worker is gone (its lease lapsed); what was sent."""
    lost = take_lapsed(client, pass_id)
    for number, work in enumerate(lost):
        try:
            app.send_task(work.task, args=list(work.args))
        except (redis.RedisError, kombu.exceptions.OperationalError):
            give_back(client, pass_id, lost[number:])  # the next look sends them
            raise
    return lost


@contextmanager
def _leased(task: Task, pass_id: str, *args: Any) -> Iterator[Lease]:
    """The task's lease on its work for the block. A transient error (the task retries) leaves
    a lease that lapses if the retry has not come by the longest backoff; a connection that
    PostgreSQL ended (the worker hung in a transaction) lets the lease lapse at once."""
    work = Work(task.name, (*args,))
    lease = Lease(broker_client(), pass_id, task.request.id, work, ttl=timings.lock_ttl)
    with lease.held():
        try:
            yield lease
        except TRANSIENT:
            lease.wait(timings.longest_countdown + timings.lock_ttl)
            raise
        except Exception as error:
            if database_away(error):
                lease.abandon()  # sent again by the follower, unless it did so already
            raise


@app.task(bind=True, name="workers.tasks.crawl_source", **RETRYING)
def crawl_source(
    self: Task,
    source_id: str,
    pass_id: str,
    now: str,
    crawl_settings: dict[str, Any] | None = None,
    order: list[str] | None = None,
) -> str:
    """Crawl one source for a pass (unless done already) and hand the result to the ingest."""
    client = broker_client()
    order = order or [source_id]
    with _leased(self, pass_id, source_id, pass_id, now, crawl_settings, order) as lease:
        if _needs_crawl(client, pass_id, source_id):
            owner = f"task {self.request.id} on {worker_name()}"
            lock = RedisLock(client, f"crawl:{source_id}", ttl=timings.lock_ttl, owner=owner)
            if not _take_lock(lock, self.request.id, source_id):
                wait = round(timings.lock_ttl * random.uniform(0.5, 1.0), 1)
                log.info(
                    "not crawling %s: %s is crawling it; trying again in %s s",
                    source_id,
                    lock.holder() or "another task",
                    wait,
                )
                lease.wait(wait + timings.lock_ttl)
                raise self.retry(countdown=wait, max_retries=LOCK_WAITS)
            with lock.kept():
                if _needs_crawl(client, pass_id, source_id):  # a twin may have finished meanwhile
                    result = _crawl(source_id, crawl_settings)
                    if not handoff.put(lock, pass_id, result):
                        log.warning(
                            "crawl of %s for pass %s not handed on: its lock lapsed while it"
                            " crawled (the worker hung or lost Redis); another crawl counts",
                            source_id,
                            pass_id,
                        )
                        lease.abandon()  # the follower sends it again, if nobody took it over
                        return f"{source_id}: crawl fenced off for pass {pass_id}"
                # sent while the lease is held: a worker lost before it leaves the lease to lapse
                ingest_crawls.delay(pass_id, now, order)
        else:
            ingest_crawls.delay(pass_id, now, order)
    return f"{source_id} crawled for pass {pass_id}"


def _take_lock(lock: RedisLock, task_id: str, source_id: str) -> bool:
    """The source's crawl lock, also from an earlier delivery of this very task: Celery gives a
    task back when its pool process dies, and the dead process's lock would hold it up."""
    if lock.acquire():
        return True
    holder = lock.holder()
    if holder is not None and holder.startswith(f"task {task_id} on ") and lock.take_over(holder):
        log.warning("crawling %s again: took the lock over from the lost %s", source_id, holder)
        return True
    return False


def _crawl(source_id: str, crawl_settings: dict[str, Any] | None) -> CrawlResult:
    """The crawl's result; a crawl that breaks is the source's failure (the pass goes on)."""
    jobs = crawl_jobs(store(), [source_id])
    try:
        results = crawl_sources(jobs, time_limit=timings.crawl_time_limit, settings=crawl_settings)
    except Exception as error:
        log.exception("crawl of %s broke", source_id)
        message = f"crawl broke: {type(error).__name__}: {error}"
        return CrawlResult(source_id, status=CrawlStatus.FAILED, complete=False, error=message)
    return results[source_id]


def _needs_crawl(client: redis.Redis, pass_id: str, source_id: str) -> bool:
    if handoff.exists(client, pass_id, source_id):
        return False
    return source_id not in finished_crawls(store(), pass_id)


@app.task(bind=True, name="workers.tasks.ingest_crawls", **RETRYING)
def ingest_crawls(self: Task, pass_id: str, now: str, order: list[str]) -> str:
    """Ingest the pass's crawled sources in order, in each region up to its first source still
    crawling: matching reads a region's listings in the pass's order, and listings of two
    regions never match, so one region's slow source holds up no other region."""
    client = broker_client()
    with _leased(self, pass_id, pass_id, now, order):
        done = finished_crawls(store(), pass_id)
        regions = source_regions(store(), order)
        waiting: set[str | None] = set()  # regions whose next source is still crawling
        ingested = []
        for source_id in order:
            if regions.get(source_id) in waiting:
                continue
            if source_id not in done:
                result = handoff.get(client, pass_id, source_id)
                if result is None:
                    waiting.add(regions.get(source_id))  # still crawling: its crawl task
                    continue  # sends this task again (or, lost, the follower the crawl)
                ingest_result(store(), result, pass_id=pass_id, now=datetime.fromisoformat(now))
                ingested.append(source_id)
            handoff.drop(client, pass_id, [source_id])
        if ingested:
            request_publish(
                client, public_dir(), _schedule_publish, debounce=timings.publish_debounce
            )
    return f"pass {pass_id}: ingest of {', '.join(ingested) or 'nothing new'} done"


def _schedule_publish() -> None:
    publish_feeds.apply_async(countdown=timings.publish_debounce)


@app.task(name="workers.tasks.publish_feeds", **RETRYING)
def publish_feeds() -> str:
    """Render the feeds into LOTSE_OUT, if ingests changed the store since the last render."""
    written = publish_if_dirty(broker_client(), store(), public_dir(), now=datetime.now(UTC))
    if written is None:
        return "feeds are up to date"
    return f"published {len(written)} changed feed files into {public_dir()}"


@app.task(name="workers.tasks.dispatch_due", **RETRYING)
def dispatch_due() -> str:
    """Send crawl tasks for the sources whose ``every`` has passed (beat, every minute), and
    send the lost work of earlier passes beat started again."""
    now = datetime.now(UTC)
    client = broker_client()
    resent = follow_beat_passes(client)
    follow_sources_file(store())
    with store().transaction() as session:
        due = due_sources(session, now)
    order = [entry.source_id for entry in due if claim(client, entry)]
    if order:
        pass_id = f"beat-{uuid.uuid4().hex}"
        beat_passes.started(client, pass_id, order, now)
        send_crawls(order, order, pass_id, now)
    resume_publish(client, public_dir(), _schedule_publish, debounce=timings.publish_debounce)
    return f"dispatched {len(order)} due sources, sent {resent} lost tasks again"


def follow_beat_passes(client: redis.Redis) -> int:
    """Close beat's finished passes; send the lost work of the others again. How much."""
    resent = 0
    for pass_id, order in beat_passes.open_passes(client).items():
        done = finished_crawls(store(), pass_id)
        if all(source_id in done for source_id in order):
            beat_passes.finished(client, pass_id)
            continue
        for work in resend_lost(client, pass_id):
            log.warning("pass %s: %s was lost; sent it again", pass_id, work.describe())
            resent += 1
    return resent
