"""The workers' hold on the database: named connections and PostgreSQL advisory locks.

Every connection a worker opens carries ``application_name = lotse-worker <host> <pid>``, so
``pg_stat_activity`` (and ``pg_locks``) show which worker process is doing what.
Ingests take one advisory lock, so they run one at a time across all workers: matching a new
record against the listings other sources founded must see those listings. The lock is held by
the transaction, so a worker that dies mid-ingest lets it go when PostgreSQL drops its
connection; one that hangs (SIGSTOP, a frozen machine) lets it go when PostgreSQL ends its
session: a worker's transaction that takes the lock sets an idle-in-transaction timeout (no
ingest waits that long between two statements; other transactions, such as the render of the
feeds, are not limited). Elsewhere (SQLite, in-process) the database serialises writers.
"""

from __future__ import annotations

import os
import socket
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from aggregator.store import Store
from aggregator.store.engine import create_schema

INGEST_LOCK = 0x4C6F7473  # pg_locks shows it as locktype 'advisory', classid 0, objid this
MIGRATION_LOCK = 0x4C6F7474
_IDLE_TIMEOUTS: WeakKeyDictionary[Engine, int] = WeakKeyDictionary()  # worker engines: ms


def worker_name() -> str:
    return f"lotse-worker {socket.gethostname()} {os.getpid()}"


def open_worker_store(url: str, *, idle_transaction_timeout: int | None = None) -> Store:
    """The store for this worker process, after bringing the schema up to date (one at a time).
    ``idle_transaction_timeout``: seconds PostgreSQL lets a transaction holding the ingest lock
    sit idle between two statements before it ends the session (a hung worker)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return Store(url)
    named = parsed.update_query_dict({"application_name": worker_name()})
    store = Store(named.render_as_string(hide_password=False), migrate=False)
    if idle_transaction_timeout:
        _IDLE_TIMEOUTS[store.engine] = idle_transaction_timeout * 1000
    with store.engine.connect() as connection:
        connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK)))
        try:
            create_schema(store.engine)  # while other workers wait for the lock
        finally:
            connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK)))
    return store


def one_ingest_at_a_time(session: Session) -> None:
    """Wait for the ingest lock; the transaction of ``session`` holds it until it ends."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    timeout = _IDLE_TIMEOUTS.get(bind) if isinstance(bind, Engine) else None
    if timeout:  # for this transaction only (SET LOCAL)
        setting = "idle_in_transaction_session_timeout"
        session.execute(select(func.set_config(setting, str(timeout), True)))
    session.execute(select(func.pg_advisory_xact_lock(INGEST_LOCK)))
