"""A lock in Redis with an expiry, held by a random token and released only by its owner.

``SET key token NX PX ttl`` takes it; the holder renews it while it works, so a holder that
dies (SIGKILL, lost machine) lets it go within ``ttl`` while a slow one keeps it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from workers.broker import text

log = logging.getLogger(__name__)

_DELETE_IF = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)
_EXPIRE_IF = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2])"
    " end return 0"
)


def delete_if(client: redis.Redis, key: str, expected: str) -> bool:
    """Delete ``key`` only while it still holds ``expected`` (one atomic step)."""
    return bool(client.eval(_DELETE_IF, 1, key, expected))


class RedisLock:
    def __init__(self, client: redis.Redis, name: str, *, ttl: float, owner: str = "") -> None:
        self.client, self.key, self.ttl_ms = client, f"lotse:lock:{name}", int(ttl * 1000)
        self.token = f"{owner} {uuid.uuid4().hex}".strip()

    def acquire(self) -> bool:
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        """Push the expiry out again; False when the lock is no longer ours."""
        return bool(self.client.eval(_EXPIRE_IF, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> bool:
        return delete_if(self.client, self.key, self.token)

    def holder(self) -> str | None:
        """The token of whoever holds the lock now (it names its owner), or None."""
        value = self.client.get(self.key)
        return text(value) if value is not None else None

    @contextmanager
    def kept(self) -> Iterator[None]:
        """Hold the acquired lock for the block: renewed in the background, released after."""
        stop = threading.Event()
        renewer = threading.Thread(target=self._renew_until, args=(stop,), daemon=True)
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            renewer.join()
            self.release()

    def _renew_until(self, stop: threading.Event) -> None:
        while not stop.wait(self.ttl_ms / 3000):
            try:
                if not self.renew():
                    log.warning("lock %s was lost while held (expired or taken)", self.key)
                    return
            except redis.RedisError as error:
                log.warning("could not renew lock %s: %s", self.key, error)
