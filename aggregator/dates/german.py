"""Event dates and times written in German, found in free text (RSS entries, web pages).

``dateparser`` alone misreads this kind of text ("19 Uhr" becomes the 19th, "12.10." becomes
12:10 today, "ab 14 Uhr" gives nothing), so a small grammar of regular expressions over
normalized text comes first, and ``dateparser`` is only a conservative fallback.

Rules, in the order the parser applies them:

* The first date in the text wins. It is taken together with a second date when the two are
  joined by "-" or "bis" ("01.05.2027 - 03.05.2027"), or it is a day range itself
  ("14.–16. März 2027", "vom 1. bis 3. Mai 2027").
* A day range is all-day, ``end`` being its last day (inclusive). A date-to-date range is
  timed only when both ends carry a time ("14.03.2027 19:00 - 15.03.2027 02:00").
* Times belong to the date: the first time expression after it (up to the next date), else
  the first one before it. A time needs "Uhr" or a colon ("19 Uhr", "19:30", "19.30 Uhr"),
  so "Raum 19" or a price is never a time; "24 Uhr" is accepted as an end time.
* An end time earlier than the start time means the next day ("22:00-02:00").
* "ab 14 Uhr" gives a start without an end. An end time alone ("bis 17.30 Uhr") leaves the
  start unknown, so the result is the all-day span of that date (``end`` None), never an
  invented start time. "ganztägig" makes any span all-day.
* A date without a year ("12.10.", "14. März") is its earliest occurrence not more than 30
  days before ``now``'s date, so recent events keep their year and "28.12." read in early
  January is last December. Two-digit years are 20xx.
* Without a date in the grammar: "heute"/"morgen"/"übermorgen" (relative to ``now``), then
  ``dateparser`` (short texts with a digit and a month name only, day and month required,
  year at most one back or five ahead), then ``default_date`` if the text has a time or says
  "ganztägig". A text with neither date nor time gives None, even with ``default_date``.
* A nonexistent date ("30.02.2027") gives None.
* Wall times become aware datetimes through ``localize`` (see there for DST gaps and folds).
  ISO timestamps with an offset ("2027-03-14T18:30Z") are converted to Berlin wall time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

from aggregator.dates.timezones import local_zone


@dataclass(frozen=True)
class DateSpan:
    """When an event happens.

    Timed: ``start`` (and ``end`` if known) are aware datetimes in Europe/Berlin.
    All-day: ``start`` is a date and ``end`` the last day, inclusive, or None for one day.
    """

    start: datetime | date
    end: datetime | date | None
    all_day: bool


def localize(naive: datetime, tz: ZoneInfo | None = None) -> datetime:
    """Attach tz (default: local time) to a wall-clock time, deciding DST gaps and folds (the
    documented rule).

    Both cases follow RFC 5545 §3.3.5:

    * a nonexistent time (spring-forward gap, 02:30 on the last Sunday of March) is moved
      forward by the length of the gap: 02:30 becomes 03:30 CEST;
    * an ambiguous time (fall-back fold, 02:30 on the last Sunday of October) is its first
      occurrence: 02:30 CEST (+02:00).

    PEP 495's ``fold=0`` reads both cases with the offset before the transition, which is
    exactly this rule; the round trip through UTC turns a gap time into a real wall time.
    """
    tz = tz or local_zone()
    if naive.tzinfo is not None:
        raise ValueError(f"localize() needs a naive datetime, got {naive!r}")
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


# --- Text normalization -------------------------------------------------------------------

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


def _normalize(text: str) -> str:
    """Compatibility-normalized (no-break spaces become spaces), lower case, dashes as '-'."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES).lower()


# --- Grammar ------------------------------------------------------------------------------

_MONTHS = {
    "januar": 1,
    "jan": 1,
    "februar": 2,
    "feb": 2,
    "märz": 3,
    "maerz": 3,
    "mär": 3,
    "mrz": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "dezember": 12,
    "dez": 12,
}
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))

_NOT_MID_NUMBER = r"(?<![0-9])(?<![0-9][.:])"
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH_NUMBER = r"(?:0?[1-9]|1[0-2])"
_DAY_RANGE = rf"{_NOT_MID_NUMBER}(?P<first_day>{_DAY})\.?\s*(?:-|bis)\s*(?P<last_day>{_DAY})"
_NUMERIC_MONTH_YEAR = rf"\.(?P<month>{_MONTH_NUMBER})\.(?P<year>[0-9]{{4}}|[0-9]{{2}})?(?![0-9])"
_NAMED_MONTH_YEAR = (
    rf"\.?\s*(?P<month>{_MONTH_NAME})(?!\w)\.?(?:,?\s*(?P<year>[0-9]{{4}})(?![0-9]))?"
)

