"""An iCalendar document (RFC 5545) into one raw record per event UID, verbatim.

Each record is a small VCALENDAR holding the calendar's own properties (X-WR-TIMEZONE and the
like), the VTIMEZONE blocks, and every VEVENT with that UID (the master and its RECURRENCE-ID
overrides), so it can be read on its own later. Splitting works on lines (RFC 5545 §3.1), not on
a parsed calendar: one broken event cannot take the others down with it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from crawlers.extract.document import Document
from crawlers.extract.records import Extracted, Extraction, Unreadable

CRLF = "\r\n"
BEGIN = re.compile(r"^BEGIN:(?P<name>[A-Za-z-]+)\s*$", re.IGNORECASE)
END = re.compile(r"^END:(?P<name>[A-Za-z-]+)\s*$", re.IGNORECASE)
UID = re.compile(r"^UID(;[^:]*)?:(?P<value>.*)$", re.IGNORECASE)
TZID = re.compile(r"^TZID(;[^:]*)?:(?P<value>.*)$", re.IGNORECASE)
# Calendar properties a single event still needs; the rest (METHOD, REFRESH-INTERVAL …) stay
# behind with the document: a copy of one event is neither a request nor a subscription.
KEPT_CALENDAR_PROPS = ("VERSION", "PRODID", "CALSCALE", "X-WR-TIMEZONE", "X-WR-CALNAME")


@dataclass
class _Split:
    calendar_props: list[str] = field(default_factory=list)
    timezones: dict[str, list[str]] = field(default_factory=dict)
    events: dict[str, list[list[str]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def split_calendar(document: Document) -> Extraction:
    """One record per event UID, and the problems found. Unreadable for a document that is no
    calendar (an HTML page, no BEGIN:VCALENDAR) or one with problems and no event at all."""
    text = document.text
    if "BEGIN:VEVENT" not in text.upper():
        reason = _not_ical_reason(text)
        if reason:
            raise Unreadable(reason)
        return Extraction()
    split = _split_lines(_logical_lines(text), document.url)
    if not split.events and split.problems:
        raise Unreadable(split.problems[0].message)
    header = ["BEGIN:VCALENDAR", *split.calendar_props]
    if not any(line.upper().startswith("VERSION") for line in split.calendar_props):
        header.append("VERSION:2.0")
    timezones = [line for block in split.timezones.values() for line in block]
    records = []
    for uid, blocks in split.events.items():
        lines = header + timezones + [line for block in blocks for line in block]
        payload = CRLF.join([*lines, "END:VCALENDAR"]) + CRLF
        records.append(Extracted(uid, "ical", payload, document.url))
    return Extraction(records, split.problems)


def _not_ical_reason(text: str) -> str | None:
    """Why a text without events is no calendar; None for a calendar that is merely empty."""
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or "<html" in head:
        return "not an iCalendar file: the server sent an HTML page"
    if head.startswith("begin:vcalendar"):
        return None
    return "not an iCalendar file: no BEGIN:VCALENDAR or BEGIN:VEVENT"


def _logical_lines(text: str) -> list[list[str]]:
    """Content lines with their folded continuation lines kept as written (RFC 5545 §3.1)."""
    lines: list[list[str]] = []
    for physical in re.split(r"\r\n|\n|\r", text):
        if physical[:1] in (" ", "\t") and lines:
            lines[-1].append(physical)
        elif physical.strip():
            lines.append([physical])
    return lines


def _unfolded(line: list[str]) -> str:
    return line[0] + "".join(part[1:] for part in line[1:])


def _split_lines(lines: list[list[str]], where: str) -> _Split:
    split = _Split()
    stack: list[str] = []  # open components, VCALENDAR (if any) first
    block: list[str] = []  # the lines of the top-level component being read
    for line in lines:
        text = _unfolded(line)
        begin, end = BEGIN.match(text), END.match(text)
        if begin:
            stack.append(begin["name"].upper())
            if _depth(stack) == 1:
                block = []
        if _depth(stack) >= 1:
            block.extend(line)
        elif stack == ["VCALENDAR"] and not (begin or end) and _name(text) in KEPT_CALENDAR_PROPS:
            split.calendar_props.extend(line)
        if end:
            _close(split, stack, end["name"].upper(), block, where)
    if stack:
        split.problems.append(Problem(where, _cut_off(stack, block), partial=True))
    return split


def _cut_off(stack: list[str], block: list[str]) -> str:
    """What a document that ends with components still open lost (a partial read)."""
    if _depth(stack) == 0:
        return "the file ends before END:VCALENDAR (cut off?); events after the cut are missing"
    uid = _first_value(block, UID)
    named = f" (UID {uid})" if uid else ""
    return (
        f"the file ends inside {stack[-1]}{named} (cut off?); "
        "that event and any after it are missing"
    )


def _close(split: _Split, stack: list[str], name: str, block: list[str], where: str) -> None:
    if not stack:
        split.problems.append(Problem(where, f"END:{name} without BEGIN"))
        return
    opened = stack.pop()
    if opened != name:
        split.problems.append(Problem(where, f"END:{name} closes BEGIN:{opened}"))
    if _depth(stack) == 0 and opened != "VCALENDAR":
        _keep_block(split, opened, block)


def _depth(stack: list[str]) -> int:
    """How deep inside a component (VEVENT, VTIMEZONE …) we are, not counting VCALENDAR."""
    return len(stack) - (1 if stack and stack[0] == "VCALENDAR" else 0)


def _name(text: str) -> str:
    return re.split(r"[;:]", text, maxsplit=1)[0].upper()


def _keep_block(split: _Split, name: str, block: list[str]) -> None:
    if name == "VTIMEZONE":
        tzid = _first_value(block, TZID) or f"tz{len(split.timezones)}"
        split.timezones.setdefault(tzid, list(block))
    elif name == "VEVENT":
        uid = _first_value(block, UID) or _content_key(block)
        split.events.setdefault(uid, []).append(list(block))


def _first_value(block: list[str], pattern: re.Pattern[str]) -> str | None:
    joined = CRLF.join(block)
    unfolded = re.sub(r"\r\n[ \t]", "", joined)
    for text in unfolded.split(CRLF):
        match = pattern.match(text)
        if match and match["value"].strip():
            return match["value"].strip()
    return None


def _content_key(block: list[str]) -> str:
    """A key for an event without UID: the hash of its lines (stable while it is unchanged)."""
    return "sha1:" + hashlib.sha1(CRLF.join(block).encode()).hexdigest()


def claims(document: Document) -> Claim | None:
    """An iCalendar document: it begins with BEGIN:VCALENDAR."""
    start = document.text.lstrip("\ufeff \t\r\n")[:15].upper()
    return Claim() if start.startswith("BEGIN:VCALENDAR") else None
