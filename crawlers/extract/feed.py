"""RSS 0.9x/1.0/2.0 and Atom documents into one record per entry (feedparser).

feedparser expands the entities a document declares in its DTD, so an XML bomb ("billion
laughs", or one large entity used many times) parses quietly into a huge string: the bytes are
checked first — a size cap and no ``<!ENTITY`` declaration before the root element, in whatever
encoding feedparser may read them (UTF-16/32, EBCDIC, a declared charset) — and only then
handed to feedparser. External entities (``SYSTEM "file:///…"``) are declarations too.
A record's payload is the entry as feedparser read it, as JSON (the parsed time tuples left out:
they are derived from the text fields kept beside them).
"""

from __future__ import annotations

import codecs
import re
from typing import Any
from xml.sax import SAXParseException

import feedparser

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from crawlers.extract.decode import declared_charset, utf8_despite_label
from crawlers.extract.document import Document
from crawlers.extract.records import (
    Extracted,
    Extraction,
    Unreadable,
    content_key,
    json_text,
    unique,
)

MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = 5000
ROOT_ELEMENT = re.compile(r"<(?P<name>[A-Za-z_][\w:.-]*)")
FEED_ROOTS = ("rss", "rdf:rdf", "feed")
XML_ENCODING = re.compile(r"^<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)")
SIGNATURES = (  # how feedparser tells an encoding from the first bytes; UTF-32 before UTF-16
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
    (b"\x4c\x6f\xa7\x94", "cp037"),  # "<?xm" in EBCDIC
)


def read_feed(document: Document) -> Extraction:
    """One record per entry, and the problems found; raises Unreadable for a refused document.
    feedparser reads the bytes (its own encoding detection), never ``document.text``."""
    body, url, content_type = document.body, document.url, document.content_type
    check_feed_bytes(body, content_type)
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    try:
        parsed = feedparser.parse(body, response_headers=headers)
    except Exception as error:  # feedparser means never to raise; a broken declaration does
        raise Unreadable(f"feedparser cannot read it: {type(error).__name__}: {error}") from error
    if not parsed.get("version"):
        raise Unreadable(_not_a_feed(body))
    problems = _reading_problems(parsed, body, url, content_type)
    entries = parsed.entries
    if len(entries) > MAX_ENTRIES:
        problems.append(Problem(url, f"{len(entries)} entries; read the first {MAX_ENTRIES}"))
        entries = entries[:MAX_ENTRIES]
    records, duplicates = unique((_record(entry) for entry in entries), url)
    return Extraction(records, problems + duplicates)


def check_feed_bytes(body: bytes, content_type: str | None = None) -> None:
    """Refuse a document over the size cap or with DTD entity declarations (XML bombs,
    external entities), read in every encoding feedparser might read it in."""
    if len(body) > MAX_FEED_BYTES:
        raise Unreadable(
            f"feed is {len(body):,} bytes, over the cap of {MAX_FEED_BYTES:,} bytes; not parsed"
        )
    for text in _readings(body, content_type):
        root = ROOT_ELEMENT.search(text)
        if "<!ENTITY" in (text if root is None else text[: root.start()]):
            raise Unreadable(
                "feed declares XML entities (<!ENTITY in its DOCTYPE); refused, because "
                "expanding them can blow up memory (billion laughs) or read local files"
            )


def _readings(body: bytes, content_type: str | None) -> list[str]:
    """The document decoded as its first bytes say, as the HTTP header and as its XML
    declaration say (each charset once; unknown ones left out)."""
    sniffed = _markup(body)
    declared = XML_ENCODING.match(sniffed.lstrip("\ufeff"))
    readings = {"sniffed": sniffed}
    for charset in (declared_charset(content_type), declared[1] if declared else None):
        try:
            name = codecs.lookup(charset).name if charset else None
        except LookupError:
            continue
        if name and name not in readings:
            readings[name] = body.decode(name, errors="replace")
    return list(readings.values())


def _reading_problems(
    parsed: Any, body: bytes, url: str, content_type: str | None
) -> list[Problem]:
    """What was wrong with a document feedparser still read: its charset label, its XML."""
    mislabel = utf8_despite_label(body, declared_charset(content_type))
    problems = [Problem(url, mislabel)] if mislabel else []
    error = parsed.get("bozo_exception")
    if isinstance(error, feedparser.CharacterEncodingOverride):
        problems.append(Problem(url, f"wrong charset: {error}"))
    elif isinstance(error, SAXParseException):
        cut = not _root_closed(body)
        at = f"line {error.getLineNumber()}, column {error.getColumnNumber()}"
        message = f"not well-formed XML at {at} ({error.getMessage()}); read leniently"
        if cut:
            message += ", but the document is cut off: entries after the cut are missing"
        problems.append(Problem(url, message, partial=cut))
    return problems


def _root_closed(body: bytes) -> bool:
    """Whether the document's root element has its end tag (a cut-off document has none)."""
    text = _markup(body)
    root = ROOT_ELEMENT.search(text)
    return root is not None and f"</{root['name']}" in text[root.end() :]


def _markup(body: bytes) -> str:
    """The document as text good enough to find markup in (UTF-16/32 and EBCDIC included)."""
    encoding = next((name for mark, name in SIGNATURES if body.startswith(mark)), "latin-1")
    return body.decode(encoding, errors="replace")


def _not_a_feed(body: bytes) -> str:
    if not body.strip():
        return "not an RSS or Atom feed: the response is empty"
    root = ROOT_ELEMENT.search(_markup(body[:65536]))
    name = root["name"].lower() if root else "?"
    if name == "html":
        return "not an RSS or Atom feed: the server sent an HTML page"
    return f"not an RSS or Atom feed: the document's root element is <{name}>"


def _record(entry: Any) -> Extracted:
    fields = {name: value for name, value in entry.items() if not name.endswith("_parsed")}
    link = fields.get("link") or None
    key = fields.get("id") or link or content_key(fields.get("title"), fields.get("summary"))
    return Extracted(key=key, fmt="json", payload=json_text(fields), url=link)


def claims(document: Document) -> Claim | None:
    """An RSS or Atom document: its root element is ``rss``, ``rdf:RDF`` or ``feed``."""
    root = ROOT_ELEMENT.search(document.text[:4096])
    return Claim() if root and root["name"].lower() in FEED_ROOTS else None
