"""Beat and two workers run a county by themselves, as an operator deploys them: the feeds they
publish equal an in-process pass's; the schedule follows the sources file and each source's
``every``; a source another crawl holds is not crawled twice at once; `/metrics` shows it all.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import redis
from starlette.testclient import TestClient

from aggregator.config import Settings
from aggregator.store import Store
from lotse.serve import serving_app
from tests.conftest import PG_ADMIN
from tests.support.celery import (
    WorkerSet,
    beat,
    crawls_running,
    lotse_env,
    show_recovery,
    wait_for,
    worker_set,
)
from tests.support.county import (
    comparable,
    county,
    held_once,
    lotse_run,
    source_entry,
    stored,
)
from tests.support.server import FixtureServer
from tests.support.services import fresh_database, redis_server
from workers.publishing import pending
from workers.redis_lock import RedisLock

COUNTY = ["stadt", "vhs", "integrationszentrum", "verein"]


def crawled(database_url: str) -> set[str]:
    """The sources with a finished crawl run."""
    return {source_id for source_id, _, _ in stored(database_url)["runs"]}


def json_lines(workers: WorkerSet) -> list[dict]:
    lines = []
    for path in workers.log_dir.glob("*.log"):
        lines += [json.loads(line) for line in path.read_text().splitlines() if line[:1] == "{"]
    return lines


@pytest.mark.timeout(400)
def test_beat_and_two_workers_publish_the_county_like_an_in_process_pass(
    site: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = county(site, tmp_path)
    reference = lotse_run(
        lotse_env(f"sqlite:///{tmp_path / 'ref.db'}", None), sources, tmp_path / "ref"
    )
    assert reference.returncode == 0, reference.stderr
    before = {source_id: len(site.hits(f"/{source_id}.ics")) for source_id in COUNTY}

    def crawls(source_id: str) -> int:
        return len(site.hits(f"/{source_id}.ics")) - before.get(source_id, 0)

    public = tmp_path / "public"
    with redis_server() as server, fresh_database(PG_ADMIN) as database_url:
        client = redis.Redis.from_url(server.url())
        operator = RedisLock(client, "crawl:vhs", ttl=300, owner="an operator's crawl")
        assert operator.acquire()  # somebody crawls vhs right now
        env = lotse_env(
            database_url, server.url(), out=str(public), sources=str(sources),
            dispatch_interval="1",
        )  # fmt: skip
        with worker_set(env, tmp_path / "logs") as workers, beat(env, tmp_path):
            workers.start("w1", pool="prefork")
            workers.start("w2", pool="prefork")

            # a crawl task finds vhs locked: it does not crawl and says so
            waiting = wait_for(
                lambda: [e for e in json_lines(workers) if "not crawling vhs" in e["message"]],
                "the crawl of vhs waiting for the operator's",
                workers,
            )
            assert "an operator's crawl" in waiting[0]["message"]
            assert waiting[0]["task"] == "workers.tasks.crawl_source" and waiting[0]["task_id"]
            assert crawls("vhs") == 0
            operator.release()

            wait_for(
                lambda: (
                    crawled(database_url) == set(COUNTY)
                    and not pending(client, public)
                    and comparable(public) == comparable(tmp_path / "ref")
                ),
                "the workers' feeds equal the in-process pass's",
                workers,
            )
            assert {source_id: crawls(source_id) for source_id in COUNTY} == dict.fromkeys(
                COUNTY, 1
            )  # every 6h: crawled once

            # a source added to the file, crawled every 2 seconds, without restarting beat
            kirche = site.route("/kirche.ics", site.routes["/stadt.ics"][-1])
            sources.write_text(sources.read_text() + source_entry("kirche", kirche, every="2s"))
            wait_for(lambda: crawls("kirche") >= 3, "kirche crawled thrice", workers)
            assert all(crawls(source_id) == 1 for source_id in COUNTY)

            monkeypatch.setenv("LOTSE_BROKER_URL", server.url())
            store = Store(database_url)
            metrics = TestClient(serving_app(store, Settings.from_env())).get("/metrics").text
            store.dispose()
    assert 'lotse_sources{status="failing"} 1' in metrics  # verein's calendar has moved
    assert 'lotse_source_status{source="verein",status="failing"} 1' in metrics
    assert 'lotse_source_items{source="stadt"} 8' in metrics
    for task in ("crawl_source", "ingest_crawls", "publish_feeds", "dispatch_due"):
        assert f'lotse_task_runs_total{{task="workers.tasks.{task}",outcome="SUCCESS"}}' in metrics
    assert 'lotse_task_runs_total{task="workers.tasks.crawl_source",outcome="RETRY"}' in metrics


def beat_lines(home: Path) -> list[str]:
    path = home / "beat.log"
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return [json.loads(line)["message"] for line in lines if line[:1] == "{"]


@pytest.mark.timeout(400)
def test_two_beats_dispatch_each_source_once_and_follow_their_pass(
    site: FixtureServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two beats started by mistake: one dispatches, the other says so and stands by. A worker
    killed mid-crawl of a pass beat started: beat's dispatch sends the crawl again (the lease
    and the visibility timeout are the defaults; only the dispatch interval is short). The
    county's sources are switched on once both beats and both workers run, so the held crawl is
    watched from its start (it can be held no longer than the download timeout, 30 s)."""
    sources = county(site, tmp_path)
    county_text = sources.read_text()
    sources.write_text(
        county_text.replace("allow_private = true\n", "allow_private = true\nenabled = false\n")
    )
    gate = held_once(site, "/vhs.ics")  # the first crawl of vhs waits for its calendar
    before = {source_id: len(site.hits(f"/{source_id}.ics")) for source_id in COUNTY}
    homes = [tmp_path / "beat-1", tmp_path / "beat-2"]
    for home in homes:
        home.mkdir()
    with redis_server() as server, fresh_database(PG_ADMIN) as database_url:
        env = lotse_env(
            database_url, server.url(), out=str(tmp_path / "public"), sources=str(sources),
            dispatch_interval="1",
        )  # fmt: skip
        with worker_set(env, tmp_path / "logs") as workers, beat(env, homes[0]) as first:
            wait_for(
                lambda: any("this beat dispatches" in m for m in beat_lines(homes[0])),
                "the first beat taking the beat lock",
                workers,
            )
            with beat(env, homes[1]):
                standing_by = wait_for(
                    lambda: [m for m in beat_lines(homes[1]) if "another beat is running" in m],
                    "the second beat standing by",
                    workers,
                )
                assert "sends nothing" in standing_by[0] and "beat " in standing_by[0]
                workers.start("w1")
                workers.start("w2")
                sources.write_text(county_text)  # beat's next dispatch follows the file
                worker_pid, _ = wait_for(
                    lambda: (
                        len(site.hits("/vhs.ics")) > before["vhs"]
                        and crawls_running(workers.pids()).get("vhs")
                    ),
                    "the crawl of vhs waiting for its calendar",
                    workers,
                )
                killed = time.monotonic()
                workers.kill(worker_pid)
                gate.set()
                wait_for(
                    lambda: crawled(database_url) == set(COUNTY), "every source crawled", workers
                )
                show_recovery(
                    capsys, "worker killed mid-crawl of beat's pass", time.monotonic() - killed
                )
                resent = [
                    line["message"]
                    for line in json_lines(workers)
                    if "the crawl of vhs was lost; sent it again" in line["message"]
                ]
                assert resent and resent[0].startswith("pass beat-")

                first.terminate()  # the first beat goes: the second takes over
                first.wait(timeout=20)
                wait_for(
                    lambda: any("this beat dispatches" in m for m in beat_lines(homes[1])),
                    "the second beat taking over",
                    workers,
                )
                crawls = {s: len(site.hits(f"/{s}.ics")) - before[s] for s in COUNTY}
    assert crawls == {"stadt": 1, "vhs": 2, "integrationszentrum": 1, "verein": 1}
    assert any("Sending due task" in message for message in beat_lines(homes[0]))
    second = beat_lines(homes[1])
    took_over = next(n for n, message in enumerate(second) if "this beat dispatches" in message)
    assert not any("Sending due task" in message for message in second[:took_over])
