"""Private Redis and PostgreSQL servers on free ports, for tests that stop and restart them.

The machine's shared servers (127.0.0.1:6379 and :5432) are used by other test runs at the same
time: a test that restarts a service restarts one of these instead. The binaries must be
installed (`make services` does it); a missing one fails the test loudly.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _binary(pattern: str) -> str:
    found = sorted(glob.glob(pattern)) or ([shutil.which(pattern)] if shutil.which(pattern) else [])
    if not found:
        raise AssertionError(f"{pattern} is not installed: run `make services` (apt-get install)")
    return found[-1]


def _wait_for(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up within {START_TIMEOUT:.0f} s")


class _Service:
    """A server the test starts, stops, and restarts on the same port."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def restart(self) -> None:
        self.stop()
        self.start()


class RedisServer(_Service):
    """`redis-server` without persistence: a restart loses everything, as a crash would."""

    def __init__(self) -> None:
        self.binary = _binary("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _wait_for(self._answers, f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=START_TIMEOUT)
            self.process = None

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.ConnectionError:
            return False


class PostgresCluster(_Service):
    """A throwaway PostgreSQL cluster run as the `postgres` OS user (it refuses root)."""

    def __init__(self) -> None:
        self.bin = Path(_binary("/usr/lib/postgresql/*/bin/initdb")).parent
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="lotse-pg-"))
        self.data = self.home / "data"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        shutil.chown(self.home, "postgres")
        self._as_postgres(
            [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        )

    def start(self) -> None:
        command = [
            str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
            "-k", str(self.home), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
        ]  # fmt: skip
        log = (self.home / "server.log").open("ab")
        self.process = subprocess.Popen(
            ["runuser", "-u", "postgres", "--", *command], stdout=log, stderr=log
        )
        _wait_for(self._answers, f"PostgreSQL on port {self.port}")

    def stop(self) -> None:
        """A fast shutdown: open transactions are rolled back, clients are disconnected."""
        if self.process is None:
            return
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
        self.process.wait(timeout=START_TIMEOUT)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def _as_postgres(self, command: list[str]) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def _answers(self) -> bool:
        try:
            with psycopg.connect(self.url(driver="postgresql"), connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new database on the PostgreSQL server of ``admin_url`` (a libpq URL), dropped after."""
    name = f"lotse_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
