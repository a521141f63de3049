"""The passes beat's dispatch started and follows until every source of theirs is ingested.

A hash in Redis (``lotse:beat:passes``): pass id → the pass's sources in order and when it
started. Each dispatch sends the lost work of the open passes again (workers.leases) and closes
the finished ones; a pass older than a week is dropped (its lost work is long given up).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import redis

from workers.broker import text

PASSES = "lotse:beat:passes"
GIVE_UP = timedelta(days=7)


def started(client: redis.Redis, pass_id: str, order: list[str], now: datetime) -> None:
    client.hset(PASSES, pass_id, json.dumps({"order": order, "started": now.isoformat()}))


def open_passes(client: redis.Redis, now: datetime | None = None) -> dict[str, list[str]]:
    """The open passes' sources in order, by pass id (passes given up are dropped)."""
    now = now or datetime.now(UTC)
    found = {}
    for pass_id, value in client.hgetall(PASSES).items():
        entry = json.loads(text(value))
        if datetime.fromisoformat(entry["started"]) + GIVE_UP < now:
            client.hdel(PASSES, pass_id)
        else:
            found[text(pass_id)] = list(entry["order"])
    return found


def finished(client: redis.Redis, pass_id: str) -> None:
    client.hdel(PASSES, pass_id)
