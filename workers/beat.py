"""Beat's scheduler: one beat dispatches, however many were started.

A beat holds ``lotse:lock:beat`` in Redis while it sends tasks, renewing it with every tick (a
tick comes at least every third of the lock's expiry). A second beat, started by mistake or on
a second machine, finds the lock held, says so in its log and sends nothing; it takes over
within ``Timings.lock_ttl`` seconds once the first is gone. So each source is dispatched once.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import redis
from celery.beat import PersistentScheduler

from workers.app import timings
from workers.broker import broker_client
from workers.redis_lock import RedisLock

log = logging.getLogger(__name__)


class SingleBeatScheduler(PersistentScheduler):
    """Celery's persistent scheduler, ticking only while this beat holds the beat lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock = RedisLock(
            broker_client(),
            "beat",
            ttl=timings.lock_ttl,
            owner=f"beat {socket.gethostname()} {os.getpid()}",
        )
        self.renew_every = timings.lock_ttl / 3
        self.holding = False
        self.told: str | None = None  # the standing-by message last logged
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            holding = self._hold()
        except redis.RedisError as error:
            log.warning("beat cannot reach Redis for its lock: %s; sending nothing", error)
            return self.renew_every
        if not holding:
            return self.renew_every
        return min(super().tick(*args, **kwargs), self.renew_every)

    def _hold(self) -> bool:
        if self.holding and self.lock.renew():
            return True
        if self.holding:
            log.warning("beat lost its lock (it lapsed or was taken over): standing by")
            self.holding = False
        if self.lock.acquire():
            self.holding, self.told = True, None
            log.info("beat holds the beat lock (%s): this beat dispatches", self.lock.token)
            return True
        holder = self.lock.holder() or "another beat"
        if holder != self.told:
            log.warning(
                "another beat is running (%s): this one stands by and sends nothing", holder
            )
            self.told = holder
        return False

    def close(self) -> None:
        if self.holding:
            try:
                self.lock.release()
            except redis.RedisError as error:
                log.warning("beat could not release its lock: %s", error)
            self.holding = False
        super().close()
