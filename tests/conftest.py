"""Shared fixtures: stores on SQLite and the real PostgreSQL, a loopback HTTP server, a clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from aggregator.sources import SourceConfig
from aggregator.store import Store
from aggregator.store.models import Base
from tests.support.server import FixtureServer

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
CORPUS = Path(os.environ.get("LOTSE_CORPUS", TESTS / "corpus")).resolve()  # tests/corpus/README.md
FIXTURES = TESTS / "fixtures"
PG_ADMIN = os.environ.get("LOTSE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
pytest.register_assert_rewrite("tests.support.desk_browser")  # the browser tests' plugin
FAST_CRAWL = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 1}


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    name = f"lotse_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{url}/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_store(pg_database: str) -> Iterator[Store]:
    store = Store(pg_database)
    yield store
    store.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store, on SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'lotse.db'}")
        yield store
        store.dispose()
        return
    store = request.getfixturevalue("pg_store")
    _truncate(store)
    yield store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'lotse.db'}")
    yield store
    store.dispose()


def _truncate(store: Store) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with store.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    """A real HTTP server on 127.0.0.1 serving fixture replies."""
    with FixtureServer().running() as server:
        yield server


def source(id: str, kind: str, url: str, **kwargs: object) -> SourceConfig:
    """A loopback source as a test needs it."""
    return SourceConfig(id=id, kind=kind, url=url, allow_private=True, **kwargs)
