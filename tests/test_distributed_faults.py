"""Faults in the middle of a distributed pass, with the project's default timings: a worker's main
process killed (SIGKILL) mid-crawl, its pool process killed mid-crawl, a worker killed
mid-ingest, a worker hung (SIGSTOP) for longer than its lease, Redis restarted, PostgreSQL
restarted. Each time `lotse run` completes, every record is there once (0 lost, 0 duplicated:
the records per source, their distinct keys, listings and crawl runs equal the fault-free
pass's), and the feeds equal those of a fault-free (in-process) pass byte for byte, but for
the time of the pass (DTSTAMP, CREATED, LAST-MODIFIED, updated_at). The time from the fault to
the pass's completion is printed.

The default timings (workers/app.py, `Timings`; DEVELOPERS.md "Distributed operation"): the
visibility timeout is 6 h, so nothing here waits for Redis to deliver a lost task again. A
crawl's lock and every task's lease lapse 30 s after their last renewal (renewed every 10 s);
`lotse run` looks for lapsed leases every 10 s, so it sends lost work again within 40 s of the
loss; PostgreSQL ends a worker's session idle in its transaction after 60 s. Nothing is
shortened for the tests: only the safety bound of `Pass.finish` (300 s) fails a hung pass.

Two workers run the pass (solo pool: killing one kills the process running the task; prefork
for the pool process). Restarts hit servers of the test's own; the machine's shared ones are
never touched.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis import Redis

from tests.conftest import PG_ADMIN
from tests.support.celery import (
    WorkerSet,
    crawls_running,
    ingesting_worker,
    lotse_env,
    show_recovery,
    wait_for,
    worker_set,
)
from tests.support.county import (
    comparable,
    county,
    held_once,
    lotse_command,
    lotse_run_started,
    stored,
)
from tests.support.server import FixtureServer
from tests.support.services import fresh_database, postgres_cluster, redis_server
from workers.app import Timings
from workers.leases import Work

SOURCES = 5
DEFAULTS = Timings.from_env({})
pytestmark = pytest.mark.timeout(420)


@dataclass
class Reference:
    out: Path
    stored: dict[str, object]


@dataclass
class Pass:
    workers: WorkerSet
    process: subprocess.Popen[str]
    out: Path
    database_url: str

    def finish(self) -> str:
        """Wait for `lotse run` to end; its progress output, after checking it succeeded."""
        try:
            stdout, stderr = self.process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            self.process.kill()
            stdout, stderr = self.process.communicate()
        assert self.process.returncode == 0, stdout + stderr + self.workers.logs()
        assert f"[{SOURCES}/{SOURCES}] sources done" in stderr, stderr
        return stderr


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureServer]:
    with FixtureServer().running() as server:
        yield server


@pytest.fixture(scope="module")
def sources(site: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return county(site, tmp_path_factory.mktemp("county"), large=1000)


@pytest.fixture(scope="module")
def fault_free(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The same county, in-process on SQLite, no broker."""
    folder = tmp_path_factory.mktemp("fault-free")
    database_url = f"sqlite:///{folder / 'lotse.db'}"
    done = subprocess.run(
        lotse_command(sources, folder / "out"),
        cwd=folder,
        env=lotse_env(database_url, None),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return Reference(folder / "out", stored(database_url))


@pytest.fixture
def report(capsys: pytest.CaptureFixture[str]) -> Callable[[str, float], None]:
    return lambda fault, seconds: show_recovery(capsys, fault, seconds)


@contextmanager
def distributed_pass(
    sources: Path, folder: Path, database_url: str, broker_url: str, *, pool: str = "solo"
) -> Iterator[Pass]:
    """Two workers, then `lotse run` handing the county to them (not waited for)."""
    env = lotse_env(database_url, broker_url, out=str(folder / "public"))  # default timings
    with worker_set(env, folder / "logs") as workers:
        workers.start("w1", pool=pool)
        workers.start("w2", pool=pool)
        process = lotse_run_started(env, sources, folder / "out")
        try:
            yield Pass(workers, process, folder / "out", database_url)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_the_default_timings_are_the_ones_stated_above() -> None:
    assert DEFAULTS.visibility_timeout == 6 * 3600
    assert (DEFAULTS.lock_ttl, DEFAULTS.follow_interval, DEFAULTS.lost_after) == (30, 10, 40)
    assert DEFAULTS.idle_transaction_timeout == 60


def assert_same_as_fault_free(run: Pass, reference: Reference) -> None:
    assert stored(run.database_url) == reference.stored
    assert comparable(run.out) == comparable(reference.out)


def crawling(site: FixtureServer, run: Pass, source_id: str, hits: int) -> tuple[int, int]:
    """(the pid of the process running the crawl task, the crawl's pid) once the crawl of
    ``source_id`` waits for its slow calendar."""
    return wait_for(
        lambda: (
            len(site.hits(f"/{source_id}.ics")) > hits
            and crawls_running(run.workers.pool_pids()).get(source_id)
        ),
        f"the crawl of {source_id} waiting for its calendar",
        run.workers,
    )


def test_a_worker_killed_mid_crawl(
    sources: Path, site: FixtureServer, fault_free: Reference, tmp_path: Path, report
) -> None:
    gate = held_once(site, "/vhs.ics")  # the first crawl of vhs waits for its calendar
    with (
        redis_server() as redis,
        fresh_database(PG_ADMIN) as database_url,
        distributed_pass(sources, tmp_path, database_url, redis.url()) as run,
    ):
        hits = len(site.hits("/vhs.ics"))
        worker_pid, crawl_pid = crawling(site, run, "vhs", hits)
        killed = time.monotonic()
        run.workers.kill(worker_pid)
        gate.set()
        wait_for(lambda: not Path(f"/proc/{crawl_pid}").exists(), "the crawl die", run.workers)
        run.workers.start("w3")
        progress = run.finish()
        report("worker killed mid-crawl", time.monotonic() - killed)
        assert "the crawl of vhs was lost with its worker: sent it again" in progress
        assert len(site.hits("/vhs.ics")) == hits + 2  # crawled again, once
        assert_same_as_fault_free(run, fault_free)


def test_a_pool_process_killed_mid_crawl(
    sources: Path, site: FixtureServer, fault_free: Reference, tmp_path: Path, report
) -> None:
    gate = held_once(site, "/vhs.ics")
    with (
        redis_server() as redis,
        fresh_database(PG_ADMIN) as database_url,
        distributed_pass(sources, tmp_path, database_url, redis.url(), pool="prefork") as run,
    ):
        hits = len(site.hits("/vhs.ics"))
        pool_pid, _ = crawling(site, run, "vhs", hits)
        assert pool_pid not in run.workers.pids()  # a pool process, not the worker itself
        killed = time.monotonic()
        run.workers.kill(pool_pid)  # the worker gives the task back at once
        gate.set()
        run.finish()
        report("pool process killed mid-crawl", time.monotonic() - killed)
        taken_over = [e for e in run.workers.log_lines() if "took the lock over" in e["message"]]
        assert taken_over and "crawling vhs again" in taken_over[0]["message"]
        assert len(site.hits("/vhs.ics")) == hits + 2
        assert_same_as_fault_free(run, fault_free)


def test_a_worker_killed_mid_ingest(
    sources: Path, site: FixtureServer, fault_free: Reference, tmp_path: Path, report
) -> None:
    # the large calendar, first in the sources file, is crawled last: the others wait for it,
    # and the one ingest its crawl sends ingests them all: no other ingest is on its way
    gate = held_once(site, "/rathaus.ics")
    with (
        redis_server() as redis,
        fresh_database(PG_ADMIN) as database_url,
        distributed_pass(sources, tmp_path, database_url, redis.url()) as run,
    ):
        client = Redis.from_url(redis.url())
        wait_for(
            lambda: only_rathaus_crawling(client), "the others crawled, rathaus not", run.workers
        )
        gate.set()
        pid = wait_for(
            lambda: ingesting_worker(database_url),
            "a worker holding the ingest lock",
            run.workers,
            every=0.05,
        )
        killed = time.monotonic()
        run.workers.kill(pid)
        assert stored(database_url)["records"] == []  # nothing of the ingest was applied
        run.workers.start("w3")
        progress = run.finish()
        report("worker killed mid-ingest", time.monotonic() - killed)
        assert "the ingest was lost with its worker: sent it again" in progress
        assert_same_as_fault_free(run, fault_free)


def only_rathaus_crawling(client: Redis) -> bool:
    """Every source crawled but rathaus, whose crawl is the one task at work; queues empty."""
    registries = client.keys("lotse:leases:*")
    if len(registries) != 1 or client.llen("crawl") or client.llen("process"):
        return False
    pass_id = registries[0].decode().removeprefix("lotse:leases:")
    crawled = {key.decode().rsplit(":", 1)[1] for key in client.keys(f"lotse:crawled:{pass_id}:*")}
    working = [
        Work.from_json(entry.decode().split(" ", 1)[1]) for entry in client.hvals(registries[0])
    ]
    return crawled == {"stadt", "vhs", "integrationszentrum", "verein"} and [
        work.describe() for work in working
    ] == ["the crawl of rathaus"]


def test_a_worker_hung_for_longer_than_its_lease(
    sources: Path, site: FixtureServer, fault_free: Reference, tmp_path: Path, report
) -> None:
    gate = held_once(site, "/vhs.ics")
    with (
        redis_server() as redis,
        fresh_database(PG_ADMIN) as database_url,
        distributed_pass(sources, tmp_path, database_url, redis.url()) as run,
    ):
        hits = len(site.hits("/vhs.ics"))
        worker_pid, _ = crawling(site, run, "vhs", hits)
        hung = time.monotonic()
        stopped = run.workers.hang(worker_pid)  # the worker and its crawl, frozen
        gate.set()  # the answer waits in the frozen crawl's socket
        try:
            progress = run.finish()  # the other worker crawls vhs again
            crawled = len(site.hits("/vhs.ics"))
        finally:
            run.workers.wake(stopped)
        report("worker hung mid-crawl", time.monotonic() - hung)
        assert "the crawl of vhs was lost with its worker: sent it again" in progress
        assert crawled == hits + 2
        after_the_pass = stored(database_url)
        assert after_the_pass == fault_free.stored

        # woken, the hung worker finishes its crawl: its lock lapsed, so its result is refused
        fenced = wait_for(
            lambda: [e for e in run.workers.log_lines() if "not handed on" in e["message"]],
            "the woken worker's crawl fenced off",
            run.workers,
        )
        assert "crawl of vhs" in fenced[0]["message"]
        assert stored(database_url) == after_the_pass
        assert_same_as_fault_free(run, fault_free)


def test_redis_restarted_during_a_pass(
    sources: Path, site: FixtureServer, fault_free: Reference, tmp_path: Path, report
) -> None:
    gate = held_once(site, "/integrationszentrum.ics")
    with (
        redis_server() as redis,
        fresh_database(PG_ADMIN) as database_url,
        distributed_pass(sources, tmp_path, database_url, redis.url()) as run,
    ):
        hits = len(site.hits("/integrationszentrum.ics"))
        wait_for(
            lambda: len(site.hits("/integrationszentrum.ics")) > hits,
            "the crawl of integrationszentrum under way",
            run.workers,
        )
        restarted = time.monotonic()
        redis.restart()  # without persistence: every queued task is lost
        gate.set()  # the crawl under way ends, its lock gone with Redis
        progress = run.finish()
        report("Redis restarted", time.monotonic() - restarted)
        assert "Redis restarted: sent" in progress
        assert_same_as_fault_free(run, fault_free)


def test_postgresql_restarted_during_a_pass(
    sources: Path, fault_free: Reference, tmp_path: Path, report
) -> None:
    with (
        redis_server() as redis,
        postgres_cluster() as cluster,
        fresh_database(cluster.url(driver="postgresql")) as database_url,
        distributed_pass(sources, tmp_path, database_url, redis.url()) as run,
    ):
        wait_for(
            lambda: ingesting_worker(database_url), "an ingest under way", run.workers, every=0.05
        )
        restarted = time.monotonic()
        cluster.restart()  # a fast shutdown: the ingest's transaction is rolled back
        run.finish()
        report("PostgreSQL restarted", time.monotonic() - restarted)
        assert_same_as_fault_free(run, fault_free)
