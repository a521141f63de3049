"""Distributed workers: sources crawled and records ingested per minute, with one and two workers.

A county of loopback calendars (a FixtureServer of its own) runs as one `lotse run` pass handed
to real Celery workers (prefork, one process each) on a private redis-server and a fresh
database on the machine's PostgreSQL (LOTSE_TEST_PG). Polite delays are off: every source is on
127.0.0.1. Crawls run side by side; ingests run one at a time (they match against each other's
listings), so a second worker speeds up crawling, not ingesting.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

SOURCES = 12
EVENTS = 150  # per source
LOOPBACK_CRAWL = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 1}
PASS_TIMEOUT = 300.0  # seconds, per run


def run() -> None:
    from tests.conftest import PG_ADMIN, source
    from tests.county_support import ICS, large_calendar
    from tests.services_support import fresh_database, redis_server
    from tests.support.server import FixtureServer, Reply

    first_day = datetime.now(UTC).date() + timedelta(days=2)
    with FixtureServer().running() as site, redis_server() as redis:
        os.environ["LOTSE_BROKER_URL"] = redis.url()  # before workers.app is imported
        configs = [
            source(
                f"quelle-{number}",
                "ical",
                site.route(
                    f"/quelle-{number}.ics",
                    Reply(
                        large_calendar(EVENTS, first_day, place=f"quelle-{number}", minute=number),
                        headers={"Content-Type": ICS},
                    ),
                ),
                trusted=True,
            )
            for number in range(SOURCES)
        ]
        print(f"   {SOURCES} sources of {EVENTS} events each, one pass per row")
        for workers in (1, 2):
            with fresh_database(PG_ADMIN) as database_url:
                seconds, records = _one_pass(configs, database_url, redis.url(), workers)
            minutes = seconds / 60
            print(
                f"   {workers} worker{'s' if workers > 1 else ' '}: "
                f"{SOURCES / minutes:6.1f} sources/min  {records / minutes:8.0f} records/min"
                f"  ({seconds:.1f} s)",
                flush=True,
            )


def _one_pass(configs: list, database_url: str, broker_url: str, workers: int) -> tuple[float, int]:
    """Seconds from handing the pass to the workers until its last ingest; records ingested."""
    from aggregator.store import Store
    from tests.celery_support import lotse_env, worker_set
    from workers.broker import broker_client
    from workers.distributed import run_pass_on_workers

    broker_client().flushdb()
    with tempfile.TemporaryDirectory(prefix="lotse-bench-") as folder:
        env = lotse_env(database_url, broker_url, out=str(Path(folder, "public")))
        with worker_set(env, Path(folder, "logs")) as running:
            for number in range(workers):
                running.start(f"bench{number}", pool="prefork")
            store = Store(database_url)
            started = time.perf_counter()
            report = run_pass_on_workers(
                store,
                configs,
                Path(folder, "out"),
                now=datetime.now(UTC),
                crawl_settings=LOOPBACK_CRAWL,
                timeout=PASS_TIMEOUT,
            )
            seconds = time.perf_counter() - started
            store.dispose()
    failed = [summary.source_id for summary in report.summaries if summary.status != "ok"]
    if failed:
        raise RuntimeError(f"the benchmark's sources failed: {', '.join(failed)}")
    return seconds, sum(summary.new for summary in report.summaries)
