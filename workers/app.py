"""The Celery app, its queues and timings (`celery -A celery_app …` finds it via celery_app.py).

Tasks are idempotent (a redelivered one changes nothing), acknowledged late, and given back to
the queue when their worker is lost. Redis delivers an unacknowledged task again after the
visibility timeout, so that is longer than any countdown we use and than the longest crawl —
too long to wait for a lost worker's task: whoever follows a pass sends lost work again when
its lease lapses (workers/leases.py), within ``Timings.lost_after`` seconds.
Two queues: ``crawl`` (network-bound crawls) and ``process`` (ingest, publish, dispatch); a
plain worker consumes both, ``-Q crawl`` or ``-Q process`` makes a specialised one. Beat sends
one task a minute, ``dispatch_due``, which crawls the sources whose ``every`` has come round;
of two beats started by mistake only the one holding the beat lock sends it (workers/beat.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.signals import setup_logging
from kombu import Exchange, Queue

from aggregator.config import Settings
from workers.logs import configure_worker_logging

HOUR = 3600
QUEUES = ("crawl", "process")


@dataclass(frozen=True)
class Timings:
    """Every delay the tasks use, derived so that none reaches the visibility timeout."""

    visibility_timeout: int = 6 * HOUR
    crawl_time_limit: int = 30 * 60  # the crawl's child process is stopped after this
    dispatch_interval: float = 60.0  # how often beat looks for due sources
    lease: int = 30  # seconds a crawl lock, a lease or beat's lock outlives its last renewal

    @property
    def longest_countdown(self) -> int:
        """The cap of every countdown and retry delay: half the visibility timeout, ≤ 5 min."""
        return max(1, min(300, self.visibility_timeout // 2))

    @property
    def publish_debounce(self) -> int:
        """Seconds a publish waits for more ingests, so that a burst renders the feeds once."""
        return min(10, self.longest_countdown)

    @property
    def lock_ttl(self) -> int:
        """Seconds a lock or lease outlives its holder's last renewal (every third of it)."""
        return max(3, min(self.lease, self.longest_countdown))

    @property
    def follow_interval(self) -> float:
        """How often `lotse run` looks for lost work of its pass: a third of the lease."""
        return self.lock_ttl / 3

    @property
    def lost_after(self) -> float:
        """Seconds from a worker's last renewal until `lotse run` has sent its work again."""
        return self.lock_ttl + self.follow_interval

    @property
    def beat_lost_after(self) -> float:
        """The same for a pass beat started: its dispatch looks once per dispatch interval."""
        return self.lock_ttl + self.dispatch_interval

    @property
    def idle_transaction_timeout(self) -> int:
        """Seconds PostgreSQL lets a worker's transaction holding the ingest lock sit between
        statements: a worker that hangs in an ingest lets the lock go (the ingest is sent
        again)."""
        return 2 * self.lock_ttl

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Timings:
        """LOTSE_VISIBILITY_TIMEOUT, LOTSE_CRAWL_TIME_LIMIT, LOTSE_DISPATCH_INTERVAL,
        LOTSE_LEASE (seconds)."""
        env = os.environ if env is None else env
        return cls(
            visibility_timeout=int(env.get("LOTSE_VISIBILITY_TIMEOUT") or cls.visibility_timeout),
            crawl_time_limit=int(env.get("LOTSE_CRAWL_TIME_LIMIT") or cls.crawl_time_limit),
            dispatch_interval=float(env.get("LOTSE_DISPATCH_INTERVAL") or cls.dispatch_interval),
            lease=int(env.get("LOTSE_LEASE") or cls.lease),
        )


def celery_config(broker_url: str | None, timings: Timings) -> dict[str, Any]:
    """The app's configuration for a broker URL (None: in-memory, tasks never leave)."""
    return {
        "broker_url": broker_url or "memory://",
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,  # progress and outcomes live in the database
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_transport_options": {
            "visibility_timeout": timings.visibility_timeout,
            # look for tasks of lost workers ten times per visibility timeout (at most every 10 s)
            "unacked_restore_interval": max(1, min(10, timings.visibility_timeout // 10)),
            "unacked_restore_throttle": 1,
        },
        "broker_connection_retry_on_startup": True,
        # a running task outlives a lost broker connection: its result is safe to hand on
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_routes": {
            "workers.tasks.crawl_source": {"queue": "crawl"},
            "workers.tasks.ingest_crawls": {"queue": "process"},
            "workers.tasks.publish_feeds": {"queue": "process"},
            "workers.tasks.dispatch_due": {"queue": "process"},
        },
        "task_queues": tuple(Queue(name, Exchange(name), routing_key=name) for name in QUEUES),
        "task_default_queue": "process",
        "beat_scheduler": "workers.beat:SingleBeatScheduler",  # one beat dispatches (a lock)
        "beat_schedule": {
            "dispatch-due-sources": {
                "task": "workers.tasks.dispatch_due",
                "schedule": timings.dispatch_interval,
                "options": {"expires": timings.dispatch_interval},  # a late one is superseded
            }
        },
    }


timings = Timings.from_env()
app = Celery("lotse", include=["workers.tasks"])
app.conf.update(celery_config(Settings.from_env().broker_url, timings))
setup_logging.connect(configure_worker_logging)
