"""Staff accounts and their sessions, without HTTP.

Passwords are kept as argon2 hashes. A session is a random token that only the browser holds (in
a cookie); the store keeps its SHA-256, so a leaked database opens no session. The CSRF token of a
session is derived from the same secret token, so forms can carry it but the store cannot.

A session ends at its absolute end, after an idle time without requests, when staff end it (their
own, on the desk) and at once when its account is disabled or its password reset. "Angemeldet
bleiben" makes it longer-lived (a persistent cookie). The last active admin cannot be disabled
or demoted. Sign-in throttling: aggregator.throttle.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from aggregator.regions.region import region_file
from aggregator.served_regions import served_regions
from aggregator.states import Role
from aggregator.store.models import StaffSession, StaffUser

SESSION_LIFETIME = timedelta(hours=12)  # a session's absolute end
IDLE_TIMEOUT = timedelta(minutes=30)  # without a request for this long, a session ends
REMEMBER_LIFETIME = timedelta(days=14)  # "angemeldet bleiben"
REMEMBER_IDLE_TIMEOUT = timedelta(days=3)
TOUCH_EVERY = timedelta(minutes=1)  # a session's last request is written at most this often
MIN_PASSWORD_LENGTH = 10
EMAIL_LENGTH = 200


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last; LOTSE_DESK_IDLE_MINUTES, LOTSE_DESK_SESSION_HOURS and
    LOTSE_DESK_REMEMBER_DAYS override the defaults."""

    lifetime: timedelta = SESSION_LIFETIME
    idle: timedelta = IDLE_TIMEOUT
    remember_lifetime: timedelta = REMEMBER_LIFETIME
    remember_idle: timedelta = REMEMBER_IDLE_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SessionPolicy:
        env = os.environ if env is None else env

        def number(name: str, default: float) -> float:
            try:
                value = float(env.get(name, "") or default)
            except ValueError:
                return default
            return value if value > 0 else default

        return cls(
            lifetime=timedelta(hours=number("LOTSE_DESK_SESSION_HOURS", 12)),
            idle=timedelta(minutes=number("LOTSE_DESK_IDLE_MINUTES", 30)),
            remember_lifetime=timedelta(days=number("LOTSE_DESK_REMEMBER_DAYS", 14)),
        )

    def ends(self, found: StaffSession) -> datetime:
        """When the session ends if no request comes: its idle end, or its absolute end."""
        idle = self.remember_idle if found.persistent else self.idle
        return min(found.expires_at, (found.last_seen_at or found.created_at) + idle)


_hasher = PasswordHasher()


class AccountError(ValueError):
    """A staff account that cannot be made or changed as asked; the message says why, for the
    operator, and ``german`` for the desk."""

    def __init__(self, message: str, german: str = "") -> None:
        super().__init__(message)
        self.german = german or message


@dataclass(frozen=True)
class Staff:
    """Who is signed in, as every desk page sees them."""

    name: str
    role: str
    csrf: str
    session_id: int = 0
    regions: tuple[str, ...] = ()  # the regions the account works on; () every region

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def may_work_on(self, region: str) -> bool:
        """Whether the account may see and decide on a listing of ``region``."""
        return not self.regions or region in self.regions


def add_staff(
    session: Session, name: str, password: str, *, role: str = Role.EDITOR, now: datetime
) -> StaffUser:
    """A new active account; raises AccountError for a taken name, a bad role or a weak password."""
    name = name.strip()
    if not name or len(name) > 100 or any(char.isspace() for char in name):
        raise AccountError(
            "a name is 1 to 100 characters without spaces",
            "Ein Name hat 1 bis 100 Zeichen, ohne Leerzeichen.",
        )
    _check_role(role)
    _check_password(password)
    if session.scalar(select(StaffUser.id).where(StaffUser.name == name)) is not None:
        raise AccountError(
            f"there is already an account named {name!r}", f"Es gibt schon ein Konto {name}."
        )
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


def open_session(
    session: Session,
    user: StaffUser,
    *,
    now: datetime,
    remember: bool = False,
    policy: SessionPolicy = SessionPolicy(),
    user_agent: str | None = None,
    address: str | None = None,
) -> str:
    """Sign the user in: returns the secret token for the cookie; drops expired sessions."""
    session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    lifetime = policy.remember_lifetime if remember else policy.lifetime
    session.add(
        StaffSession(
            token_hash=_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            last_seen_at=now,
            persistent=remember,
            user_agent=(user_agent or "")[:200] or None,
            address=(address or "")[:64] or None,
        )
    )
    return token


def staff_for_token(
    session: Session,
    token: str | None,
    *,
    now: datetime,
    policy: SessionPolicy = SessionPolicy(),
) -> Staff | None:
    """Who holds this session token, if it is known, neither expired nor idle too long, and its
    account still active; the session's last request becomes now."""
    if not token:
        return None
    found = session.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))
    if found is None:
        return None
    if policy.ends(found) <= now or not found.user.active:
        session.delete(found)
        return None
    if now - (found.last_seen_at or found.created_at) >= TOUCH_EVERY:
        found.last_seen_at = now
    user = found.user
    return Staff(user.name, user.role, csrf_token(token), found.id, tuple(user.regions or ()))


