"""A pass through a real Celery worker on the real Redis broker gives the in-process feeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.support.celery import ROOT, lotse_env, worker
from tests.support.county import comparable, lotse_run
from tests.support.server import Reply
from tests.support.services import redis_server


def sources_file(tmp_path: Path, site) -> Path:
    stadt = site.route("/stadt.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", "text/calendar"))
    demo = site.route(
        "/vhs.ics", Reply.file(ROOT / "examples" / "demo" / "site" / "vhs.ics", "text/calendar")
    )
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[sources]]\nid = "stadt"\nkind = "ical"\nurl = "{stadt}"\ntrusted = true\n'
        "allow_private = true\n"
        f'[[sources]]\nid = "vhs"\nkind = "ical"\nurl = "{demo}"\ntrusted = true\n'
        "allow_private = true\n"
        '[[sources]]\nid = "down"\nkind = "ical"\nurl = "http://127.0.0.1:9/x.ics"\n'
        "allow_private = true\n"
    )
    return path


@pytest.mark.timeout(300)
def test_a_pass_on_a_celery_worker_equals_the_in_process_pass(site, pg_database, tmp_path) -> None:
    sources = sources_file(tmp_path, site)
    local = lotse_run(
        lotse_env(f"sqlite:///{tmp_path / 'local.db'}", None), sources, tmp_path / "a"
    )
    assert local.returncode == 0, local.stderr

    with redis_server() as redis:
        env = lotse_env(pg_database, redis.url(), out=str(tmp_path / "public"))
        with worker(env, tmp_path / "logs") as workers:
            remote = lotse_run(env, sources, tmp_path / "b")
    assert remote.returncode == 0, remote.stderr + workers.logs()
    assert "sent 3 crawl tasks to the workers" in remote.stderr
    assert "[3/3] sources done" in remote.stderr
    for output in (local.stdout, remote.stdout):
        assert re.search(r"^down\s+failed", output, re.MULTILINE), output
        assert re.search(r"^stadt\s+ok\s+8\s+8", output, re.MULTILINE), output
    assert comparable(tmp_path / "b") == comparable(tmp_path / "a")
