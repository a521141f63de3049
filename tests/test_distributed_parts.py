"""The parts the distributed tasks are made of, on a Redis of the test's own: the crawl lock and
its fence, leases and what a follower sends again, a hung worker's transaction, a crawl that
dies, debounced publishing, beat's schedule and its passes, task timings and `/metrics`, JSON
logs."""

from __future__ import annotations

import dataclasses
import json
import logging
import logging.config
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from starlette.testclient import TestClient

from aggregator.config import Settings
from aggregator.crawl_result import CrawlResult
from aggregator.store import Store
from aggregator.store.models import Source, SourceRecord
from crawlers.crawl import crawl_sources
from lotse.serve import serving_app
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.celery import crawls_running
from tests.support.county import comparable
from tests.support.server import FixtureServer, Reply
from tests.support.services import free_port, redis_server
from workers import beat_passes, handoff, publishing, tasks, timings
from workers.database import one_ingest_at_a_time, open_worker_store
from workers.leases import Lease, Work, give_back, take_lapsed
from workers.logs import JsonFormatter, serve_log_config
from workers.passes import run_pass
from workers.publishing import pending, publish_if_dirty, renders, request_publish
from workers.redis_lock import RedisLock
from workers.schedule import claim, due_sources, follow_sources_file
from workers.steps import crawl_jobs, database_away, ingest_result, publish, register_sources


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url()


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    return client


# the crawl lock ------------------------------------------------------------------------------


def test_a_lock_has_one_holder_and_only_the_holder_releases_it(client: redis.Redis) -> None:
    first = RedisLock(client, "crawl:vhs", ttl=30, owner="worker-1")
    second = RedisLock(client, "crawl:vhs", ttl=30, owner="worker-2")
    assert first.acquire()
    assert not second.acquire()
    assert (second.holder() or "").startswith("worker-1 ")
    assert not second.release()  # not its lock: still held
    assert not second.acquire()
    assert first.release()
    assert second.acquire()


def test_a_dead_holders_lock_expires_while_a_working_holder_keeps_its_own(
    client: redis.Redis,
) -> None:
    abandoned = RedisLock(client, "crawl:a", ttl=1)
    working = RedisLock(client, "crawl:b", ttl=1)
    assert abandoned.acquire() and working.acquire()
    with working.kept():
        time.sleep(2.5)  # over twice the expiry; the holder renews every third of it
        assert RedisLock(client, "crawl:a", ttl=30).acquire()
        assert not RedisLock(client, "crawl:b", ttl=30).acquire()
    assert RedisLock(client, "crawl:b", ttl=30).acquire()  # released on leaving the block


def test_only_the_locks_holder_hands_a_crawl_on_and_a_take_over_fences_the_old_one_off(
    client: redis.Redis,
) -> None:
    hung = RedisLock(client, "crawl:vhs", ttl=30, owner="task t1 on worker-1")
    assert hung.acquire()
    assert handoff.put(hung, "pass", CrawlResult("vhs", pages=1))
    client.delete(handoff._key("pass", "vhs"))
    # the holder hangs; its lock lapses (here: taken over) and the crawl is done again
    newer = RedisLock(client, "crawl:vhs", ttl=30, owner="task t2 on worker-2")
    assert not newer.take_over("task t9 on worker-9 someone-else")  # not the holder: refused
    assert newer.take_over(hung.token)
    assert handoff.put(newer, "pass", CrawlResult("vhs", pages=2))
    assert not hung.renew()  # woken, the hung one finds the lock gone ...
    assert not handoff.put(hung, "pass", CrawlResult("vhs", pages=1))  # ... and is refused
    assert (handoff.get(client, "pass", "vhs") or CrawlResult("x")).pages == 2
    assert newer.release()
    assert not handoff.put(hung, "pass", CrawlResult("vhs", pages=1))  # nobody's: refused
    assert (handoff.get(client, "pass", "vhs") or CrawlResult("x")).pages == 2


