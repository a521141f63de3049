"""The workers' metrics for `/metrics`: task latencies and outcomes, feed renders.

Read from the broker's Redis, where every worker records them after each task
(workers/timings.py). ``lotse_broker_up`` says whether Redis answered the scrape; the web app
serves the store's metrics either way.
"""

from __future__ import annotations

import redis

from web.context import Metrics
from web.prometheus import Metric
from workers import timings
from workers.broker import client_for, is_redis
from workers.publishing import renders


def worker_metrics(broker_url: str | None) -> Metrics | None:
    """A reader of the workers' metrics, where the broker is a Redis; else None."""
    if not is_redis(broker_url):
        return None
    client = client_for(broker_url)
    return lambda: read_worker_metrics(client)


def read_worker_metrics(client: redis.Redis) -> list[Metric]:
    up = Metric("lotse_broker_up", "gauge", "1 when the broker's Redis answered this scrape.")
    try:
        found = timings.read(client)
        rendered = renders(client)
    except redis.RedisError:
        return [up.add(0)]
    durations = Metric("lotse_task_duration_seconds", "histogram", "How long tasks ran.")
    outcomes = Metric("lotse_task_runs_total", "counter", "Task runs by how they ended.")
    for task in found:
        for bound, count in task.buckets.items():
            durations.add(count, "_bucket", task=task.task, le=f"{bound:g}")
        durations.add(task.count, "_bucket", task=task.task, le="+Inf")
        durations.add(task.seconds, "_sum", task=task.task)
        durations.add(task.count, "_count", task=task.task)
        for outcome, count in sorted(task.outcomes.items()):
            outcomes.add(count, task=task.task, outcome=outcome)
    publish = Metric("lotse_feed_renders_total", "counter", "Times the workers rendered the feeds.")
    return [up.add(1), durations, outcomes, publish.add(rendered)]
