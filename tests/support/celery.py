"""Real Celery worker and beat processes for tests, on a Redis of the test's own.

Workers run in the project root with the test's environment; each logs (JSON) into a file of
its own, which `WorkerSet.logs` returns for the assertion messages.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from celery import Celery
from sqlalchemy.engine import make_url

from tests.conftest import ROOT
from workers.database import INGEST_LOCK

HOST = "lotse-test"
READY_TIMEOUT = 60.0
T = TypeVar("T")


def lotse_env(database_url: str, broker_url: str | None, **settings: str) -> dict[str, str]:
    """This environment with Lotse's settings replaced: ``LOTSE_<NAME>`` for each keyword."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
    env["LOTSE_DATABASE_URL"] = database_url
    if broker_url:
        env["LOTSE_BROKER_URL"] = broker_url
    env.update({f"LOTSE_{name.upper()}": value for name, value in settings.items()})
    return env


class WorkerSet:
    """Worker processes started and killed one by one; all stopped on leaving the block."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.log_dir = env, logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, *, pool: str = "solo", concurrency: int = 1) -> int:
        """`celery -A celery_app worker`, returned once it answers a ping; its pid."""
        command = [
            sys.executable, "-m", "celery", "-A", "celery_app", "worker", "--loglevel=info",
            f"--pool={pool}", f"--concurrency={concurrency}", f"--hostname={name}@{HOST}",
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        self.processes[name] = process
        _wait_until_answering(self.env["LOTSE_BROKER_URL"], f"{name}@{HOST}", process)
        return process.pid

    def kill(self, pid: int) -> str:
        """SIGKILL the worker with this pid (or whose pool child it is); returns its name."""
        for name, process in self.processes.items():
            if pid == process.pid or _parent_of(pid) == process.pid:
                os.kill(pid, signal.SIGKILL)
                if pid == process.pid:
                    process.wait(timeout=30)
                return name
        raise AssertionError(f"process {pid} is none of this test's workers")

    def hang(self, pid: int) -> list[int]:
        """SIGSTOP the worker with this pid and every process under it (its pool, its crawl),
        as a frozen machine would; returns them, for ``wake``."""
        stopped = [pid, *_descendants(pid)]
        for each in stopped:
            os.kill(each, signal.SIGSTOP)
        return stopped

    def wake(self, stopped: list[int]) -> None:
        for each in stopped:
            os.kill(each, signal.SIGCONT)

    def pids(self) -> set[int]:
        return {process.pid for process in self.processes.values() if process.poll() is None}

    def pool_pids(self) -> set[int]:
        """The worker processes and their pool processes (prefork), which run the tasks."""
        mains = self.pids()
        return mains | {pid for pid in _all_pids() if _parent_of(pid) in mains}

    def log_lines(self) -> list[dict]:
        """Every JSON line the workers logged so far."""
        lines = []
        for path in sorted(self.log_dir.glob("*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if line[:1] == "{":
                    try:
                        lines.append(json.loads(line))
                    except ValueError:
                        continue  # the line being written right now
        return lines

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.log_dir.glob("*.log"))
        )

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def worker_set(env: dict[str, str], logs: Path) -> Iterator[WorkerSet]:
    workers = WorkerSet(env, logs)
    try:
        yield workers
    finally:
        workers.close()


@contextmanager
def worker(
    env: dict[str, str], logs: Path, *, name: str = "w1", concurrency: int = 2
) -> Iterator[WorkerSet]:
    """One prefork worker, as production runs them."""
    with worker_set(env, logs) as workers:
        workers.start(name, pool="prefork", concurrency=concurrency)
        yield workers


@contextmanager
def beat(env: dict[str, str], home: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`celery -A celery_app beat`, its schedule file in ``home``."""
    command = [
        sys.executable, "-m", "celery", "-A", "celery_app", "beat", "--loglevel=info",
        f"--schedule={home / 'beat-schedule'}", f"--pidfile={home / 'beat.pid'}",
    ]  # fmt: skip
    log = (home / "beat.log").open("ab")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def show_recovery(capsys: pytest.CaptureFixture[str], fault: str, seconds: float) -> None:
    """Print how long a pass took to complete after a fault (shown even when output is captured:
    the times are what to read, not to assert)."""
    with capsys.disabled():
        print(f"\n    {fault}: the pass completed {seconds:.1f} s after it", flush=True)


def wait_for(
    check: Callable[[], T | None], what: str, workers: WorkerSet, *, every: float = 0.2
) -> T:
    """What ``check`` returns once it is true; fails after two and a half minutes."""
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"never saw {what}\n{workers.logs()}")


def _wait_until_answering(broker: str, hostname: str, process: subprocess.Popen[bytes]) -> None:
    app = Celery(broker=broker)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"worker {hostname} exited with {process.returncode}")
            if app.control.ping(destination=[hostname], timeout=1):
                return
        raise AssertionError(f"worker {hostname} did not answer within {READY_TIMEOUT:.0f} s")
    finally:
        app.close()


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _descendants(pid: int) -> list[int]:
    found, parents = [], {pid}
    while True:
        children = [
            each for each in _all_pids() if _parent_of(each) in parents and each not in found
        ]
        if not children:
            return found
        found += children
        parents = set(children)


def _parent_of(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))


def crawls_running(parents: set[int]) -> dict[str, tuple[int, int]]:
    """The crawl processes (``python -m crawlers.crawl JOB``) of the given worker processes:
    by the source they crawl, (the worker's pid, the crawl's pid)."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            if b"crawlers.crawl" not in arguments or _parent_of(int(entry.name)) not in parents:
                continue
            job = json.loads(
                Path(arguments[arguments.index(b"crawlers.crawl") + 1].decode()).read_text()
            )
        except (FileNotFoundError, NotADirectoryError, ProcessLookupError, ValueError, IndexError):
            continue  # not a process, or one that ended while we looked
        for source in job["jobs"]:
            found[source["source"]["id"]] = (_parent_of(int(entry.name)), int(entry.name))
    return found


def ingesting_worker(database_url: str) -> int | None:
    """The pid of the worker process whose transaction holds the ingest lock right now."""
    url = make_url(database_url)
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(False)) as connection:
        row = connection.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (INGEST_LOCK,),
        ).fetchone()
    return int(row[0].split()[-1]) if row and row[0].startswith("lotse-worker") else None
