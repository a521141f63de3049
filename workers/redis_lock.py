"""A lock in Redis with an expiry, held by a random token and released only by its owner.

``SET key token NX PX ttl`` takes it; the holder renews it while it works, so a holder that
dies (SIGKILL, lost machine) or hangs (SIGSTOP) lets it go within ``ttl`` while a slow one keeps
it. The token is the fence: a holder whose lock lapsed can no longer write what only the
holder may write (``set_if_held``), so a worker waking from a hang cannot overwrite the work of
the one that took over.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
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
_REPLACE_IF = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then"
    " return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return false"
)
_SET_IF_HELD = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then"
    " return redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3]) end return false"
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

    def take_over(self, holder: str) -> bool:
        """Take the lock from ``holder`` (a token), if it still holds it: for a holder known to
        be gone. Fenced: whatever it still tries to write as the holder is refused."""
        return bool(self.client.eval(_REPLACE_IF, 1, self.key, holder, self.token, self.ttl_ms))

    def renew(self) -> bool:
        """Push the expiry out again; False when the lock is no longer ours."""
        return bool(self.client.eval(_EXPIRE_IF, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> bool:
        return delete_if(self.client, self.key, self.token)

    def holder(self) -> str | None:
        """The token of whoever holds the lock now (it names its owner), or None."""
        value = self.client.get(self.key)
        return text(value) if value is not None else None

    def set_if_held(self, key: str, value: str, *, ex: int) -> bool:
        """``SET key value EX ex`` while this lock is ours, in one atomic step; False if not."""
        return bool(self.client.eval(_SET_IF_HELD, 2, self.key, key, self.token, value, ex))

    @contextmanager
    def kept(self) -> Iterator[None]:
        """Hold the acquired lock for the block: renewed in the background, released after."""
        with renewed(self.renew, self.ttl_ms / 3000, f"lock {self.key}"):
            try:
                yield
            finally:
                self.release()


@contextmanager
def renewed(renew: Callable[[], bool], every: float, what: str) -> Iterator[None]:
    """Call ``renew`` every ``every`` seconds in a background thread while the block runs; it
    stops when ``renew`` says the hold is no longer ours."""
    stop = threading.Event()

    def renew_until_stopped() -> None:
        while not stop.wait(every):
            try:
                if not renew():
                    log.warning("%s was lost while held (it lapsed or was taken over)", what)
                    return
            except redis.RedisError as error:
                log.warning("could not renew %s: %s", what, error)

    renewer = threading.Thread(target=renew_until_stopped, name=f"renew {what}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
