"""The daily notification for staff who want it: how many listings wait, the sources' new alarms
and failures, the conflicts between corrections and sources — as a plain German text e-mail.

Built here from the store; sent by ``lotse staff notify`` (lotse/notify.py, SMTP from the
environment), which cron or a systemd timer calls once a day. A member notified in the last
20 hours is skipped, so a second call the same day sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from aggregator.dates.timezones import local
from aggregator.health import read_alarm
from aggregator.review.decisions import with_conflicts
from aggregator.states import CrawlStatus, PostingStatus, ReviewState
from aggregator.store.models import Apprenticeship, CrawlRun, Event, StaffUser

QUIET = timedelta(hours=20)  # a member notified this recently gets nothing again
LOOK_BACK = timedelta(days=1)  # alarms of a member never notified: the last day's
LISTED = 10  # conflicts named in the mail


@dataclass(frozen=True)
class Digest:
    pending_events: int
    pending_apprenticeships: int
    alarms: list[str] = field(default_factory=list)  # "vhs: Alarm – …" per source
    conflicts: list[str] = field(default_factory=list)  # titles
    conflict_count: int = 0

    @property
    def pending(self) -> int:
        return self.pending_events + self.pending_apprenticeships


@dataclass(frozen=True)
class Mail:
    to: str
    name: str
    subject: str
    body: str


def recipients(session: Session, *, now: datetime) -> list[StaffUser]:
    """Active staff who want the daily e-mail and were not sent one in the last 20 hours."""
    query = select(StaffUser).where(
        StaffUser.active.is_(True),
        StaffUser.notify.is_(True),
        StaffUser.email.is_not(None),
        or_(StaffUser.notified_at.is_(None), StaffUser.notified_at <= now - QUIET),
    )
    return list(session.scalars(query.order_by(StaffUser.name)))


def digest(session: Session, *, now: datetime, since: datetime) -> Digest:
    """What waits now, and what went wrong with sources since ``since``."""
    waiting = (
        select(Event.id, Event.series)
        .where(
            Event.review_state == ReviewState.PENDING,
            or_(Event.end_at > now, Event.end_at.is_(None) & (Event.start_at >= now)),
        )
        .subquery()
    )  # a series waits as one, as in the queue
    waiting_events = select(
        func.count(func.distinct(func.coalesce(waiting.c.series, waiting.c.id)))
    )
    waiting_jobs = select(func.count(Apprenticeship.id)).where(
        Apprenticeship.review_state == ReviewState.PENDING,
        Apprenticeship.status == PostingStatus.OPEN,
    )
    runs = session.scalars(
        select(CrawlRun)
        .where(
            CrawlRun.started_at > since,
            or_(CrawlRun.alarm.is_not(None), CrawlRun.status == CrawlStatus.FAILED),
        )
        .order_by(CrawlRun.source_id, CrawlRun.started_at.desc())
    )
    alarms: dict[str, str] = {}
    for run in runs:
        alarms.setdefault(run.source_id, f"{run.source_id}: {_what(run)} ({_when(run.started_at)})")
    conflicted = select(Event).where(with_conflicts(), Event.review_state != ReviewState.MERGED)
    conflicts = [event.title for event in session.scalars(conflicted.limit(LISTED))]
    count = session.scalar(select(func.count()).select_from(conflicted.subquery()))
    return Digest(
        int(session.scalar(waiting_events) or 0),
        int(session.scalar(waiting_jobs) or 0),
        list(alarms.values()),
        conflicts,
        int(count or 0),
    )


def daily_mails(session: Session, *, now: datetime, desk_url: str) -> list[Mail]:
    """One mail per recipient (each with the alarms since their last mail); marks them sent."""
    mails = []
    for user in recipients(session, now=now):
        since = user.notified_at or now - LOOK_BACK
        found = digest(session, now=now, since=since)
        mails.append(
            Mail(user.email or "", user.name, subject(found), body(found, user.name, desk_url))
        )
        user.notified_at = now
    return mails


def subject(found: Digest) -> str:
    parts = [f"{found.pending} {'Eintrag wartet' if found.pending == 1 else 'Einträge warten'}"]
    if found.alarms:
        parts.append(f"{len(found.alarms)} {'Alarm' if len(found.alarms) == 1 else 'Alarme'}")
    if found.conflict_count:
        parts.append(
            f"{found.conflict_count} {'Konflikt' if found.conflict_count == 1 else 'Konflikte'}"
        )
    return "Lotse Redaktion: " + ", ".join(parts)


def body(found: Digest, name: str, desk_url: str) -> str:
    desk = desk_url.rstrip("/")
    lines = [
        f"Guten Morgen, {name},",
        "",
        "das ist der tägliche Überblick der Lotse-Redaktion.",
        "",
        f"Warteschlange: {found.pending_events} Veranstaltungen und "
        f"{found.pending_apprenticeships} Ausbildungsplätze warten auf Prüfung.",
        f"  {desk}/queue",
        "",
    ]
    if found.alarms:
        lines += ["Quellen mit Alarm oder Fehler seit dem letzten Überblick:"]
        lines += [f"  - {text}" for text in found.alarms]
        lines += [f"  {desk}/sources", ""]
    else:
        lines += ["Keine neuen Alarme der Quellen.", ""]
    if found.conflict_count:
        lines += [
            f"Konflikte: Bei {found.conflict_count} Einträgen hat eine Quelle korrigierte "
            "Angaben geändert. Sie bleiben mit Ihrem Wert, bis Sie entscheiden:"
        ]
        lines += [f"  - {title}" for title in found.conflicts]
        lines += [f"  {desk}/queue?kind=conflicts", ""]
    else:
        lines += ["Keine Konflikte mit Korrekturen.", ""]
    lines += [
        "Diese E-Mail lässt sich unter „Mein Konto“ abbestellen:",
        f"  {desk}/account",
    ]
    return "\n".join(lines) + "\n"


def _what(run: CrawlRun) -> str:
    """What went wrong with a crawl, in a word or two."""
    if run.alarm is None:
        return "Abruf fehlgeschlagen"
    said = read_alarm(run.alarm)
    return "Alarm: keine Einträge" if said and said.nothing else "Alarm: deutlich weniger Einträge"


def _when(moment: datetime) -> str:
    return f"{local(moment):%d.%m.%Y, %H:%M}"
