"""`lotse staff notify`: the daily e-mail to staff who want it (aggregator.notify), sent over SMTP
as the environment says. Call it once a day from cron or a systemd timer
(deploy/lotse-notify.timer).

LOTSE_SMTP_HOST (without it nothing is sent), LOTSE_SMTP_PORT (587; 465 with ssl; 25 with none),
LOTSE_SMTP_SECURITY (starttls, ssl or none), LOTSE_SMTP_USER and LOTSE_SMTP_PASSWORD (to sign in
to the server), LOTSE_SMTP_FROM (the sender), LOTSE_DESK_URL (the desk's address in the mail).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from aggregator.config import Settings
from aggregator.notify import Mail, daily_mails
from aggregator.store import Store

EXIT_INVALID = 2
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    user: str | None = None
    password: str | None = None
    sender: str = "lotse@localhost"
    desk_url: str = "http://127.0.0.1:8000/desk"
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The SMTP settings, None without LOTSE_SMTP_HOST; ValueError for a wrong value."""
        env = os.environ if env is None else env
        host = env.get("LOTSE_SMTP_HOST", "").strip()
        if not host:
            return None
        security = env.get("LOTSE_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
        if security not in SECURITY:
            raise ValueError(f"LOTSE_SMTP_SECURITY must be one of {', '.join(SECURITY)}")
        port = env.get("LOTSE_SMTP_PORT", "").strip()
        if port and not port.isdigit():
            raise ValueError("LOTSE_SMTP_PORT must be a number")
        return cls(
            host=host,
            port=int(port) if port else DEFAULT_PORTS[security],
            security=security,
            user=env.get("LOTSE_SMTP_USER") or None,
            password=env.get("LOTSE_SMTP_PASSWORD") or None,
            sender=env.get("LOTSE_SMTP_FROM") or "lotse@localhost",
            desk_url=env.get("LOTSE_DESK_URL") or "http://127.0.0.1:8000/desk",
        )


def message(mail: Mail, smtp: SmtpSettings) -> EmailMessage:
    found = EmailMessage()
    found["From"] = formataddr(("Lotse Redaktion", smtp.sender))
    found["To"] = formataddr((mail.name, mail.to))
    found["Subject"] = mail.subject
    found["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    found.set_content(mail.body)
    return found


def send(mails: list[Mail], smtp: SmtpSettings) -> int:
    """Send every mail over one connection; returns how many went out."""
    if not mails:
        return 0
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if smtp.security == "ssl":
        server = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with server:
        if smtp.security == "starttls":
            server.starttls(context=context)
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        for mail in mails:
            server.send_message(message(mail, smtp))
    return len(mails)


def notify_command(*, now: datetime | None = None, env: Mapping[str, str] | None = None) -> int:
    """Build and send today's mails; exit code 2 when SMTP is not set up or fails."""
    try:
        smtp = SmtpSettings.from_env(env)
    except ValueError as error:
        print(f"lotse staff notify: {error}", file=sys.stderr)
        return EXIT_INVALID
    if smtp is None:
        print("lotse staff notify: set LOTSE_SMTP_HOST to send e-mail", file=sys.stderr)
        return EXIT_INVALID
    store = Store(Settings.from_env(env).database_url)
    try:
        with store.transaction() as session:
            mails = daily_mails(session, now=now or datetime.now(UTC), desk_url=smtp.desk_url)
            sent = send(mails, smtp)  # a failure rolls back: nobody is marked notified
    except (OSError, smtplib.SMTPException) as error:
        print(f"lotse staff notify: sending failed: {error}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        store.dispose()
    print(f"{sent} notification{'s' if sent != 1 else ''} sent")
    return 0