# leases and what a follower sends again ------------------------------------------------------

CRAWL = Work("workers.tasks.crawl_source", ("vhs", "pass", "2026-11-25T08:00:00+00:00", None, []))
INGEST = Work("workers.tasks.ingest_crawls", ("pass", "2026-11-25T08:00:00+00:00", ["vhs"]))


def lapse(client: redis.Redis, lease: Lease) -> None:
    """What the expiry does when the holder stops renewing (SIGKILL, SIGSTOP)."""
    client.delete(lease.key)


def test_work_whose_lease_lapsed_is_taken_once_to_be_sent_again(client: redis.Redis) -> None:
    crawl = Lease(client, "pass", "task-1", CRAWL, ttl=30)
    crawl.take()
    assert take_lapsed(client, "pass") == []  # held: nothing to send again
    lapse(client, crawl)
    assert take_lapsed(client, "pass") == [CRAWL]
    assert take_lapsed(client, "pass") == []  # a second follower finds it taken
    crawl.end()  # the lost holder, woken, ends a lease that is no longer in the registry
    assert take_lapsed(client, "pass") == []


def test_a_lease_ended_or_waiting_for_its_retry_is_not_sent_again(client: redis.Redis) -> None:
    done = Lease(client, "pass", "task-1", CRAWL, ttl=30)
    with done.held():
        pass
    waiting = Lease(client, "pass", "task-2", INGEST, ttl=30)
    with pytest.raises(RuntimeError), waiting.held():
        waiting.wait(60)  # a retry is due within a minute
        raise RuntimeError("retrying")
    assert take_lapsed(client, "pass") == []
    waiting.settled = False  # a renewal racing the wait does not shorten it
    assert waiting.renew() and client.pttl(waiting.key) > 30_000
    lapse(client, waiting)  # the retry never came
    assert take_lapsed(client, "pass") == [INGEST]


def test_abandoned_and_given_back_work_is_sent_again_two_lost_ingests_once(
    client: redis.Redis,
) -> None:
    for task_id in ("ingest-1", "ingest-2"):
        lost = Lease(client, "pass", task_id, INGEST, ttl=30)
        lost.take()
        lapse(client, lost)
    fenced = Lease(client, "pass", "task-3", CRAWL, ttl=30)
    with fenced.held():
        fenced.abandon()  # its crawl was refused: whoever follows sends it again
    assert sorted(take_lapsed(client, "pass"), key=Work.describe) == [CRAWL, INGEST]
    give_back(client, "pass", [CRAWL])  # it could not be sent: the next look takes it
    assert take_lapsed(client, "pass") == [CRAWL]


def test_a_held_lease_is_renewed_and_a_redelivered_task_takes_its_entry_over(
    client: redis.Redis,
) -> None:
    lease = Lease(client, "pass", "task-1", CRAWL, ttl=1)
    with lease.held():
        time.sleep(2.5)  # over twice the expiry; the holder renews every third of it
        assert take_lapsed(client, "pass") == []
        again = Lease(client, "pass", "task-1", CRAWL, ttl=30)  # the same task, redelivered
        again.take()
    assert take_lapsed(client, "pass") == []  # the entry is the redelivery's, which holds it
    again.end()
    assert client.hlen("lotse:leases:pass") == 0


