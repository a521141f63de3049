"""`make demo`: serve the demo county's source files, run a pass, serve the feeds.

The demo's "internet" is its bundled source files (examples/demo/site). Its sources name the host
``demo.lotse.internal``; a local server on a port the system picks answers for it
(crawlers/host_map.py), so the store and the feeds never depend on that port, and the demo needs
no fixed port but the feed server's (8000, or ``--port``). One demo runs per folder at a time
(its store, lotse.db, lives there): a second one says so and stops.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from aggregator.config import Settings
from aggregator.regions.region import DEFAULT_REGION
from aggregator.sources import load_sources
from aggregator.store import Store
from lotse.summary import summary_table

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEMO = EXAMPLES / "demo"  # the demo county, Landkreis Heidenheim; other regions' beside it
DEMO_HOST = "demo.lotse.internal"
LOCK_FILE = ".lotse-demo.lock"


class DemoError(Exception):
    """Why the demo cannot start; the message says what to do."""


class _SiteServer(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


class _SiteHandler(SimpleHTTPRequestHandler):
    """The demo's files, asked for as a proxy is ("GET http://demo.lotse.internal/vhs.ics")."""

    # the Integreat API's answers are files named like its paths (…/de/events): JSON
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, "": "application/json"}

    def translate_path(self, path: str) -> str:
        return super().translate_path(urlsplit(path).path or "/")

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_site(directory: Path) -> ThreadingHTTPServer:
    """The demo's source files on 127.0.0.1, on a free port, in a background thread."""
    handler = functools.partial(_SiteHandler, directory=str(directory))
    server = _SiteServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def host_map(site: ThreadingHTTPServer) -> dict[str, str]:
    """The crawl setting LOTSE_HOST_MAP that sends the demo host's requests to ``site``."""
    return {DEMO_HOST: f"http://127.0.0.1:{site.server_address[1]}"}


@contextmanager
def only_demo_here(folder: Path) -> Iterator[None]:
    """Hold the folder's demo lock for the block; DemoError when another demo holds it."""
    with open(folder / LOCK_FILE, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DemoError(
                f"a demo is already running in {folder} (process {_holder(lock)}); "
                "stop it with Ctrl-C first, or start this one in another folder"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        yield


def _holder(lock: IO[str]) -> str:
    lock.seek(0)
    return lock.read().strip() or "unknown"


def check_port(port: int) -> None:
    """DemoError when the feed server's port is taken (before the pass, not after it)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise DemoError(
                f"port {port} is taken ({error.strerror}); choose another with "
                f"`make demo PORT=8080` or `lotse demo --port 8080`"
            ) from None


def demo_folder(region: str | None) -> Path:
    """The demo of a region: examples/demo (Landkreis Heidenheim) or examples/demo-<region>."""
    if region is None or region == DEFAULT_REGION:
        return DEMO
    folder = EXAMPLES / f"demo-{region}"
    if not (folder / "sources.toml").is_file():
        known = sorted(p.name.removeprefix("demo-") for p in EXAMPLES.glob("demo-*"))
        raise DemoError(
            f"no demo for region '{region}'; demos: {', '.join([DEFAULT_REGION, *known])}"
        )
    return folder


def run_demo(
    *, port: int, serve: bool, out: Path = Path("public"), region: str | None = None
) -> int:
    try:
        demo = demo_folder(region)
        with only_demo_here(Path.cwd()):
            if serve:
                check_port(port)
            return _demo(demo, port=port, serve=serve, out=out)
    except DemoError as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1


def _demo(demo: Path, *, port: int, serve: bool, out: Path) -> int:
    site = serve_site(demo / "site")
    settings = Settings.from_env()
    store = Store(settings.database_url)
    from workers.passes import run_pass

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    # every crawl, the pass's and the desk's "Jetzt abrufen", reaches the files through the site
    os.environ["LOTSE_HOST_MAP"] = json.dumps(host_map(site))
    report = run_pass(
        store,
        load_sources(demo / "sources.toml"),
        out,
        now=datetime.now(UTC),
        progress=progress,
        crawl_settings={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False},
    )
    print(summary_table(report.summaries))
    print(f"\nfeeds written to {out.resolve()}")
    if not serve:
        site.shutdown()
        return 0
    print(f"serving on http://127.0.0.1:{port}/ (events.ics, events.json, …) – Ctrl-C stops")
    import uvicorn

    from lotse.serve import serving_app

    app = serving_app(store, settings)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    return 0
