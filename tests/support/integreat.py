"""An Integreat region in several languages (tests/fixtures/integreat/translated/) served on
127.0.0.1, and the pages over a store one pass filled from it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.applications import Starlette

from aggregator.store import Store
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.server import FixtureServer, Reply
from web.server import create_app
from workers.passes import run_pass

TRANSLATED = FIXTURES / "integreat" / "translated"
ASKED = "/api/v3/landkreisheidenheim/{}/events/?combine_recurring=True"
JSON = "application/json"
ANSWERED = ("en", "ar", "uk")  # Farsi is offered but answers 500


def answer(language: str) -> bytes:
    return (TRANSLATED / f"{language}.json").read_bytes()


def serve_region(site: FixtureServer, **bodies: bytes) -> str:
    """The region in German, English, Arabic and Ukrainian (a body in ``bodies`` replaces that
    language's answer); Farsi answers 500. Returns the German URL as an operator writes it."""
    site.route(ASKED.format("fa"), Reply(b"Server Error", status=500))
    for language in ("de", *ANSWERED):
        body = bodies.get(language, answer(language))
        site.route(ASKED.format(language), Reply(body, headers={"Content-Type": JSON}))
    return site.url(ASKED.format("de").partition("?")[0])


@contextmanager
def translated_pages(path: Path) -> Iterator[Starlette]:
    """The pages at the tests' NOW over a SQLite store in ``path`` filled by one pass."""
    store = Store(f"sqlite:///{path / 'lotse.db'}")
    with FixtureServer().running() as site:
        config = source("integreat", "integreat", serve_region(site), trusted=True)
        run_pass(store, [config], path / "public", now=NOW, crawl_settings=FAST_CRAWL)
    try:
        yield create_app(store, clock=lambda: NOW)
    finally:
        store.dispose()
