"""`lotse staff add NAME`: a new staff account; the password is asked twice, or read from stdin."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from getpass import getpass

from aggregator.accounts import AccountError, add_staff
from aggregator.config import Settings
from aggregator.store import Store

EXIT_INVALID = 2


def add_staff_command(name: str, *, role: str, password_stdin: bool) -> int:
    """Add the account to the store of LOTSE_DATABASE_URL; exit code 2 with the reason if not."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass(f"Password for {name}: ")
        if getpass("Repeat the password: ") != password:
            print("lotse staff add: the passwords differ", file=sys.stderr)
            return EXIT_INVALID
    store = Store(Settings.from_env().database_url)
    try:
        with store.transaction() as session:
            add_staff(session, name, password, role=role, now=datetime.now(UTC))
    except AccountError as error:
        print(f"lotse staff add: {error}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        store.dispose()
    print(f"staff account {name!r} added ({role})")
    return 0
