"""Debounced publishing: a burst of ingests renders the static feeds once.

An ingest marks the feeds dirty (a counter in Redis) and, unless a publish is scheduled
already, schedules one after a short countdown. The publish renders only while the mark is
there and clears it only if no ingest came in meanwhile (that ingest scheduled the next
publish). A worker lost mid-render leaves the mark: the redelivered publish renders, or the
one beat's dispatch schedules when it finds the mark with no publish on its way.
The workers publish into LOTSE_OUT (default ``public`` in their working directory).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import redis

from aggregator.store import Store
from workers.broker import text
from workers.redis_lock import delete_if
from workers.steps import publish

RENDERS = "lotse:publish:renders"


def public_dir() -> Path:
    return Path(os.environ.get("LOTSE_OUT") or "public").resolve()


def _dirty(out: Path) -> str:
    return f"lotse:publish:dirty:{out}"


def _scheduled(out: Path) -> str:
    return f"lotse:publish:scheduled:{out}"


def request_publish(
    client: redis.Redis, out: Path, schedule: Callable[[], object], *, debounce: int
) -> None:
    """Mark the feeds in ``out`` dirty; ``schedule`` a publish unless one is on its way."""
    client.incr(_dirty(out))
    if client.set(_scheduled(out), 1, nx=True, ex=3 * debounce):
        schedule()


def resume_publish(
    client: redis.Redis, out: Path, schedule: Callable[[], object], *, debounce: int
) -> bool:
    """``schedule`` a publish if changes wait for one and none is on its way (a publish lost
    with its worker: beat's dispatch looks every minute). Whether it did."""
    if client.exists(_dirty(out)) and client.set(_scheduled(out), 1, nx=True, ex=3 * debounce):
        schedule()
        return True
    return False


def publish_if_dirty(
    client: redis.Redis, store: Store, out: Path, *, now: datetime
) -> list[str] | None:
    """Render and write the feeds if they are dirty: the paths written, or None if clean."""
    mark = client.get(_dirty(out))
    if mark is None:
        return None
    client.delete(_scheduled(out))
    written = publish(store, out, now=now)
    client.incr(RENDERS)
    delete_if(client, _dirty(out), text(mark))
    return written


def pending(client: redis.Redis, out: Path) -> bool:
    """Whether ingested changes wait to be published into ``out``."""
    return bool(client.exists(_dirty(out)))


def renders(client: redis.Redis) -> int:
    """How many times the workers rendered the feeds (since Redis started)."""
    return int(client.get(RENDERS) or 0)
