"""Staff accounts and their sessions, without HTTP.

Passwords are kept as argon2 hashes. A session is a random token that only the browser holds (in
a cookie); the store keeps its SHA-256, so a leaked database opens no session. The CSRF token of a
session is derived from the same secret token, so forms can carry it but the store cannot.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aggregator.states import Role
from aggregator.store.models import StaffSession, StaffUser

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A staff account that cannot be made as asked; the message says why, for the operator."""


@dataclass(frozen=True)
class Staff:
    """Who is signed in, as every desk page sees them."""

    name: str
    role: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def add_staff(
    session: Session, name: str, password: str, *, role: str = Role.EDITOR, now: datetime
) -> StaffUser:
    """A new active account; raises AccountError for a taken name, a bad role or a weak password."""
    name = name.strip()
    if not name or len(name) > 100 or any(char.isspace() for char in name):
        raise AccountError("a name is 1 to 100 characters without spaces")
    if role not in set(Role):
        raise AccountError(f"role must be one of {', '.join(Role)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.name == name)) is not None:
        raise AccountError(f"there is already an account named {name!r}")
    user = StaffUser(
        name=name, password_hash=_hasher.hash(password), role=role, created_at=now, active=True
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> StaffUser | None:
    """The active account with this name and password, else None (in about the same time)."""
    user = session.scalar(select(StaffUser).where(StaffUser.name == name.strip()))
    if user is None or not user.active:
        _verify(_unknown_user_hash(), password)
        return None
    if not _verify(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def open_session(session: Session, user: StaffUser, *, now: datetime) -> str:
    """Sign the user in: returns the secret token for the cookie; drops expired sessions."""
    session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


def staff_for_token(session: Session, token: str | None, *, now: datetime) -> Staff | None:
    """Who holds this session token, if it is known, unexpired, and its account still active."""
    if not token:
        return None
    found = session.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))
    if found is None or found.expires_at <= now or not found.user.active:
        return None
    return Staff(found.user.name, found.user.role, csrf_token(token))


def close_session(session: Session, token: str | None) -> None:
    """Sign out: the token opens nothing any more, on any server."""
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def csrf_token(token: str) -> str:
    """The per-session token every form carries; derived from the secret session token."""
    return hashlib.sha256(b"lotse-desk-csrf:" + token.encode()).hexdigest()


def csrf_matches(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected, given)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _unknown_user_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))