_ISO_DATE = re.compile(
    r"(?<![0-9])(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"(?:[t ](?P<clock>(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?)"
    r"(?P<offset>z|[+-][0-9]{2}:?[0-9]{2})?)?"
    r"(?![0-9])"
)
_NUMERIC_DAY_RANGE = re.compile(_DAY_RANGE + _NUMERIC_MONTH_YEAR)
_NAMED_DAY_RANGE = re.compile(_DAY_RANGE + _NAMED_MONTH_YEAR)
_NUMERIC_DATE = re.compile(rf"{_NOT_MID_NUMBER}(?P<day>{_DAY})" + _NUMERIC_MONTH_YEAR)
_NAMED_DATE = re.compile(rf"{_NOT_MID_NUMBER}(?P<day>{_DAY})" + _NAMED_MONTH_YEAR)

_CLOCK = rf"{_NOT_MID_NUMBER}[0-9]{{1,2}}(?:[:.][0-9]{{2}})?(?![0-9]|[.:][0-9])"
_TIME_EXPRESSION = re.compile(
    rf"[\s,]*(?:\b(?P<until>bis)\s+|\bum\s+)?(?P<start>{_CLOCK})(?P<uhr>\s*uhr\b)?"
    rf"(?:\s*(?:-|bis)\s*(?P<end>{_CLOCK})(?P<end_uhr>\s*uhr\b)?)?"
)
_RANGE_GAP = re.compile(
    rf"[\s,]*(?:(?:um\s+)?(?P<clock>{_CLOCK})(?:\s*uhr)?[\s,]*)?(?:-|bis(?:\s+zum)?)\s*"
)
_ALL_DAY = re.compile(r"\bganzt(?:ä|ae)gig|\bganztags\b")
_RELATIVE_DAY = re.compile(r"\b(?P<word>heute|morgen|übermorgen|uebermorgen)\b")
_RELATIVE_OFFSETS = {"heute": 0, "morgen": 1, "übermorgen": 2, "uebermorgen": 2}
_MONTH_WORD = re.compile(rf"\b(?:{_MONTH_NAME})(?!\w)")
_DIGIT = re.compile(r"[0-9]")

_YEARLESS_GRACE = timedelta(days=30)
_FALLBACK_MAX_LENGTH = 80
_FALLBACK_YEARS_AHEAD = 5


# --- Dates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DayMonth:
    """A calendar date as written; ``year`` None when the text left it out."""

    day: int
    month: int
    year: int | None

    def with_year_near(self, other: date, *, after: bool) -> _DayMonth:
        """This day and month in ``other``'s year, moved a year so it falls after/before it."""
        if after:
            later = (self.month, self.day) >= (other.month, other.day)
            return replace(self, year=other.year if later else other.year + 1)
        earlier = (self.month, self.day) <= (other.month, other.day)
        return replace(self, year=other.year if earlier else other.year - 1)


@dataclass(frozen=True)
class _DateHit:
    """A date expression found at ``text[start:end]``; ``last`` is set for a day range."""

    start: int
    end: int
    first: _DayMonth
    last: _DayMonth | None = None
    clock: time | None = None


def _year(token: str | None) -> int | None:
    if token is None:
        return None
    return 2000 + int(token) if len(token) == 2 else int(token)


def _month(token: str) -> int:
    return int(token) if token.isdigit() else _MONTHS[token]


def _date_hit(match: re.Match[str]) -> _DateHit:
    written = _DayMonth(int(match["day"]), _month(match["month"]), _year(match["year"]))
    return _DateHit(match.start(), match.end(), written)


def _day_range_hit(match: re.Match[str]) -> _DateHit:
    month, year = _month(match["month"]), _year(match["year"])
    first = _DayMonth(int(match["first_day"]), month, year)
    last = _DayMonth(int(match["last_day"]), month, year)
    return _DateHit(match.start(), match.end(), first, last)


def _iso_hit(match: re.Match[str]) -> _DateHit:
    written = _DayMonth(int(match["day"]), int(match["month"]), int(match["year"]))
    if match["clock"] is None:
        return _DateHit(match.start(), match.end(), written)
    try:
        stamp = datetime.fromisoformat(match[0].upper())
    except ValueError:  # a nonexistent calendar date: resolving ``written`` fails later
        return _DateHit(match.start(), match.end(), written)
    if match["offset"]:
        stamp = stamp.astimezone(local_zone())
    seen = _DayMonth(stamp.day, stamp.month, stamp.year)
    return _DateHit(match.start(), match.end(), seen, clock=stamp.time())


_DATE_PATTERNS = (
    (_ISO_DATE, _iso_hit),
    (_NUMERIC_DAY_RANGE, _day_range_hit),
    (_NAMED_DAY_RANGE, _day_range_hit),
    (_NUMERIC_DATE, _date_hit),
    (_NAMED_DATE, _date_hit),
)


def _find_dates(text: str) -> list[_DateHit]:
    """All date expressions, left to right; where two overlap the earlier, longer one wins."""
    found = [build(match) for pattern, build in _DATE_PATTERNS for match in pattern.finditer(text)]
    found.sort(key=lambda hit: (hit.start, -hit.end))
    hits: list[_DateHit] = []
    for hit in found:
        if not hits or hit.start >= hits[-1].end:
            hits.append(hit)
    return hits


def _wall_now(now: datetime) -> datetime:
    """``now`` as a naive Berlin wall time (a naive ``now`` is taken as one already)."""
    return now if now.tzinfo is None else now.astimezone(local_zone()).replace(tzinfo=None)


def _calendar_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _infer_year(written: _DayMonth, today: date) -> date | None:
    """The earliest occurrence not more than 30 days before ``today`` (29.02. may skip years)."""
    cutoff = today - _YEARLESS_GRACE
    for year in range(today.year - 1, today.year + 9):
        candidate = _calendar_date(year, written.month, written.day)
        if candidate is not None and candidate >= cutoff:
            return candidate
    return None


def _resolve(written: _DayMonth, now: datetime) -> date | None:
    if written.year is None:
        return _infer_year(written, _wall_now(now).date())
    return _calendar_date(written.year, written.month, written.day)


def _resolve_range(first: _DayMonth, last: _DayMonth, now: datetime) -> tuple[date, date] | None:
    """Both days of a range; a missing year comes from the other end, rolling over a new year."""
    if first.year is None and last.year is not None:
        known_last = _resolve(last, now)
        if known_last is None:
            return None
        first = first.with_year_near(known_last, after=False)
    start = _resolve(first, now)
    if start is None:
        return None
    if last.year is None:
        last = last.with_year_near(start, after=True)
    end = _resolve(last, now)
    if end is None or end < start:
        return None
    return start, end


# --- Times --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Times:
    """Clock times of one expression; ``start`` None for an end-only "bis 17 Uhr"."""

    start: time | None
    end: time | None


def _clock(token: str, *, is_end: bool = False) -> time | None:
    """A time from "19", "19:30" or "19.30"; "24"/"24:00" only as an end (next midnight)."""
    hour, _, minute = token.replace(".", ":").partition(":")
    hours, minutes = int(hour), int(minute or 0)
    if is_end and (hours, minutes) == (24, 0):
        return time(0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def _times_from(match: re.Match[str]) -> _Times | None:
    """The times of a time expression, or None when it is no time (neither "Uhr" nor ':')."""
    start_token, end_token = match["start"], match["end"]
    said_uhr = match["uhr"] or match["end_uhr"]
    if not said_uhr and ":" not in start_token + (end_token or ""):
        return None
    if match["until"] and end_token is None:
        end = _clock(start_token, is_end=True)
        return None if end is None else _Times(None, end)
    start = _clock(start_token)
    end = None if end_token is None else _clock(end_token, is_end=True)
    if start is None or (end_token is not None and end is None):
        return None
    return _Times(start, end)


def _find_times(text: str, pos: int = 0, endpos: int | None = None) -> _Times | None:
    """The first time expression in ``text[pos:endpos]``."""
    for match in _TIME_EXPRESSION.finditer(text, pos, len(text) if endpos is None else endpos):
        times = _times_from(match)
        if times is not None:
            return times
    return None


def _without_times(text: str) -> str:
    return _TIME_EXPRESSION.sub(lambda match: " " if _times_from(match) else match[0], text)


def _leading_clock(text: str, pos: int) -> time | None:
    """The start time of a time expression right at ``pos``, if there is one."""
    match = _TIME_EXPRESSION.match(text, pos)
    times = None if match is None else _times_from(match)
    return None if times is None else times.start


# --- Days without a written date ----------------------------------------------------------


def _relative_day(text: str, now: datetime) -> date | None:
    match = _RELATIVE_DAY.search(text)
    if match is None:
        return None
    return _wall_now(now).date() + timedelta(days=_RELATIVE_OFFSETS[match["word"]])


def _fallback_date(text: str, now: datetime) -> date | None:
    """``dateparser``'s date for short texts with a digit and a month name ("März 14, 2027").

    Time expressions are removed first, because ``dateparser`` reads "19 Uhr" as a day or
    a year; it must find a day and a month, and the year must be plausible for an event.
    """
    if len(text) > _FALLBACK_MAX_LENGTH or not _DIGIT.search(text) or not _MONTH_WORD.search(text):
        return None
    wall_now = _wall_now(now)
    found = dateparser.parse(
        _without_times(text),
        languages=["de"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": wall_now,
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
    plausible_years = range(wall_now.year - 1, wall_now.year + _FALLBACK_YEARS_AHEAD + 1)
    if found is None or found.year not in plausible_years:
        return None
    return found.date()


# --- Spans --------------------------------------------------------------------------------


def _timed_span(start_day: date, start: time, end_day: date, end: time | None) -> DateSpan:
    """Aware span; an end wall time earlier than the start means the following day."""
    begins = datetime.combine(start_day, start)
    if end is None:
        return DateSpan(localize(begins), None, all_day=False)
    ends = datetime.combine(end_day, end)
    if ends < begins:
        ends += timedelta(days=1)
    return DateSpan(localize(begins), localize(ends), all_day=False)


def _span_on_day(day: date, times: _Times | None, all_day: bool) -> DateSpan:
    """One day's span; no start time (none given, or only "bis ...") means all-day."""
    if all_day or times is None or times.start is None:
        return DateSpan(day, None, all_day=True)
    return _timed_span(day, times.start, day, times.end)


def _all_day_range(first: _DayMonth, last: _DayMonth, now: datetime) -> DateSpan | None:
    days = _resolve_range(first, last, now)
    return None if days is None else DateSpan(days[0], days[1], all_day=True)


def _date_to_date(
    text: str, first: _DateHit, second: _DateHit, gap: re.Match[str], now: datetime, all_day: bool
) -> DateSpan | None:
    """A range between two dates: all-day, or timed when both ends carry a time."""
    last = second.last or second.first
    start_clock = first.clock or (None if gap["clock"] is None else _clock(gap["clock"]))
    end_clock = second.clock or _leading_clock(text, second.end)
    if all_day or start_clock is None or end_clock is None:
        return _all_day_range(first.first, last, now)
    days = _resolve_range(first.first, last, now)
    return None if days is None else _timed_span(days[0], start_clock, days[1], end_clock)


def _span_from_dates(
    text: str, hits: list[_DateHit], now: datetime, all_day: bool
) -> DateSpan | None:
    first = hits[0]
    second = hits[1] if len(hits) > 1 else None
    if first.last is not None:
        return _all_day_range(first.first, first.last, now)
    if second is not None and (gap := _RANGE_GAP.fullmatch(text, first.end, second.start)):
        return _date_to_date(text, first, second, gap, now, all_day)
    day = _resolve(first.first, now)
    if day is None:
        return None
    if first.clock is not None:
        return _span_on_day(day, _Times(first.clock, None), all_day)
    following = len(text) if second is None else second.start
    times = _find_times(text, first.end, following) or _find_times(text, 0, first.start)
    return _span_on_day(day, times, all_day)


def parse_german_span(
    text: str, *, now: datetime, default_date: date | None = None
) -> DateSpan | None:
    """Find the event date/time span in free German text; None when there is none.

    ``now`` (aware, or naive Berlin wall time) anchors years left out and "heute"/"morgen";
    ``default_date`` is the day for a text that only has times. The rules are in the module
    docstring.
    """
    normalized = _normalize(text)
    all_day = _ALL_DAY.search(normalized) is not None
    hits = _find_dates(normalized)
    if hits:
        return _span_from_dates(normalized, hits, now, all_day)
    times = _find_times(normalized)
    day = _relative_day(normalized, now) or _fallback_date(normalized, now)
    if day is None and (times is not None or all_day):
        day = default_date
    if day is None:
        return None
    return _span_on_day(day, times, all_day)
