"""`make demo`: serve the demo county's source files on 127.0.0.1, run a pass, serve the feeds."""

from __future__ import annotations

import functools
import sys
import threading
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aggregator.config import Settings
from aggregator.sources import load_sources
from aggregator.store import Store
from lotse.summary import summary_table

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo"
SITE_PORT = 8008


class _SiteServer(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_site(directory: Path, port: int) -> ThreadingHTTPServer:
    """The demo's "internet": its source files on 127.0.0.1, in a background thread."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _SiteServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_demo(*, port: int, serve: bool, out: Path = Path("public")) -> int:
    try:
        site = serve_site(DEMO / "site", SITE_PORT)
    except OSError as error:
        print(f"demo: cannot serve the demo sources on port {SITE_PORT}: {error}", file=sys.stderr)
        return 1
    settings = Settings.from_env()
    store = Store(settings.database_url)
    from workers.passes import run_pass

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    report = run_pass(
        store,
        load_sources(DEMO / "sources.toml"),
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
