"""Matching a new draft to a listing that another source already describes (docs/design.md tiers).

listings.py has already kept every draft whose record is linked (tier 1: the same record). For
a draft without a link, `find_match` looks at the events starting in the same local minute (the
same day for all-day events; timed and all-day never meet) — indexed range queries on
``start_at`` for all new drafts of a crawl at once (`find_candidates`), so matching grows with
the number of new drafts, not with the store — and `decide`s each:

- never with an event that a record of the same source describes (a source lists distinct
  events), nor one staff split this source away from (KeepApart), nor one merged into another;
- the towns must agree, or one side has none — unless both name the same canonical URL;
- titles are compared as `title_key`s (aggregator.events.title_keys); different numbers or level
  codes on both sides ("Deutschkurs A1" / "B1") or different markers on both sides ("Englisch" /
  "Spanisch") keep two events apart outright.

Rules (stored with their score, the title similarity 0–100, on the EventLink):

| rule | merges when |
| --- | --- |
| ``url`` | the same canonical URL, and titles at least grey-zone similar |
| ``title-exact`` | the same title words (weak words such as "Konzert" aside) |
| ``title-similar`` | a similarity of at least MERGE_SCORE |
| ``title-place`` | one title is the other plus words of the place ("Sprachcafé im Rathaus") |
| ``title-venue`` | one title is the other plus other words, at the same venue, with a |
| | similarity of at least VENUE_SCORE ("Osterkonzert" / "Osterkonzert mit dem Kammerchor") |

The venue is the same when the street addresses agree, or (without both) the venue names share
a word; a different venue turns ``title-exact`` and ``title-similar`` into a suggestion (two
churches' "Gottesdienst" at 10:00). Everything else that is similar — a score of at least
SUGGEST_SCORE, a subset title elsewhere, a number only one side names ("Lesung" / "Lesung –
Teil 2") — is not merged but suggested to staff (MatchSuggestion), the rule saying why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from rapidfuzz import fuzz
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from aggregator.dates.timezones import day_start_utc, local, to_utc
from aggregator.events.title_keys import STOP_WORDS, TitleKey, fold_words, title_key
from aggregator.normalize.context import Context
from aggregator.normalize.drafts import EventDraft
from aggregator.places.locations import Place
from aggregator.states import LinkRule, ReviewState
from aggregator.store.models import Event, EventLink, KeepApart, MatchSuggestion, SourceRecord

MERGE, SUGGEST = "merge", "suggest"
MERGE_SCORE = 90.0
SUGGEST_SCORE = 70.0
VENUE_SCORE = 50.0  # a subset title at the same venue merges from here ("Osterkonzert mit …")
MINUTE = timedelta(minutes=1)
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ref", "source"})
VENUE_ALIASES = {"vhs": "volkshochschule", "bib": "bibliothek", "kath": "katholisch"}
VENUE_ALIASES |= {"evang": "evangelisch", "sankt": "st", "juz": "jugendzentrum"}
VAGUE_VENUES = frozenset({"innenstadt", "stadtmitte", "ortsmitte", "altstadt", "zentrum", "raum"})
_AGREE, _DIFFER, _UNKNOWN = "agree", "differ", "unknown"


@dataclass(frozen=True)
class Profile:
    """What matching knows of one draft or one listing."""

    key: Any  # the event id, or whatever the caller tells drafts apart by
    block: datetime | date  # local start minute (timed) or start day (all-day)
    titles: tuple[TitleKey, ...]
    towns: frozenset[str]
    urls: frozenset[str]
    addresses: frozenset[str]  # street and number, folded
    venues: frozenset[str]  # the words of the venue names, without towns
    place_words: frozenset[str]  # every word of the venues, addresses and towns
    sources: frozenset[str]


@dataclass(frozen=True)
class Verdict:
    kind: str  # MERGE or SUGGEST
    rule: str
    score: float


@dataclass(frozen=True)
class _Titles:
    strength: int  # _GREY < _SUBSET < _SIMILAR < _SAME
    rule: str
    score: float
    extras: frozenset[str] = frozenset()  # the longer title's words the shorter one lacks


_GREY, _SUBSET, _SIMILAR, _SAME = range(4)


def find_match(
    session: Session,
    context: Context,
    record: SourceRecord,
    draft: EventDraft,
    *,
    suggestions: list[tuple[Event, Verdict]] | None = None,
    rivals: Sequence[EventDraft] = (),
    candidates: Sequence[Event] | None = None,
) -> tuple[Event, str, float | None] | None:
    """The listing this draft describes, with the rule and score that decided it; None if new.

    Grey-zone candidates are appended to ``suggestions`` when a list is given. ``rivals`` are
    the source's other new drafts in the same minute: a listing one of them fits better is not
    this draft's. ``candidates`` are the draft's from `find_candidates`, else looked up here.
    """
    source, feed = context.source.id, context.source.url
    if candidates is None:
        found = find_candidates(session, source, [draft], region=context.region)
        candidates = found.get(candidate_key(draft), [])
    if not candidates:
        return None
    profile = draft_profile(draft, source, key=record.key, feed_url=feed)
    others = [draft_profile(rival, source, feed_url=feed) for rival in rivals]
    ranked = rank(profile, [event_profile(event) for event in candidates], others)
    by_id = {event.id: event for event in candidates}
    if ranked and ranked[0][1].kind == MERGE:
        best, verdict = ranked[0]
        return by_id[best.key], verdict.rule, verdict.score
    if suggestions is not None:
        suggestions += [(by_id[candidate.key], verdict) for candidate, verdict in ranked]
    return None


def candidate_key(draft: EventDraft) -> tuple[datetime, bool]:
    """Where a draft's candidates are: its start minute (or day) in UTC, and whether all-day."""
    return _block_start(draft.start), draft.all_day


