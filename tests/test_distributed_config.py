"""The Celery configuration: late acks, redelivery, queues, beat, and delays that fit together;
lost work sent again within a lease, long before the visibility timeout."""

from __future__ import annotations

import re

import pytest
import redis
from sqlalchemy.exc import OperationalError

from tests.support.celery import ROOT
from workers import tasks
from workers.app import Timings, app, celery_config

PRODUCTION = Timings.from_env({})
TEST_LIKE = Timings.from_env({"LOTSE_VISIBILITY_TIMEOUT": "10", "LOTSE_CRAWL_TIME_LIMIT": "60"})


def countdowns(timings: Timings) -> dict[str, float]:
    """Every countdown or ETA the tasks use, by what it is for."""
    return {
        "publish debounce": timings.publish_debounce,
        "crawl lock wait": timings.lock_ttl,  # a crawl waiting for a source's lock, at most
        "retry backoff": timings.longest_countdown,  # retry_backoff_max of every task
    }


@pytest.mark.parametrize("timings", [PRODUCTION, TEST_LIKE], ids=["production", "tests"])
def test_the_visibility_timeout_is_longer_than_any_countdown(timings: Timings) -> None:
    config = celery_config("redis://127.0.0.1:6379/0", timings)
    visibility = config["broker_transport_options"]["visibility_timeout"]
    assert visibility == timings.visibility_timeout
    for purpose, seconds in countdowns(timings).items():
        assert 0 < seconds < visibility, purpose
    restore = config["broker_transport_options"]["unacked_restore_interval"]
    assert restore * config["broker_transport_options"]["unacked_restore_throttle"] < visibility


def test_in_production_the_visibility_timeout_outlasts_the_longest_crawl() -> None:
    assert PRODUCTION.visibility_timeout == 6 * 3600
    assert (
        PRODUCTION.crawl_time_limit + PRODUCTION.longest_countdown < PRODUCTION.visibility_timeout
    )


def test_lost_work_is_sent_again_within_a_lease_not_the_visibility_timeout() -> None:
    assert PRODUCTION.lock_ttl == 30  # a crawl lock, a lease, beat's lock; renewed every 10 s
    assert PRODUCTION.follow_interval == 10  # how often `lotse run` looks for lapsed leases
    assert PRODUCTION.lost_after == 40 < 4 * 60 < PRODUCTION.visibility_timeout
    assert PRODUCTION.beat_lost_after == 90  # beat's dispatch looks once a minute
    assert PRODUCTION.idle_transaction_timeout == 60
    assert TEST_LIKE.lock_ttl < TEST_LIKE.visibility_timeout  # never above a short one
    assert Timings.from_env({"LOTSE_LEASE": "12"}).follow_interval == 4


def test_one_beat_dispatches_however_many_run() -> None:
    assert app.conf.beat_scheduler == "workers.beat:SingleBeatScheduler"


def test_tasks_are_acknowledged_late_and_given_back_when_their_worker_is_lost() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_crawls_and_processing_have_queues_of_their_own() -> None:
    assert [queue.name for queue in app.conf.task_queues] == ["crawl", "process"]
    routes = app.conf.task_routes
    assert routes["workers.tasks.crawl_source"] == {"queue": "crawl"}
    for name in ("ingest_crawls", "publish_feeds", "dispatch_due"):
        assert routes[f"workers.tasks.{name}"] == {"queue": "process"}


def test_beat_dispatches_due_sources_every_minute() -> None:
    entry = celery_config(None, PRODUCTION)["beat_schedule"]["dispatch-due-sources"]
    assert entry["task"] == "workers.tasks.dispatch_due"
    assert entry["schedule"] == 60.0
    assert Timings.from_env({"LOTSE_DISPATCH_INTERVAL": "2"}).dispatch_interval == 2.0


@pytest.mark.parametrize(
    "task", [tasks.crawl_source, tasks.ingest_crawls, tasks.publish_feeds, tasks.dispatch_due]
)
def test_every_task_retries_transient_errors_with_backoff_and_jitter(task) -> None:
    assert OperationalError in task.autoretry_for
    assert redis.ConnectionError in task.autoretry_for
    assert task.retry_backoff is True
    assert task.retry_jitter is True
    assert task.retry_backoff_max == tasks.timings.longest_countdown
    assert 0 < task.max_retries <= 20


def test_production_runs_redis_with_persistence() -> None:
    """A restart of Redis keeps the queued tasks, crawl results waiting for their ingest, locks."""
    compose = (ROOT / "compose.yaml").read_text()
    assert '"redis-server", "--appendonly", "yes"' in compose
    unit = (ROOT / "deploy" / "lotse-redis.service").read_text()
    assert re.search(r"^ExecStart=/usr/bin/redis-server .*--appendonly yes", unit, re.M | re.S)
    for name in ("lotse-worker@.service", "lotse-beat.service"):
        assert "lotse-redis.service" in (ROOT / "deploy" / name).read_text()
