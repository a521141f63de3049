"""`lotse sources try URL`: what a URL is, read as a crawl reads it (docs/contract.md §2).

The URL is fetched once (crawlers/fetch.py: politely, through the crawl's guard). Every kind
declaring a ``claims`` check (aggregator/kinds/spec.py) is asked whether the document is one of
its own; then the calendars the page links (crawlers/extract/calendar_links.py) are fetched and
asked in turn; a kind's guess (a listing whose detail pages may carry the items) comes last.
Each candidate is read by a real crawl of the entry it proposes — the kind's own spider,
extractor and normalizer, as a pass runs them — until one gives items, so the preview is what
would be published. Nothing is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.misc import load_object

from aggregator.crawl_result import CrawlResult
from aggregator.dates.timezones import local_midnight
from aggregator.kinds import DECLARED, normalize
from aggregator.kinds.spec import Claim, Kind
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import ApprenticeshipDraft, EventDraft
from aggregator.source_trial import FIRST_SHOWN, Preview, Trial
from aggregator.sources import SourceConfig, SourcesFileError
from aggregator.sources_edit import Destination, propose_id
from aggregator.states import CrawlStatus
from crawlers.crawl import CrawlJob, crawl_sources
from crawlers.extract.calendar_links import calendar_links
from crawlers.extract.document import Document
from crawlers.fetch import Fetched, Fetcher, FetchFailed
from crawlers.guard import refusal

Draft = EventDraft | ApprenticeshipDraft
log = logging.getLogger(__name__)
TRIAL_PAGES = 30  # pages a trial's crawl reads at most (Scrapy's CloseSpider): enough to show


@dataclass(frozen=True)
class Candidate:
    """A kind's claim on a fetched document."""

    kind: Kind
    claim: Claim
    document: Document

    @property
    def url(self) -> str:
        return self.claim.url or self.document.url


@dataclass(frozen=True)
class Reading:
    """How a trial reads: the clock, who may be reached, the sources file the entry is for, the
    crawl's settings."""

    now: datetime
    allow_private: bool = False
    into: Destination = field(default_factory=Destination)
    crawl_settings: dict[str, Any] | None = None


def try_url(
    url: str,
    *,
    now: datetime,
    allow_private: bool = False,
    into: Destination | None = None,
    crawl_settings: dict[str, Any] | None = None,
    fetcher: Fetcher | None = None,
) -> Trial:
    """What ``url`` is and what it gives (aggregator/source_trial.py). ``allow_private``: its
    host may be on loopback or a private network; ``into``: the sources file the entry is for
    (an id it has not, read in its region); ``crawl_settings``: Scrapy settings beside the
    project's (tests)."""
    reading = Reading(now, allow_private, into or Destination(), crawl_settings)
    fetcher = fetcher or Fetcher(own_host=urlsplit(url).hostname if allow_private else None)
    trial = Trial(url)
    try:
        page = fetcher.get(url)
    except FetchFailed as failed:
        trial.why = f"nothing readable: {failed}"
        return trial
    for candidate in candidates(page, fetcher, trial.tried):
        if read(candidate, trial, reading):
            return trial
    trial.why = nothing_readable(page, trial.tried)
    return trial


def candidates(page: Fetched, fetcher: Fetcher, tried: list[str]) -> Iterator[Candidate]:
    """The kinds claiming the page, then those claiming a calendar it links, then guesses."""
    sure, guesses = claims_of(page.document)
    yield from sure
    if page.ok:
        for link in calendar_links(page.document):
            yield from _linked(link, fetcher, tried)
    yield from guesses


def claims_of(document: Document) -> tuple[list[Candidate], list[Candidate]]:
    """Every kind's claim on the document: the sure ones, and the guesses. A check that fails
    on the document (a hostile page) is no claim: the other kinds are asked all the same."""
    found = []
    for kind in DECLARED:
        if kind.claims is None:
            continue
        try:
            claim = load_object(kind.claims)(document)
        except Exception:
            log.exception("the claims check of kind %s failed on %s", kind.name, document.url)
            continue
        if claim is not None:
            found.append(Candidate(kind, claim, document))
    return [c for c in found if not c.claim.guess], [c for c in found if c.claim.guess]


