"""The Redis behind the broker, which the tasks also use for locks, hand-offs and timings."""

from __future__ import annotations

from functools import cache

import redis

from aggregator.config import Settings


@cache
def broker_client() -> redis.Redis:
    """A client of LOTSE_BROKER_URL's Redis (one per process; redis-py reconnects by itself)."""
    return client_for(Settings.from_env().broker_url)


def is_redis(url: str | None) -> bool:
    return url is not None and url.startswith(("redis://", "rediss://", "unix://"))


def client_for(url: str | None) -> redis.Redis:
    if url is None or not is_redis(url):
        raise RuntimeError(f"the Lotse workers need a Redis broker; LOTSE_BROKER_URL is {url!r}")
    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5)


def text(value: bytes | str) -> str:
    """A value as Redis gives it (bytes: the clients here do not decode), as text."""
    return value.decode() if isinstance(value, bytes) else value


def server_run_id(client: redis.Redis) -> str:
    """Redis's id of its current run: a new one means it restarted (and may have lost tasks)."""
    return str(client.info("server")["run_id"])