def find_candidates(
    session: Session, source_id: str, drafts: Iterable[EventDraft], *, region: str
) -> dict[tuple[datetime, bool], list[Event]]:
    """The events that drafts of a source may match, by `candidate_key`: of the source's region,
    starting in the same minute (or on the same day), not merged away, not kept apart from the
    source. A few indexed
    queries for any number of drafts (ranges on ``start_at``, 200 at a time)."""
    found: dict[tuple[datetime, bool], list[Event]] = {}
    for draft in drafts:
        found.setdefault(candidate_key(draft), [])
    starts = sorted({start for start, _ in found})
    kept_apart = select(KeepApart.event_id).where(KeepApart.source_id == source_id)
    for first in range(0, len(starts), 200):
        windows = [
            and_(Event.start_at >= start, Event.start_at < start + MINUTE)
            for start in starts[first : first + 200]
        ]
        query = (
            select(Event)
            .where(
                or_(*windows),
                Event.region == region,
                Event.review_state != ReviewState.MERGED,
                Event.id.not_in(kept_apart),
            )
            .options(
                selectinload(Event.links)
                .selectinload(EventLink.record)
                .selectinload(SourceRecord.source)
            )
            .order_by(Event.created_at, Event.id)
        )
        for event in session.scalars(query):
            key = (_block_start(event.start_at), event.all_day)
            if key in found:
                found[key].append(event)
    return found


def _block_start(start: datetime | date) -> datetime:
    if isinstance(start, datetime):
        return to_utc(start).replace(second=0, microsecond=0)
    return day_start_utc(start)


def _block_of(start: datetime | date) -> datetime | date:
    """The blocking key: the local start minute of a timed event, the day of an all-day one."""
    if isinstance(start, datetime):
        return local(start).replace(second=0, microsecond=0)
    return start


def draft_profile(
    draft: EventDraft, source_id: str, *, key: Any = None, feed_url: str | None = None
) -> Profile:
    """The profile of one draft of one source (read from ``feed_url``)."""
    return _profile(
        key, draft.start, [draft.title], [draft.place], [draft.url], [feed_url], {source_id}
    )


def event_profile(event: Event) -> Profile:
    """The profile of a listing: its own fields and what each of its active records says."""
    links = [link for link in event.links if link.active]
    own = Place(event.location_name, event.location_address, event.postcode, event.town)
    start = event.start_date if event.all_day and event.start_date else event.start_at
    return _profile(
        event.id,
        start,
        [event.title, *(link.fields.get("title") or "" for link in links)],
        [own, *(Place(**link.fields.get("place", {})) for link in links)],
        [event.url, *(link.fields.get("url") for link in links)],
        {link.record.source.url for link in event.links},
        {link.record.source_id for link in links},
    )