def _linked(link: str, fetcher: Fetcher, tried: list[str]) -> Iterator[Candidate]:
    try:
        linked = fetcher.get(link)
    except FetchFailed as failed:
        tried.append(f"linked calendar {failed}")
        return
    if not linked.ok:
        tried.append(f"linked calendar {link}: HTTP {linked.status}")
        return
    sure, _ = claims_of(linked.document)
    if not sure:
        tried.append(f"linked calendar {link}: no kind reads it")
    yield from sure


def read(candidate: Candidate, trial: Trial, reading: Reading) -> bool:
    """Crawl the entry the candidate proposes; fill the trial and say True when it gave items,
    else note in ``trial.tried`` what it gave."""
    entry = proposed_entry(candidate, reading)
    where = f"{candidate.url} as {candidate.kind.name}"
    try:
        config = reading.into.config(entry)
    except SourcesFileError as invalid:
        trial.tried.append(f"{where}: {'; '.join(invalid.problems)}")
        return False
    settings = {"CLOSESPIDER_PAGECOUNT": TRIAL_PAGES, **(reading.crawl_settings or {})}
    result = crawl_sources([CrawlJob(config)], settings=settings)[config.id]
    if result.status == CrawlStatus.FAILED:
        trial.tried.append(f"{where}: the crawl failed: {result.error}")
        return False
    drafts, problems = normalized(result, config, reading.now)
    if not drafts:
        said = "; ".join(problems[:3]) or "none is in the published window"
        trial.tried.append(f"{where}: {len(result.records)} records, no item to publish: {said}")
        return False
    trial.kind, trial.entry, trial.items = config.kind, entry, len(result.records)
    trial.first = first_items(drafts, reading.now)
    trial.problems = [str(problem) for problem in result.problems] + problems
    if result.pages >= TRIAL_PAGES:
        trial.problems.append(
            f"{candidate.url}: the trial read the first {TRIAL_PAGES} pages; a crawl reads on"
        )
    return True


def proposed_entry(candidate: Candidate, reading: Reading) -> dict[str, Any]:
    """The ``[[sources]]`` table: an id from the host, the kind, the URL, the claimed options
    (and ``allow_private`` where the host needs it and the trial was allowed to reach it)."""
    url = candidate.url
    entry: dict[str, Any] = {"id": propose_id(url, reading.into.ids), "kind": candidate.kind.name}
    entry["url"] = url
    entry.update(candidate.claim.options)
    if reading.allow_private and _private(url):
        entry["allow_private"] = True
    return entry


def normalized(
    result: CrawlResult, config: SourceConfig, now: datetime
) -> tuple[list[Draft], list[str]]:
    """The drafts of every record as a pass makes them, and each record that could not be read."""
    drafts: list[Draft] = []
    problems = []
    context = Context(config, now)
    for record in result.records:
        try:
            drafts += normalize(record, context)
        except RecordProblem as problem:
            problems.append(f"{record.key}: {problem}")
    return drafts, problems


def first_items(drafts: list[Draft], now: datetime) -> list[Preview]:
    """The first items from ``now`` on by their start (the earliest ones if none is ahead),
    then those without a start."""
    dated = sorted(
        ((begins, draft) for draft in drafts if (begins := _begins(draft)) is not None),
        key=lambda pair: pair[0],
    )
    ahead = [draft for begins, draft in dated if begins >= now] or [draft for _, draft in dated]
    undated = [draft for draft in drafts if _begins(draft) is None]
    return [Preview.of(draft) for draft in [*ahead, *undated][:FIRST_SHOWN]]


def nothing_readable(page: Fetched, tried: list[str]) -> str:
    """Why nothing could be read: what the page is, and what each thing tried gave."""
    document = page.document
    what = f"HTTP {page.status}" if not page.ok else document.content_type or "no content type"
    why = (
        f"nothing readable: {document.url} ({what}) is none of the kinds Lotse reads "
        f"({', '.join(kind.name for kind in DECLARED)}), carries no schema.org Event or "
        "JobPosting, and links no calendar that could be read (iCal, RSS/Atom, The Events "
        "Calendar's API)"
    )
    return why + "".join(f"\n- {line}" for line in tried)


def _begins(draft: Draft) -> datetime | None:
    start = draft.start if isinstance(draft, EventDraft) else draft.start_date
    if start is None or isinstance(start, datetime):
        return start
    return local_midnight(start)


def _private(url: str) -> bool:
    """Whether the crawl guard would refuse the URL's host without ``allow_private``."""
    try:
        return refusal(url, own_host=None) is not None
    except IgnoreRequest:  # the host does not resolve: the crawl says so
        return False
