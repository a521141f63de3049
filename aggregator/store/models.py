"""The store: sources, their raw records, canonical listings linked to records, the review log.

Times are stored as UTC (naive in the database, aware in Python) so SQLite and PostgreSQL agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from aggregator.regions.region import DEFAULT_REGION
from aggregator.states import (
    EventStatus,
    LinkRule,
    PostingStatus,
    ReviewState,
    Role,
    SourceHealth,
    SuggestionState,
)

REGION = String(100)  # a region's slug (regions/<slug>.toml): listings of two never match


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """One entry of the sources file, with its health and conditional-GET state."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default=SourceHealth.NEW)
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    http_etag: Mapped[str | None] = mapped_column(Text)
    http_last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    # what the source's spider keeps for its next crawl (jsonld: which links proved detail pages)
    crawl_memory: Mapped[dict[str, Any] | None]

    records: Mapped[list[SourceRecord]] = relationship(back_populates="source")

    @property
    def display_name(self) -> str:
        """What staff call the source: its ``name`` in the sources file, else its id."""
        return str(self.config.get("name") or self.id)


class CrawlRun(Base):
    """What one crawl of one source brought: the health history of a source."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    pass_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))  # a CrawlStatus
    items: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    gone: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[int] = mapped_column(Integer, default=0)
    problem_texts: Mapped[list[Any]] = mapped_column(default=list)  # the crawl's, "where: what"
    error: Mapped[str | None] = mapped_column(Text)
    alarm: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("pass_id", "source_id"),
        Index("ix_crawl_runs_source_started", "source_id", "started_at"),
    )


class SourceRecord(Base):
    """One record as a source gave it, verbatim, with where and when it came from."""

    __tablename__ = "source_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(500))
    record_type: Mapped[str] = mapped_column(String(20))  # a RecordType
    fmt: Mapped[str] = mapped_column(String(20))  # ical, json, html
    url: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    changed_at: Mapped[datetime]
    gone_at: Mapped[datetime | None]
    problems: Mapped[list[Any]] = mapped_column(default=list)

    source: Mapped[Source] = relationship(back_populates="records")

    __table_args__ = (UniqueConstraint("source_id", "key"),)


class Event(Base):
    """One canonical event occurrence, described by one or more source records."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    uid: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime | None]
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    status: Mapped[str] = mapped_column(String(20), default=EventStatus.CONFIRMED)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    # the licences its sources give it (toubiz): each source's stays on its link, for the feeds'
    # attribution; here so that a change of them is a change of the listing
    licenses: Mapped[list[Any]] = mapped_column(default=list)
    location_name: Mapped[str | None] = mapped_column(Text)
    location_address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    town: Mapped[str | None] = mapped_column(String(100), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    url: Mapped[str | None] = mapped_column(Text)
    series: Mapped[str | None] = mapped_column(String(36))
    # the title and description in other languages, as the sources translated them:
    # {language: {"title", "description"}} (aggregator.events.listings, like every field)
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    region: Mapped[str] = mapped_column(
        REGION, default=DEFAULT_REGION, server_default=DEFAULT_REGION
    )
    review_state: Mapped[str] = mapped_column(String(20), default=ReviewState.PENDING, index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    fields_hash: Mapped[str] = mapped_column(String(64), default="")
    overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # raised with every change of its fields, by a source or by staff (aggregator.history):
    # what a staff form was loaded at, so a save from a stale form is refused
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    links: Mapped[list[EventLink]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )


class LinkColumns:
    """What one source record (one occurrence of it) says about a listing, and why it is linked."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence: Mapped[str] = mapped_column(String(40), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rule: Mapped[str] = mapped_column(String(40), default=LinkRule.RECORD)
    score: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    linked_at: Mapped[datetime]


class EventLink(LinkColumns, Base):
    __tablename__ = "event_links"

    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"))

    event: Mapped[Event] = relationship(back_populates="links")
    record: Mapped[SourceRecord] = relationship()

    __table_args__ = (UniqueConstraint("record_id", "occurrence"),)


class Apprenticeship(Base):
    """One canonical apprenticeship posting, described by one or more source records."""

    __tablename__ = "apprenticeships"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    occupation: Mapped[str] = mapped_column(Text, default="")
    company: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    town: Mapped[str | None] = mapped_column(String(100), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    start_date: Mapped[date | None]
    url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=PostingStatus.OPEN)
    region: Mapped[str] = mapped_column(
        REGION, default=DEFAULT_REGION, server_default=DEFAULT_REGION
    )
    review_state: Mapped[str] = mapped_column(String(20), default=ReviewState.PENDING)
    fields_hash: Mapped[str] = mapped_column(String(64), default="")
    overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    updated_at: Mapped[datetime]

    links: Mapped[list[ApprenticeshipLink]] = relationship(
        back_populates="apprenticeship", cascade="all, delete-orphan"
    )


class ApprenticeshipLink(LinkColumns, Base):
    __tablename__ = "apprenticeship_links"

    apprenticeship_id: Mapped[str] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="CASCADE"), index=True
    )
    record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"))

    apprenticeship: Mapped[Apprenticeship] = relationship(back_populates="links")
    record: Mapped[SourceRecord] = relationship()

    __table_args__ = (UniqueConstraint("record_id", "occurrence"),)


class ReviewLog(Base):
    """Who did what to which listing, and when."""

    __tablename__ = "review_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ListingChange(Base):
    """One change of a listing's fields, by a source's crawl or by staff: old → new per field
    (aggregator.history)."""

    __tablename__ = "listing_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    listing_type: Mapped[str] = mapped_column(String(20))  # a LogTarget: event, apprenticeship
    listing_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)  # the listing's version after the change
    origin: Mapped[str] = mapped_column(String(20))  # a ChangeOrigin
    actor: Mapped[str] = mapped_column(String(100))  # the source's id, or the staff member
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {field: [old, new]}

    __table_args__ = (Index("ix_listing_changes_listing", "listing_type", "listing_id", "version"),)


class StaffUser(Base):
    """A member of staff who may use the review desk: an editor, or an admin."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20), default=Role.EDITOR)
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(200))
    notify: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    notified_at: Mapped[datetime | None]  # when the last daily notification went out


class StaffSession(Base):
    """A signed-in browser: the hash of its cookie's random token, kept so every server agrees."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # the absolute end
    last_seen_at: Mapped[datetime | None]  # the last request: the idle timeout counts from it
    persistent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    user_agent: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[StaffUser] = relationship()


class LoginThrottle(Base):
    """Failed sign-ins per account (``account:NAME``) or client address (``address:IP``):
    after a few, a lock that grows with each further failure (aggregator.throttle)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class MatchSuggestion(Base):
    """Two events that may be one: matching was unsure (a grey-zone score), staff decide.

    ``state`` is open, merged or dismissed; a pair is suggested once, so a dismissal holds.
    """

    __tablename__ = "match_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_a_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    event_b_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(20), default=SuggestionState.OPEN, index=True)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]

    event_a: Mapped[Event] = relationship(foreign_keys=[event_a_id])
    event_b: Mapped[Event] = relationship(foreign_keys=[event_b_id])

    __table_args__ = (UniqueConstraint("event_a_id", "event_b_id"),)


class KeepApart(Base):
    """A staff decision (a split) that a source's records are not about an event: matching
    never links a new record of that source to it."""

    __tablename__ = "keep_apart"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("event_id", "source_id"),)