def _profile(
    key: Any,
    start: datetime | date,
    titles: Iterable[str],
    places: Iterable[Place],
    urls: Iterable[str | None],
    feed_urls: Iterable[str | None],
    sources: Iterable[str],
) -> Profile:
    """A profile; a URL that is the feed or listing page a source was read from names no event
    (an iCal record without a URL of its own has its calendar's)."""
    where = [_where(place) for place in places]
    feeds = {canonical_url(url) for url in feed_urls}
    return Profile(
        key=key,
        block=_block_of(start),
        titles=tuple(dict.fromkeys(title_key(title) for title in titles if title)),
        towns=frozenset().union(*(w.towns for w in where)),
        urls=frozenset(filter(None, (canonical_url(url) for url in urls))) - feeds,
        addresses=frozenset().union(*(w.addresses for w in where)),
        venues=frozenset().union(*(w.venues for w in where)),
        place_words=frozenset().union(*(w.place_words for w in where)),
        sources=frozenset(sources),
    )


@dataclass(frozen=True)
class _Where:
    towns: frozenset[str]
    addresses: frozenset[str]
    venues: frozenset[str]
    place_words: frozenset[str]


@lru_cache(maxsize=50_000)
def _where(place: Place) -> _Where:
    """What matching compares of one place: folded town, street address, venue words (no town
    words, aliases resolved: "VHS" = "Volkshochschule") and all its words."""
    town_words = frozenset(fold_words(place.town))
    venue_words = fold_words(place.name)
    return _Where(
        towns=frozenset([" ".join(fold_words(place.town))] if place.town else []),
        addresses=frozenset(["".join(fold_words(place.address))] if place.address else []),
        venues=frozenset(
            VENUE_ALIASES.get(word, word)
            for word in venue_words
            if len(word) >= 3 and word not in STOP_WORDS | town_words | VAGUE_VENUES
        ),
        place_words=(frozenset(venue_words + fold_words(place.address)) | town_words) - STOP_WORDS,
    )


def clear_caches() -> None:
    """Forget the titles and places seen (for measuring)."""
    title_key.cache_clear()
    _where.cache_clear()


def canonical_url(url: str | None) -> str | None:
    """A URL as an exact key: no scheme, "www.", fragment, trailing slash or tracking
    parameters, the query sorted; None for what is not an http(s) URL."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    params = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not name.lower().startswith("utm_") and name.lower() not in TRACKING_PARAMS
    )
    query = f"?{urlencode(params)}" if params else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def rank(
    draft: Profile, candidates: Iterable[Profile], rivals: Iterable[Profile] = ()
) -> list[tuple[Profile, Verdict]]:
    """The candidates that match or may match the draft: merges first, best score first. A
    candidate that a rival (another draft of the same source) would merge with at a higher
    score is left to the rival: "Sprachcafé" does not take the listing of "Sprachcafé im
    Rathaus" when its own source also sends "Sprachcafé im Rathaus"."""
    rivals = list(rivals)
    found = []
    for candidate in candidates:
        verdict = decide(draft, candidate)
        if verdict is None or (verdict.kind == MERGE and _beaten(verdict, candidate, rivals)):
            continue
        found.append((candidate, verdict))
    return sorted(found, key=lambda pair: (pair[1].kind != MERGE, -pair[1].score))


def _beaten(verdict: Verdict, candidate: Profile, rivals: list[Profile]) -> bool:
    for rival in rivals:
        theirs = decide(rival, candidate)
        if theirs is not None and theirs.kind == MERGE and theirs.score > verdict.score:
            return True
    return False


def decide(a: Profile, b: Profile) -> Verdict | None:
    """Whether two profiles describe one event (MERGE), may (SUGGEST), or not (None)."""
    if a.block != b.block or not a.sources.isdisjoint(b.sources):
        return None
    same_url = not a.urls.isdisjoint(b.urls)
    if not same_url and a.towns and b.towns and a.towns.isdisjoint(b.towns):
        return None
    titles = _compare_all(a.titles, b.titles)
    if titles is None:
        return None
    venue = _venue(a, b)
    if titles.strength >= _SIMILAR:
        if same_url:
            return Verdict(MERGE, LinkRule.URL, titles.score)
        if venue == _DIFFER:
            return Verdict(SUGGEST, f"{titles.rule}+{LinkRule.OTHER_VENUE}", titles.score)
        return Verdict(MERGE, titles.rule, titles.score)
    if titles.strength == _SUBSET:
        if same_url:
            return Verdict(MERGE, LinkRule.URL, titles.score)
        if _of_the_place(titles.extras, a.place_words | b.place_words) and venue != _DIFFER:
            return Verdict(MERGE, LinkRule.TITLE_PLACE, titles.score)
        if venue == _AGREE and titles.score >= VENUE_SCORE:
            return Verdict(MERGE, LinkRule.TITLE_VENUE, titles.score)
        return Verdict(SUGGEST, titles.rule, titles.score)
    if same_url and titles.rule == LinkRule.TITLE_SIMILAR:
        return Verdict(MERGE, LinkRule.URL, titles.score)
    return Verdict(SUGGEST, titles.rule, titles.score)


