"""Real Celery worker processes on the real Redis broker, for tests."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
REDIS = "redis://127.0.0.1:6379"


def fresh_broker() -> str:
    """A Redis database of its own for this test (flushed), so runs do not see each other."""
    number = random.randint(1, 15)
    client = redis.Redis.from_url(f"{REDIS}/{number}")
    client.ping()  # fails loudly when Redis is not running
    client.flushdb()
    return f"{REDIS}/{number}"


def lotse_env(database_url: str, broker_url: str | None) -> dict[str, str]:
    env = {**os.environ, "LOTSE_DATABASE_URL": database_url}
    env.pop("LOTSE_BROKER_URL", None)
    if broker_url:
        env["LOTSE_BROKER_URL"] = broker_url
    return env


@contextmanager
def worker(
    env: dict[str, str], *, name: str = "w1", concurrency: int = 2
) -> Iterator[subprocess.Popen]:
    """`celery -A celery_app worker` in the project root, ready when it answers a ping."""
    command = [
        sys.executable, "-m", "celery", "-A", "celery_app", "worker",
        "--loglevel=warning", f"--concurrency={concurrency}", f"--hostname={name}@%h",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        _wait_until_ready(env)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_ready(env: dict[str, str]) -> None:
    code = (
        "from celery_app import app; import sys; sys.exit(0 if app.control.ping(timeout=1) else 1)"
    )
    for _ in range(40):
        if subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env).returncode == 0:
            return
        time.sleep(0.5)
    raise AssertionError("the Celery worker did not come up")
