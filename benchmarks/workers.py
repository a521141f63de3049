"""Distributed workers: sources and records per minute with 1, 2 and 4 workers; a kill's cost.

A county of loopback calendars (a FixtureServer of its own) runs as one `lotse run` pass handed
to real Celery workers (prefork, one process each) on a private redis-server and a fresh
database on the machine's PostgreSQL (LOTSE_TEST_PG). Polite delays are off: every source is on
127.0.0.1. Crawls run side by side; ingests run one at a time (they match against each other's
listings), so more workers speed up crawling, not ingesting; on one machine they also share
its cores. Then, with the default timings, two workers run the pass and the one crawling a
slow source is killed (SIGKILL) — its main process, then (another pass) its pool process: the
time from the kill until the pass is complete.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SOURCES = 12
EVENTS = 150  # per source
WORKERS = (1, 2, 4)
LOOPBACK_CRAWL = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 1}
PASS_TIMEOUT = 300.0  # seconds, per run
SLOW = 5.0  # seconds the killed crawl's calendar takes to answer


def run() -> None:
    from tests.conftest import PG_ADMIN, source
    from tests.support.county import ICS, large_calendar
    from tests.support.server import FixtureServer, Reply
    from tests.support.services import fresh_database, redis_server

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
        for workers in WORKERS:
            with fresh_database(PG_ADMIN) as database_url:
                seconds, records = _one_pass(configs, database_url, redis.url(), workers)
            minutes = seconds / 60
            print(
                f"   {workers} worker{'s' if workers > 1 else ' '}: "
                f"{SOURCES / minutes:6.1f} sources/min  {records / minutes:8.0f} records/min"
                f"  ({seconds:.1f} s)",
                flush=True,
            )
        from workers.app import timings

        print(
            f"   a worker killed mid-crawl, 2 workers, default timings (lease {timings.lock_ttl} s,"
            f" a look every {timings.follow_interval:.0f} s):"
        )
        slow = configs[SOURCES // 2].id
        for what in ("main process", "pool process"):
            reply = site.routes[f"/{slow}.ics"][-1]
            site.route(f"/{slow}.ics", dataclasses.replace(reply, delay=SLOW), reply)
            with fresh_database(PG_ADMIN) as database_url:
                seconds = _kill_mid_crawl(configs, database_url, redis.url(), slow, what)
            print(f"   its {what} killed: the pass complete {seconds:5.1f} s later", flush=True)


def _one_pass(configs: list, database_url: str, broker_url: str, workers: int) -> tuple[float, int]:
    """Seconds from handing the pass to the workers until its last ingest; records ingested."""
    done = _pass_on(configs, database_url, broker_url, workers)
    failed = [summary.source_id for summary in done.summaries if summary.status != "ok"]
    if failed:
        raise RuntimeError(f"the benchmark's sources failed: {', '.join(failed)}")
    return done.seconds, sum(summary.new for summary in done.summaries)


def _kill_mid_crawl(
    configs: list, database_url: str, broker_url: str, slow: str, what: str
) -> float:
    """Seconds from killing the worker (or pool process) crawling ``slow`` to the pass's end."""
    from tests.support.celery import crawls_running

    killed: list[float] = []

    def kill(running: Any) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = crawls_running(running.pool_pids()).get(slow)
            if found:
                pid = found[0] if what == "pool process" else _main_of(running, found[0])
                running.kill(pid)
                killed.append(time.monotonic())
                return
            time.sleep(0.05)

    done = _pass_on(configs, database_url, broker_url, 2, kill)
    if not killed:
        raise RuntimeError(f"the crawl of {slow} was never seen running")
    return done.ended - killed[0]


def _main_of(running: Any, pid: int) -> int:
    """The worker's main process of a pool process."""
    status = Path(f"/proc/{pid}/status").read_text()
    parent = next(int(line.split()[1]) for line in status.splitlines() if line[:5] == "PPid:")
    return pid if pid in running.pids() else parent


@dataclass
class Done:
    seconds: float  # from handing the pass to the workers to its end
    ended: float  # time.monotonic() at its end
    summaries: list


def _pass_on(
    configs: list,
    database_url: str,
    broker_url: str,
    workers: int,
    meanwhile: Callable[[Any], None] | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> Done:
    """One pass on ``workers`` fresh workers; ``meanwhile`` runs beside it (given the workers);
    ``progress`` hears the pass's messages."""
    from aggregator.store import Store
    from tests.support.celery import lotse_env, worker_set
    from workers.broker import broker_client
    from workers.distributed import run_pass_on_workers

    broker_client().flushdb()
    with tempfile.TemporaryDirectory(prefix="lotse-bench-") as folder:
        env = lotse_env(database_url, broker_url, out=str(Path(folder, "public")))
        with worker_set(env, Path(folder, "logs")) as running:
            for number in range(workers):
                running.start(f"bench{number}", pool="prefork")
            store = Store(database_url)
            if meanwhile is not None:
                threading.Thread(target=meanwhile, args=(running,), daemon=True).start()
            started = time.perf_counter()
            report = run_pass_on_workers(
                store,
                configs,
                Path(folder, "out"),
                now=datetime.now(UTC),
                crawl_settings=LOOPBACK_CRAWL,
                timeout=PASS_TIMEOUT,
                progress=progress,
            )
            done = Done(time.perf_counter() - started, time.monotonic(), report.summaries)
            store.dispose()
    return done