def close_session(session: Session, token: str | None) -> None:
    """Sign out: the token opens nothing any more, on any server."""
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def live_sessions(
    session: Session, name: str, *, now: datetime, policy: SessionPolicy = SessionPolicy()
) -> list[StaffSession]:
    """The account's sessions that have not ended, the latest request first."""
    query = (
        select(StaffSession)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffUser.name == name, StaffSession.expires_at > now)
    )
    found = [row for row in session.scalars(query) if policy.ends(row) > now]
    return sorted(found, key=lambda row: row.last_seen_at or row.created_at, reverse=True)


def session_counts(
    session: Session, *, now: datetime, policy: SessionPolicy = SessionPolicy()
) -> dict[int, int]:
    """Live sessions per account id."""
    counts: dict[int, int] = {}
    for row in session.scalars(select(StaffSession).where(StaffSession.expires_at > now)):
        if policy.ends(row) > now:
            counts[row.user_id] = counts.get(row.user_id, 0) + 1
    return counts


def end_session(session: Session, name: str, session_id: int) -> bool:
    """End one of the account's own sessions; False when it has no such session."""
    found = session.get(StaffSession, session_id)
    if found is None or found.user.name != name:
        return False
    session.delete(found)
    return True


def end_sessions(session: Session, user: StaffUser, *, keep: int | None = None) -> int:
    """End every session of the account (but ``keep``); returns how many."""
    query = delete(StaffSession).where(StaffSession.user_id == user.id)
    if keep is not None:
        query = query.where(StaffSession.id != keep)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def staff_named(session: Session, name: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.name == name.strip()))
    if user is None:
        raise AccountError(f"there is no account named {name!r}", f"Es gibt kein Konto {name}.")
    return user


def all_staff(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name)))


def set_active(session: Session, name: str, active: bool) -> StaffUser:
    """Disable (its sessions end at once) or enable an account."""
    user = staff_named(session, name)
    if not active and user.role == Role.ADMIN and user.active:
        _keep_an_admin(session, user)
    user.active = active
    if not active:
        end_sessions(session, user)
    return user


def set_regions(session: Session, name: str, regions: list[str]) -> StaffUser:
    """The regions an account works on (none: every region); AccountError for one neither
    shipped (regions/) nor served by the store's sources."""
    user = staff_named(session, name)
    known = {region.slug for region in served_regions(session)}
    unknown = [slug for slug in regions if slug not in known and not region_file(slug).is_file()]
    if unknown:
        raise AccountError(
            f"unknown region {', '.join(unknown)} (regions/ holds the known ones)",
            f"Unbekannte Region: {', '.join(unknown)}.",
        )
    user.regions = sorted(set(regions))
    return user


def set_role(session: Session, name: str, role: str) -> StaffUser:
    _check_role(role)
    user = staff_named(session, name)
    if user.role == Role.ADMIN and role != Role.ADMIN and user.active:
        _keep_an_admin(session, user)
    user.role = role
    return user


def reset_password(session: Session, name: str, password: str) -> StaffUser:
    """A new password; every session of the account ends."""
    _check_password(password)
    user = staff_named(session, name)
    user.password_hash = _hasher.hash(password)
    end_sessions(session, user)
    return user


def set_notify(session: Session, name: str, *, email: str | None, notify: bool) -> StaffUser:
    """Where the daily notification goes, and whether it goes (aggregator.notify)."""
    user = staff_named(session, name)
    address = (email or "").strip()
    if address and (len(address) > EMAIL_LENGTH or not _looks_like_email(address)):
        raise AccountError("that is not an e-mail address", "Das ist keine E-Mail-Adresse.")
    if notify and not address:
        raise AccountError(
            "a daily e-mail needs an e-mail address",
            "Für die tägliche E-Mail fehlt die E-Mail-Adresse.",
        )
    user.email, user.notify = address or None, notify
    return user


def csrf_token(token: str) -> str:
    """The per-session token every form carries; derived from the secret session token."""
    return hashlib.sha256(b"lotse-desk-csrf:" + token.encode()).hexdigest()


def csrf_matches(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected, given)


def _check_role(role: str) -> None:
    if role not in set(Role):
        raise AccountError(f"role must be one of {', '.join(Role)}", "Unbekannte Rolle.")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters",
            f"Ein Passwort hat mindestens {MIN_PASSWORD_LENGTH} Zeichen.",
        )


def _keep_an_admin(session: Session, user: StaffUser) -> None:
    admins = session.scalar(
        select(func.count(StaffUser.id)).where(
            StaffUser.role == Role.ADMIN, StaffUser.active.is_(True), StaffUser.id != user.id
        )
    )
    if not admins:
        raise AccountError(
            f"{user.name!r} is the last active admin",
            f"{user.name} ist die letzte aktive Administration; "
            "es muss mindestens ein aktives Administrationskonto bleiben.",
        )


def _looks_like_email(address: str) -> bool:
    local, _, domain = address.partition("@")
    return bool(local) and "." in domain and not any(c.isspace() or c in "<>,;" for c in address)


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
