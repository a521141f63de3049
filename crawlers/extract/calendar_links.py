"""The calendars an ordinary web page links, best first: iCalendar (``<link rel="alternate"
type="text/calendar">``, export links: ``webcal:``, ``.ics``, ``?ical=1``, a link text such as
"iCal-Export"), The Events Calendar's REST API of a WordPress site (``/wp-json/tribe/events/
v1/``, or the site's ``<link rel="https://api.w.org/">``), then RSS and Atom alternates (on a
WordPress site those are often the blog's, not events). Absolute URLs, each once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree
import lxml.html

from crawlers.extract.document import Document

CALENDAR_TYPES = frozenset({"text/calendar"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
ICAL_PATH = re.compile(r"\.(?:ics|ical|ifb)$", re.IGNORECASE)
ICAL_QUERY = re.compile(r"(?:^|&)(?:ical|ics)=1(?:&|$)", re.IGNORECASE)
ICAL_TEXT = re.compile(r"\b(?:ical|icalendar|ics)(?:\b|-)", re.IGNORECASE)
TRIBE_API = re.compile(r"^(?P<base>.*?/wp-json/tribe/events/v1)(?:/|$)")
WP_API_REL = "https://api.w.org/"
UTF8 = lxml.html.HTMLParser(encoding="utf-8")


def calendar_links(document: Document) -> list[str]:
    """The calendar URLs the page links, best first (see the module docstring)."""
    try:
        tree = lxml.html.fromstring(document.text.encode("utf-8"), parser=UTF8)
    except (lxml.etree.ParserError, ValueError):
        return []
    found: list[str] = []
    for link in (
        *_alternates(tree, document.url, CALENDAR_TYPES),
        *_ical_exports(tree, document.url),
        *_events_apis(tree, document.url),
        *_alternates(tree, document.url, FEED_TYPES),
    ):
        if link not in found:
            found.append(link)
    return found


def _alternates(tree: Any, url: str, types: frozenset[str]) -> Iterator[str]:
    for element in tree.iter("link"):
        rels = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in types:
            yield from _absolute(url, element.get("href"))


def _ical_exports(tree: Any, url: str) -> Iterator[str]:
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href.lower().startswith("webcal:"):
            yield from _absolute(url, urlsplit(url).scheme + href[len("webcal") :])
            continue
        links = list(_absolute(url, href))
        if not links:
            continue
        parts = urlsplit(links[0])
        text = " ".join([anchor.text_content(), anchor.get("title") or ""])
        if ICAL_PATH.search(parts.path) or ICAL_QUERY.search(parts.query) or ICAL_TEXT.search(text):
            yield links[0]


def _events_apis(tree: Any, url: str) -> Iterator[str]:
    """The events endpoint of The Events Calendar where the page links its API or the site's
    WordPress REST root."""
    hrefs = [element.get("href") for element in tree.iter("a", "link")]
    for link in (found for href in hrefs for found in _absolute(url, href)):
        match = TRIBE_API.match(link)
        if match:
            yield match["base"] + "/events"
    for element in tree.iter("link"):
        if WP_API_REL in (element.get("rel") or "").split():
            for root in _absolute(url, element.get("href")):
                yield root.rstrip("/") + "/tribe/events/v1/events"


def _absolute(url: str, href: str | None) -> Iterator[str]:
    """``href`` as an absolute http(s) URL without fragment; nothing for anything else."""
    if not href or not href.strip():
        return
    try:
        link = urldefrag(urljoin(url, href.strip()))[0]
        scheme = urlsplit(link).scheme
    except ValueError:
        return
    if scheme in ("http", "https"):
        yield link
