"""Run crawls in a child process (Scrapy's reactor cannot restart inside one process).

``crawl_sources`` is what the rest of Lotse calls; ``python -m crawlers.crawl JOB OUTDIR`` is the
child: it runs every spider of the job in one CrawlerProcess and writes one CrawlResult JSON per
source into OUTDIR. The child is stopped at the time limit, and dies with the process that
started it (a worker killed mid-crawl leaves no crawl behind). A source the child did not
finish has failed; a spider closed early (shutdown) is incomplete, so it marks nothing gone.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aggregator.crawl_result import CrawlResult
from aggregator.sources import SourceConfig
from aggregator.states import CrawlStatus

DEFAULT_TIME_LIMIT = 30 * 60


@dataclass(frozen=True)
class CrawlJob:
    source: SourceConfig
    state: dict[str, Any] = field(default_factory=dict)  # etag, last_modified, body_hash, memory


def crawl_sources(
    jobs: Iterable[CrawlJob],
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    settings: dict[str, Any] | None = None,
) -> dict[str, CrawlResult]:
    """Crawl the sources in one child process; a source the child did not finish has failed."""
    jobs = list(jobs)
    with tempfile.TemporaryDirectory(prefix="lotse-crawl-") as tmp:
        job_file = Path(tmp, "job.json")
        job_file.write_text(
            json.dumps(
                {
                    "jobs": [{"source": j.source.to_dict(), "state": j.state} for j in jobs],
                    "settings": settings or {},
                    "parent": os.getpid(),
                }
            )
        )
        out = Path(tmp, "out")
        out.mkdir()
        error = _run_child(job_file, out, time_limit)
        return {job.source.id: _read_result(out, job.source.id, error) for job in jobs}


def _run_child(job_file: Path, out: Path, time_limit: float) -> str | None:
    command = [sys.executable, "-m", "crawlers.crawl", str(job_file), str(out)]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawlers.settings"}
    try:
        done = subprocess.run(
            command, env=env, timeout=time_limit, capture_output=True, text=True, check=False
        )
    except subprocess.TimeoutExpired:
        return f"crawl exceeded its time limit of {time_limit:.0f} s and was stopped"
    if done.returncode != 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        return f"crawl process exited with {done.returncode}: {' | '.join(tail)}"
    return None


def _read_result(out: Path, source_id: str, error: str | None) -> CrawlResult:
    path = out / f"{source_id}.json"
    if path.exists():
        return CrawlResult.from_json(path.read_text())
    return CrawlResult(
        source_id,
        status=CrawlStatus.FAILED,
        complete=False,
        error=error or "crawl produced no result",
    )


def main(job_path: str, out_dir: str) -> None:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawlers.spiders import spider_for

    job = json.loads(Path(job_path).read_text())
    _die_with_parent(job.get("parent"))
    settings = get_project_settings()
    settings.setdict(job["settings"], priority="cmdline")
    process = CrawlerProcess(settings)

    def write_result(spider: Any, reason: str) -> None:
        if reason != "finished":
            spider.result.complete = False
        target = Path(out_dir, f"{spider.config.id}.json")
        partial = target.with_suffix(".part")
        partial.write_text(spider.result.to_json())
        os.replace(partial, target)  # a child killed while writing leaves no half a result

    for entry in job["jobs"]:
        crawler = process.create_crawler(spider_for(entry["source"]["kind"]))
        crawler.signals.connect(write_result, signal=signals.spider_closed)
        process.crawl(crawler, source=entry["source"], state=entry["state"])
    process.start()


def _die_with_parent(parent: int | None) -> None:
    """Linux: have the kernel SIGKILL this process when the one that started it dies."""
    if parent is None or not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:3])
