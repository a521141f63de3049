"""`lotse staff add | list | disable | enable | set-role | set-regions | reset-password |
notify`: staff accounts of the review desk, in the store of LOTSE_DATABASE_URL. Passwords are
asked twice, or read from stdin. Each change is in the desk's log (as done by "lotse")."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from getpass import getpass

from sqlalchemy.orm import Session

from aggregator.accounts import (
    AccountError,
    add_staff,
    all_staff,
    reset_password,
    session_counts,
    set_active,
    set_regions,
    set_role,
)
from aggregator.config import Settings
from aggregator.review_log import SYSTEM_ACTOR, log_entry
from aggregator.states import LogTarget, ReviewAction
from aggregator.store import Store

EXIT_INVALID = 2


def add_staff_command(name: str, *, role: str, password_stdin: bool) -> int:
    """Add the account; exit code 2 with the reason if not."""
    password = _password(name, password_stdin, "lotse staff add")
    if password is None:
        return EXIT_INVALID

    def add(session: Session, now: datetime) -> str:
        add_staff(session, name, password, role=role, now=now)
        _log(session, ReviewAction.ADD_ACCOUNT, name, now, {"role": role})
        return f"staff account {name!r} added ({role})"

    return _run("lotse staff add", add)


def list_command() -> int:
    def listing(session: Session, now: datetime) -> str:
        counts = session_counts(session, now=now)
        lines = [f"{'name':<20} {'role':<8} {'state':<9} sessions  e-mail  regions"]
        for user in all_staff(session):
            state = "active" if user.active else "disabled"
            email = (user.email or "-") + (" (daily)" if user.notify else "")
            regions = ", ".join(user.regions or ()) or "all"
            lines.append(
                f"{user.name:<20} {user.role:<8} {state:<9} {counts.get(user.id, 0):>8}  {email}"
                f"  {regions}"
            )
        return "\n".join(lines)

    return _run("lotse staff list", listing)


def set_active_command(name: str, *, active: bool) -> int:
    def change(session: Session, now: datetime) -> str:
        set_active(session, name, active)
        _log(session, ReviewAction.ENABLE if active else ReviewAction.DISABLE, name, now)
        return f"staff account {name!r} {'enabled' if active else 'disabled, its sessions ended'}"

    return _run(f"lotse staff {'enable' if active else 'disable'}", change)


def set_regions_command(name: str, regions: list[str]) -> int:
    def change(session: Session, now: datetime) -> str:
        set_regions(session, name, regions)
        _log(
            session,
            ReviewAction.SET_REGIONS,
            name,
            now,
            {"regions": ", ".join(sorted(set(regions)))},
        )
        where = ", ".join(sorted(set(regions))) or "every region"
        return f"staff account {name!r} works on {where}"

    return _run("lotse staff set-regions", change)


def set_role_command(name: str, role: str) -> int:
    def change(session: Session, now: datetime) -> str:
        set_role(session, name, role)
        _log(session, ReviewAction.SET_ROLE, name, now, {"role": role})
        return f"staff account {name!r} is now {role}"

    return _run("lotse staff set-role", change)


def reset_password_command(name: str, *, password_stdin: bool) -> int:
    password = _password(name, password_stdin, "lotse staff reset-password")
    if password is None:
        return EXIT_INVALID

    def change(session: Session, now: datetime) -> str:
        reset_password(session, name, password)
        _log(session, ReviewAction.RESET_PASSWORD, name, now)
        return f"new password for {name!r}; its sessions ended"

    return _run("lotse staff reset-password", change)


def _password(name: str, from_stdin: bool, command: str) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass(f"Password for {name}: ")
    if getpass("Repeat the password: ") != password:
        print(f"{command}: the passwords differ", file=sys.stderr)
        return None
    return password


def _run(command: str, work: Callable[[Session, datetime], str]) -> int:
    store = Store(Settings.from_env().database_url)
    try:
        with store.transaction() as session:
            said = work(session, datetime.now(UTC))
    except AccountError as error:
        print(f"{command}: {error}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        store.dispose()
    print(said)
    return 0


def _log(
    session: Session,
    action: str,
    name: str,
    now: datetime,
    detail: dict[str, str] | None = None,
) -> None:
    log_entry(
        session,
        actor=SYSTEM_ACTOR,
        action=action,
        target_type=LogTarget.ACCOUNT,
        target_id=name,
        now=now,
        detail={**(detail or {}), "via": "lotse staff"},
    )