def _of_the_place(words: frozenset[str], place_words: frozenset[str]) -> bool:
    """Whether every word names the place, also as an adjective ("Heidenheimer",
    "Mergelstetter")."""
    return all(
        word in place_words
        or any(len(p) >= 4 and (word.startswith(p) or word == f"{p[:-1]}r") for p in place_words)
        for word in words
    )


def _venue(a: Profile, b: Profile) -> str:
    """Whether two profiles name the same venue: by street address where both have one, else
    by a shared word of the venue names ("Rathaus" / "Foyer im Rathaus", "VHS" /
    "Volkshochschule", "Bibliothek" / "Stadtbibliothek")."""
    if a.addresses and b.addresses:
        return _DIFFER if a.addresses.isdisjoint(b.addresses) else _AGREE
    if not a.venues or not b.venues:
        return _UNKNOWN
    for x in a.venues:
        for y in b.venues:
            if x == y or (min(len(x), len(y)) >= 5 and (x in y or y in x)):
                return _AGREE
    return _DIFFER


def _compare_all(a: tuple[TitleKey, ...], b: tuple[TitleKey, ...]) -> _Titles | None:
    """The best agreement between any title of one side and any of the other; None when any
    pair contradicts (other numbers or markers on both sides)."""
    best: _Titles | None = None
    for x in a:
        for y in b:
            if _contradict(x, y):
                return None
            found = compare_titles(x, y)
            if found and (not best or (found.strength, found.score) > (best.strength, best.score)):
                best = found
    return best


def _contradict(x: TitleKey, y: TitleKey) -> bool:
    if x.numbers and y.numbers and x.numbers != y.numbers:
        return True
    return bool(x.markers - y.markers) and bool(y.markers - x.markers)


def compare_titles(x: TitleKey, y: TitleKey) -> _Titles | None:
    """How far two (non-contradicting) titles agree; None when they are not even similar."""
    if not x.core or not y.core:
        return None
    if x.core == y.core or x.compact == y.compact or x.joined == y.joined:
        return _Titles(_SAME, LinkRule.TITLE_EXACT, 100.0)
    score = max(
        fuzz.token_sort_ratio(" ".join(sorted(x.core)), " ".join(sorted(y.core))),
        fuzz.ratio(x.compact, y.compact),
    )
    for short, long in ((x, y), (y, x)):
        contained = len(short.compact) >= 6 and short.compact in long.compact
        if short.core <= set(long.words) or contained:
            if long.numbers - short.numbers:
                return _Titles(_GREY, LinkRule.TITLE_NUMBER, score)
            return _Titles(_SUBSET, LinkRule.TITLE_SUBSET, score, long.core - set(short.words))
    if x.numbers != y.numbers:
        return _Titles(_GREY, LinkRule.TITLE_NUMBER, score) if score >= SUGGEST_SCORE else None
    if score >= MERGE_SCORE:
        return _Titles(_SIMILAR, LinkRule.TITLE_SIMILAR, score)
    return _Titles(_GREY, LinkRule.TITLE_SIMILAR, score) if score >= SUGGEST_SCORE else None


def suggest(session: Session, a: Event, b: Event, verdict: Verdict, now: datetime) -> None:
    """Store an open suggestion that two events may be one, unless the pair was suggested."""
    pair = {(a.id, b.id), (b.id, a.id)}
    known = session.scalars(
        select(MatchSuggestion).where(
            MatchSuggestion.event_a_id.in_([a.id, b.id]),
            MatchSuggestion.event_b_id.in_([a.id, b.id]),
        )
    )
    if any((s.event_a_id, s.event_b_id) in pair for s in known) or a.id == b.id:
        return
    session.add(
        MatchSuggestion(
            event_a=a, event_b=b, rule=verdict.rule, score=verdict.score, created_at=now
        )
    )