def test_beats_dispatch_sends_lost_work_of_its_passes_again_and_closes_finished_ones(
    client: redis.Redis, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "http://127.0.0.1:9/x.ics"
    register_sources(sqlite_store, [source("stadt", "ical", url), source("vhs", "ical", url)])
    sent: list[tuple[str, list]] = []
    monkeypatch.setattr(tasks, "store", lambda: sqlite_store)
    monkeypatch.setattr(tasks.app, "send_task", lambda name, args: sent.append((name, args)))
    beat_passes.started(client, "beat-1", ["stadt", "vhs"], datetime.now(UTC))
    ingest_result(sqlite_store, CrawlResult("stadt"), pass_id="beat-1", now=NOW)
    lost = Lease(client, "beat-1", "task-1", CRAWL, ttl=30)
    lost.take()
    assert tasks.follow_beat_passes(client) == 0  # vhs still crawling
    lapse(client, lost)
    assert tasks.follow_beat_passes(client) == 1
    assert sent == [(CRAWL.task, list(CRAWL.args))]
    assert list(beat_passes.open_passes(client)) == ["beat-1"]
    ingest_result(sqlite_store, CrawlResult("vhs"), pass_id="beat-1", now=NOW)
    assert tasks.follow_beat_passes(client) == 0
    assert beat_passes.open_passes(client) == {}  # every source ingested: closed


# a hung worker's transaction -----------------------------------------------------------------


def test_a_hung_workers_transaction_lets_the_ingest_lock_go(pg_database: str) -> None:
    hung = open_worker_store(pg_database, idle_transaction_timeout=1)
    other = open_worker_store(pg_database, idle_transaction_timeout=1)
    try:
        session = hung.sessions()
        session.begin()
        one_ingest_at_a_time(session)
        time.sleep(2.5)  # hung past its idle timeout while it holds the ingest lock
        with other.transaction() as waiting:
            one_ingest_at_a_time(waiting)  # PostgreSQL ended the hung session: the lock is free
        with pytest.raises(DBAPIError) as woken:
            session.execute(select(Source)).all()  # woken, the hung ingest cannot go on
        assert database_away(woken.value)  # retried or sent again, not the source's failure
        session.close()
        with hung.transaction() as rendering:  # no ingest lock: a long pause is allowed
            rendering.execute(select(Source)).all()
            time.sleep(2.5)
            rendering.execute(select(Source)).all()
    finally:
        hung.dispose()
        other.dispose()


# a crawl that dies ---------------------------------------------------------------------------


def kill_the_crawl(site: FixtureServer) -> None:
    """SIGKILL this process's crawl once it waits for the slow calendar."""
    wait = time.monotonic() + 60
    while time.monotonic() < wait:
        running = crawls_running({os.getpid()}).get("stadt")
        if running and site.hits("/stadt.ics"):
            os.kill(running[1], signal.SIGKILL)
            return
        time.sleep(0.05)
    raise AssertionError("the crawl of stadt never started")


@pytest.mark.parametrize("death", ["time limit", "killed"])
def test_a_crawl_that_dies_leaves_its_source_failing_and_its_records_in_place(
    death: str, sqlite_store: Store, site: FixtureServer, tmp_path: Path
) -> None:
    reply = Reply.file(FIXTURES / "ical" / "stadt.ics", "text/calendar")
    configs = [source("stadt", "ical", site.route("/stadt.ics", reply), trusted=True)]
    run_pass(sqlite_store, configs, tmp_path / "public", now=NOW, crawl_settings=FAST_CRAWL)
    before = comparable(tmp_path / "public")
    site.route("/stadt.ics", dataclasses.replace(reply, delay=60))
    site.requests.clear()
    jobs = crawl_jobs(sqlite_store, ["stadt"])
    if death == "killed":
        threading.Thread(target=kill_the_crawl, args=(site,), daemon=True).start()
    result = crawl_sources(jobs, time_limit=3 if death == "time limit" else 60)["stadt"]
    ingest_result(sqlite_store, result, pass_id="second", now=NOW + timedelta(hours=6))
    with sqlite_store.transaction() as session:
        stadt = session.get_one(Source, "stadt")
        assert stadt.status == "failing"
        assert ("time limit of 3 s" if death == "time limit" else "exited with -9") in (
            stadt.last_error or ""
        )
        records = session.scalars(select(SourceRecord).where(SourceRecord.source_id == "stadt"))
        assert [record.gone_at for record in records] == [None] * 8
    publish(sqlite_store, tmp_path / "public", now=NOW + timedelta(hours=6))
    assert comparable(tmp_path / "public") == before


# debounced publishing ------------------------------------------------------------------------


def test_a_burst_of_ingests_schedules_one_publish_that_renders_once(
    client: redis.Redis, sqlite_store: Store, tmp_path: Path
) -> None:
    out, scheduled = tmp_path / "public", []
    for _ in range(20):
        request_publish(client, out, lambda: scheduled.append("publish"), debounce=5)
    assert scheduled == ["publish"] and pending(client, out)
    written = publish_if_dirty(client, sqlite_store, out, now=NOW)
    assert written and "events.ics" in written and (out / "events.ics").exists()
    assert publish_if_dirty(client, sqlite_store, out, now=NOW) is None  # delivered twice
    assert renders(client) == 1 and not pending(client, out)


def test_an_ingest_during_a_publish_gets_a_publish_of_its_own(
    client: redis.Redis, sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, scheduled = tmp_path / "public", []
    render = publishing.publish

    def render_while_an_ingest_commits(store: Store, target: Path, *, now) -> list[str]:
        request_publish(client, target, lambda: scheduled.append("second"), debounce=5)
        return render(store, target, now=now)

    request_publish(client, out, lambda: scheduled.append("first"), debounce=5)
    monkeypatch.setattr(publishing, "publish", render_while_an_ingest_commits)
    assert publish_if_dirty(client, sqlite_store, out, now=NOW) is not None
    monkeypatch.setattr(publishing, "publish", render)
    assert scheduled == ["first", "second"] and pending(client, out)
    assert publish_if_dirty(client, sqlite_store, out, now=NOW) == []  # renders, nothing new
    assert renders(client) == 2 and not pending(client, out)


# beat's schedule -----------------------------------------------------------------------------


def test_due_sources_are_those_whose_every_has_passed_in_sources_file_order(
    client: redis.Redis, sqlite_store: Store
) -> None:
    url = "http://127.0.0.1:9/x.ics"
    register_sources(
        sqlite_store,
        [
            source("hourly", "ical", url, every_seconds=3600),
            source("never-run", "ical", url),
            source("daily", "ical", url, every_seconds=86400),
            source("off", "ical", url, enabled=False),
        ],
    )
    with sqlite_store.transaction() as session:
        session.get_one(Source, "hourly").last_run_at = NOW - timedelta(hours=2)
        session.get_one(Source, "daily").last_run_at = NOW - timedelta(hours=2)
    with sqlite_store.transaction() as session:
        due = due_sources(session, NOW)
    assert [(d.source_id, d.every) for d in due] == [("hourly", 3600), ("never-run", 6 * 3600)]
    assert [claim(client, d) for d in due] == [True, True]
    assert [claim(client, d) for d in due] == [False, False]  # dispatched already
    assert 3590 < client.ttl("lotse:dispatched:hourly") <= 3600


def test_dispatch_follows_the_sources_file_and_keeps_the_last_valid_one(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    path = tmp_path / "sources.toml"
    entry = 'id = "{}"\nkind = "ical"\nurl = "http://127.0.0.1:9/x.ics"\nallow_private = true\n'
    path.write_text("[[sources]]\n" + entry.format("one"))
    monkeypatch.setenv("LOTSE_SOURCES", str(path))
    follow_sources_file(sqlite_store)
    path.write_text("[[sources]]\n" + entry.format("one") + "[[sources]]\n" + entry.format("two"))
    follow_sources_file(sqlite_store)
    with sqlite_store.transaction() as session:
        assert [d.source_id for d in due_sources(session, NOW)] == ["one", "two"]
    path.write_text("[[sources]]\n" + entry.format("Not A Slug"))
    follow_sources_file(sqlite_store)
    assert "sources file not followed" in caplog.text and "must be a slug" in caplog.text
    with sqlite_store.transaction() as session:
        assert [d.source_id for d in due_sources(session, NOW)] == ["one", "two"]


# metrics -------------------------------------------------------------------------------------

SAMPLE = re.compile(r'^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)+\})? -?[0-9.e+]+$|^[a-z_]+ [0-9.]+$')


@pytest.fixture
def county_store(sqlite_store: Store, site: FixtureServer, tmp_path: Path) -> Store:
    stadt = site.route("/stadt.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", "text/calendar"))
    sources = [
        source("stadt", "ical", stadt, trusted=True),
        source("missing", "ical", site.url("/missing.ics"), trusted=True),
    ]
    run_pass(sqlite_store, sources, tmp_path / "public", now=NOW, crawl_settings=FAST_CRAWL)
    return sqlite_store


def test_metrics_show_source_health_records_listings_and_task_latencies(
    county_store: Store, client: redis.Redis, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    timings.record(client, "workers.tasks.crawl_source", 2.5, "SUCCESS")
    timings.record(client, "workers.tasks.crawl_source", 0.05, "RETRY")
    monkeypatch.setenv("LOTSE_BROKER_URL", redis_url)
    response = TestClient(serving_app(county_store, Settings.from_env(), clock=lambda: NOW)).get(
        "/metrics"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    for line in text.splitlines():
        assert line.startswith("# ") or SAMPLE.match(line), line
    assert 'lotse_sources{status="ok"} 1' in text
    assert 'lotse_sources{status="failing"} 1' in text
    assert 'lotse_source_status{source="missing",status="failing"} 1' in text
    assert 'lotse_source_items{source="stadt"} 8' in text
    assert 'lotse_records{state="current"} 8' in text
    assert re.search(r'lotse_listings\{kind="event",state="published"\} [1-9]', text)
    crawl = 'task="workers.tasks.crawl_source"'
    assert f'lotse_task_duration_seconds_bucket{{{crawl},le="0.1"}} 1' in text
    assert f'lotse_task_duration_seconds_bucket{{{crawl},le="1"}} 1' in text
    assert f'lotse_task_duration_seconds_bucket{{{crawl},le="5"}} 2' in text
    assert f'lotse_task_duration_seconds_bucket{{{crawl},le="+Inf"}} 2' in text
    assert f"lotse_task_duration_seconds_count{{{crawl}}} 2" in text
    assert f'lotse_task_runs_total{{{crawl},outcome="RETRY"}} 1' in text
    assert "lotse_broker_up 1" in text


def test_metrics_are_served_from_the_store_while_redis_is_down(
    county_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOTSE_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")
    text = (
        TestClient(serving_app(county_store, Settings.from_env(), clock=lambda: NOW))
        .get("/metrics")
        .text
    )
    assert "lotse_broker_up 0" in text
    assert 'lotse_source_items{source="stadt"} 8' in text


# logs ----------------------------------------------------------------------------------------


def test_a_log_line_is_one_json_object_with_extras_and_the_exception() -> None:
    try:
        raise ValueError("broken calendar")
    except ValueError:
        record = logging.getLogger("workers.tasks").makeRecord(
            "workers.tasks", logging.WARNING, __file__, 1, "ingest of %s failed", ("vhs",),
            sys.exc_info(), extra={"source": "vhs"},
        )  # fmt: skip
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "workers.tasks"
    assert entry["message"] == "ingest of vhs failed" and entry["source"] == "vhs"
    assert "ValueError: broken calendar" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_lotse_serve_logs_json_when_asked(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("LOTSE_LOG_FORMAT", "json")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logging.config.dictConfig(serve_log_config())
    try:
        logging.getLogger("uvicorn.error").info("Application startup complete.")
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert json.loads(line)["message"] == "Application startup complete."
    finally:
        root.handlers[:], root.level = handlers, level
    monkeypatch.delenv("LOTSE_LOG_FORMAT")
    assert "json" not in serve_log_config()["formatters"]  # uvicorn's own, by default
