"""Sign-in throttling per account and per client address (OWASP ASVS V2.2.1).

Each failed sign-in counts against the account name typed (``account:NAME``, whatever its case)
and the client's address (``address:IP``). From the limit on (5 for an account, 20 for an
address: an integration centre's staff may share one), each failure locks the key for a while
that doubles with every further failure (1, 2, 4 … at most 15 minutes). While a key is locked
every sign-in through it is refused unchecked — even with the right password — and not counted.
Counts are forgotten an hour after the last failure; a successful sign-in clears its account's
count (not its address's, so a valid account cannot reset an address guessing others).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.store.models import LoginThrottle

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)
KEY_LENGTH = 200


@dataclass(frozen=True)
class Lock:
    """A key locked until ``until``; ``started`` when this failure locked it."""

    key: str
    until: datetime
    started: bool = False

    def wait(self, now: datetime) -> timedelta:
        return max(self.until - now, timedelta(0))


def account_key(name: str) -> str:
    return f"account:{name.strip().lower()}"[:KEY_LENGTH]


def address_key(address: str | None) -> str:
    return f"address:{address or 'unbekannt'}"[:KEY_LENGTH]


def limit_of(key: str) -> int:
    return ACCOUNT_LIMIT if key.startswith("account:") else ADDRESS_LIMIT


def locked(session: Session, keys: list[str], *, now: datetime) -> Lock | None:
    """The longest lock on any of the keys that has not run out, or None."""
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    locks = [
        Lock(row.key, row.locked_until)
        for row in rows
        if row.locked_until is not None and row.locked_until > now
    ]
    return max(locks, key=lambda lock: lock.until, default=None)


def note_failure(session: Session, keys: list[str], *, now: datetime) -> list[Lock]:
    """Count a failed sign-in against each key; returns the locks it started."""
    started = []
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif now - row.last_failure_at > FORGET_AFTER:
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = now
        over = row.failures - limit_of(key)
        if over >= 0:
            lock = min(FIRST_LOCK * 2 ** min(over, 10), LONGEST_LOCK)
            row.locked_until = now + lock
            started.append(Lock(key, row.locked_until, started=True))
    return started


def clear(session: Session, key: str) -> None:
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)
