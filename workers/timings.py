"""Task latencies, recorded by every worker into Redis and read by `/metrics`.

Per task name: a histogram of run times (a Redis hash: count, sum, one counter per bucket) and
a count per outcome (SUCCESS, RETRY, FAILURE). Redis holds them so that the workers of every
machine add up to one set of numbers; they start again from zero when Redis does, which
Prometheus counters allow.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import redis

from workers.broker import broker_client, text

log = logging.getLogger(__name__)
BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0)  # seconds
TASKS = "lotse:timings"


def _key(task: str) -> str:
    return f"lotse:timings:{task}"


@dataclass
class TaskTimings:
    task: str
    count: int = 0
    seconds: float = 0.0
    buckets: dict[float, int] = field(default_factory=dict)  # upper bound → runs (cumulative)
    outcomes: dict[str, int] = field(default_factory=dict)


def record(client: redis.Redis, task: str, seconds: float, outcome: str) -> None:
    pipe = client.pipeline(transaction=False)
    pipe.sadd(TASKS, task)
    key = _key(task)
    pipe.hincrby(key, "count", 1)
    pipe.hincrbyfloat(key, "seconds", seconds)
    for bound in BUCKETS:
        if seconds <= bound:
            pipe.hincrby(key, f"le {bound}", 1)
    pipe.hincrby(key, f"outcome {outcome}", 1)
    pipe.execute()


def read(client: redis.Redis) -> list[TaskTimings]:
    found = []
    for name in sorted(text(member) for member in client.smembers(TASKS)):
        fields = {text(k): text(v) for k, v in client.hgetall(_key(name)).items()}
        timings = TaskTimings(name, int(fields.get("count", 0)), float(fields.get("seconds", 0)))
        timings.buckets = {bound: int(fields.get(f"le {bound}", 0)) for bound in BUCKETS}
        timings.outcomes = {
            k.removeprefix("outcome "): int(v)
            for k, v in fields.items()
            if k.startswith("outcome ")
        }
        found.append(timings)
    return found


_started: dict[str, float] = {}


def task_started(task_id: str, **_: Any) -> None:
    """Celery's ``task_prerun`` signal."""
    _started[task_id] = time.monotonic()


def task_finished(task_id: str, task: Any, state: str | None = None, **_: Any) -> None:
    """Celery's ``task_postrun`` signal: record how long the task ran and how it ended."""
    started = _started.pop(task_id, None)
    if started is None:
        return
    try:
        record(broker_client(), task.name, time.monotonic() - started, state or "UNKNOWN")
    except redis.RedisError as error:
        log.warning("could not record the run time of %s: %s", task.name, error)
