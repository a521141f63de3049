"""Faults in the middle of a distributed pass: a worker killed (SIGKILL) mid-crawl and mid-ingest,
Redis restarted, PostgreSQL restarted. Each time `lotse run` completes after the recovery, every
record is there once, and the feeds equal those of a fault-free (in-process) pass.

Two solo-pool workers run the pass, so killing one kills the process running the task; its
task comes back after the visibility timeout, set short here (LOTSE_VISIBILITY_TIMEOUT=10).
Restarts hit servers of the test's own; the machine's shared ones are never touched.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.celery_support import (
    WorkerSet,
    crawls_running,
    ingesting_worker,
    lotse_env,
    wait_for,
    worker_set,
)
from tests.conftest import PG_ADMIN
from tests.county_support import comparable, county, lotse_command, slow_once, stored
from tests.services_support import fresh_database, postgres_cluster, redis_server
from tests.support.server import FixtureServer

SOURCES = 5
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


@contextmanager
def distributed_pass(
    sources: Path, folder: Path, database_url: str, broker_url: str
) -> Iterator[Pass]:
    """Two workers, then `lotse run` handing the county to them (not waited for)."""
    env = lotse_env(database_url, broker_url, out=str(folder / "public"), visibility_timeout="10")
    with worker_set(env, folder / "logs") as workers:
        workers.start("w1")
        workers.start("w2")
        process = subprocess.Popen(
            lotse_command(sources, folder / "out"),
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            yield Pass(workers, process, folder / "out", database_url)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def assert_same_as_fault_free(run: Pass, reference: Reference) -> None:
    assert stored(run.database_url) == reference.stored
    assert comparable(run.out) == comparable(reference.out)


def test_a_worker_killed_mid_crawl(
    sources: Path, site: FixtureServer, fault_free: Reference, tmp_path: Path
) -> None:
    slow_once(site, "/vhs.ics", 8)  # the first crawl of vhs is still waiting for its calendar
    with (
        redis_server() as redis,
        fresh_database(PG_ADMIN) as database_url,
        distributed_pass(sources, tmp_path, database_url, redis.url()) as run,
    ):
        hits = len(site.hits("/vhs.ics"))
        worker_pid, crawl_pid = wait_for(
            lambda: (
                len(site.hits("/vhs.ics")) > hits and crawls_running(run.workers.pids()).get("vhs")
            ),
            "the crawl of vhs waiting for its calendar",
            run.workers,
        )
        run.workers.kill(worker_pid)
        wait_for(lambda: not Path(f"/proc/{crawl_pid}").exists(), "the crawl die", run.workers)
        run.workers.start("w3")
        run.finish()
        assert len(site.hits("/vhs.ics")) == hits + 2  # crawled again, once
        assert_same_as_fault_free(run, fault_free)


def test_a_worker_killed_mid_ingest(sources: Path, fault_free: Reference, tmp_path: Path) -> None:
    with (
        redis_server() as redis,
        fresh_database(PG_ADMIN) as database_url,
        distributed_pass(sources, tmp_path, database_url, redis.url()) as run,
    ):
        # the first ingest of a pass is the large calendar's (first in the sources file)
        pid = wait_for(
            lambda: ingesting_worker(database_url),
            "a worker holding the ingest lock",
            run.workers,
            every=0.05,
        )
        run.workers.kill(pid)
        assert stored(database_url)["records"] == []  # nothing of the ingest was applied
        run.workers.start("w3")
        run.finish()
        assert_same_as_fault_free(run, fault_free)


def test_redis_restarted_during_a_pass(
    sources: Path, site: FixtureServer, fault_free: Reference, tmp_path: Path
) -> None:
    slow_once(site, "/integrationszentrum.ics", 6)
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
        redis.restart()  # without persistence: every queued task is lost
        progress = run.finish()
        assert "Redis restarted: sent" in progress
        assert_same_as_fault_free(run, fault_free)


def test_postgresql_restarted_during_a_pass(
    sources: Path, fault_free: Reference, tmp_path: Path
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
        cluster.restart()  # a fast shutdown: the ingest's transaction is rolled back
        run.finish()
        assert_same_as_fault_free(run, fault_free)
