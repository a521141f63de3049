"""`/metrics`: the county's health and the workers' task latencies, for Prometheus.

From the store: sources by health (and each source's health, items, last run), records, and
listings by review state. From the broker's Redis, when LOTSE_BROKER_URL is set: how long each
task ran (a histogram per task, recorded by the workers: workers/timings.py), how the runs
ended, and how often the workers rendered the feeds. ``lotse_broker_up`` says whether Redis
answered; without it (or without a Redis broker) the store's metrics are still served.
"""

from __future__ import annotations

import redis
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aggregator.config import Settings
from feeds.app_context import AppContext
from feeds.prometheus import CONTENT_TYPE, Metric, render
from feeds.store_metrics import store_metrics
from workers import timings
from workers.broker import client_for, is_redis
from workers.publishing import renders


def routes(app: AppContext) -> list[Route]:
    broker_url = Settings.from_env().broker_url
    client = client_for(broker_url) if is_redis(broker_url) else None

    def metrics(request: Request) -> Response:
        with app.store.transaction() as session:
            found = store_metrics(session)
        if client is not None:
            found += _worker_metrics(client)
        return Response(render(found), media_type=CONTENT_TYPE)

    return [Route("/metrics", metrics)]


def _worker_metrics(client: redis.Redis) -> list[Metric]:
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
