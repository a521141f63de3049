"""Feed responses rendered once per change: cached bytes, ETag, Last-Modified, 304 answers,
CORS for apps (RFC 9110 §8.8 validators, §13 conditional requests; the Fetch standard's CORS).

Each rendering is compressed once (gzip, level 6, no timestamp: the same bytes give the same
gzip) and goes out gzip-encoded only to a request whose Accept-Encoding names gzip (some
Outlook versions fail on gzip-encoded calendars, and send none), else as it is; every answer
says ``Vary: Accept-Encoding``, and each representation has its own ETag (the gzip one ends in
``-gz"``). ``no-transform`` keeps proxies from recompressing. There is no other content
negotiation: a request without Accept (Google sends none) gets the feed like any other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feeds.publish import gzipped

MEDIA_TYPES = {
    "ics": "text/calendar; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
CACHE_CONTROL = "public, max-age=900, no-transform"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Encoding",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since, Cache-Control",
    "Vary": "Accept-Encoding",
    "Access-Control-Max-Age": "86400",
    "Allow": "GET, HEAD, OPTIONS",
}
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    last_modified: datetime
    gzip_body: bytes = b""

    @property
    def gzip_etag(self) -> str:
        return self.etag[:-1] + '-gz"'

    @classmethod
    def of(cls, body: bytes, last_modified: datetime) -> Rendered:
        return cls(body, etag_of(body), last_modified, gzipped(body))


def etag_of(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


class RenderCache:
    """The last rendering of each feed, kept while the store's version stays the same.

    Last-Modified is when the bytes last changed: the data's last change for a first rendering,
    the server's clock when a new version renders to new bytes, unchanged when it renders to the
    same bytes (the feed window moves daily, mostly without changing a feed). ``renders``
    counts the renderings done.
    """

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self.renders = 0
        self._entries: dict[Hashable, tuple[Hashable, Rendered]] = {}

    def get(
        self,
        key: Hashable,
        version: Hashable,
        render: Callable[[], tuple[bytes, datetime]],
        *,
        now: datetime,
    ) -> Rendered:
        """The cached rendering of ``key`` at ``version``; ``render`` gives bytes and the time
        of the data's last change, and is called only when the version changed."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        body, changed_at = render()
        self.renders += 1
        etag = etag_of(body)
        if entry is not None and entry[1].etag == etag:
            rendered = entry[1]  # the same bytes: the same validators, compressed already
        else:
            modified = changed_at if entry is None else max(changed_at, now)
            rendered = Rendered(body, etag, modified, gzipped(body))
        if key not in self._entries and len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (version, rendered)
        return rendered


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether Accept-Encoding names gzip (or x-gzip) with a weight above 0; "*" does not
    count (docs/design.md: only send gzip to a client that asks for it)."""
    if not accept_encoding:
        return False
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip"):
            continue
        weight = params.strip().lower()
        if weight.startswith("q="):
            try:
                return float(weight[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def feed_response(request: Request, rendered: Rendered, kind: str) -> Response:
    """200 with the cached bytes (gzip-encoded where asked for), or 304 when the request's
    validators match the chosen representation (RFC 9110 §15.4.5)."""
    use_gzip = bool(rendered.gzip_body) and accepts_gzip(request.headers.get("accept-encoding"))
    etag = rendered.gzip_etag if use_gzip else rendered.etag
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(rendered.last_modified.astimezone(UTC), usegmt=True),
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding",
        **CORS,
    }
    if _not_modified(request, rendered, etag):
        return Response(status_code=304, headers=headers)
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
        return Response(rendered.gzip_body, media_type=MEDIA_TYPES[kind], headers=headers)
    return Response(rendered.body, media_type=MEDIA_TYPES[kind], headers=headers)


def _not_modified(request: Request, rendered: Rendered, etag: str) -> bool:
    """If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3); weak comparison."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return rendered.last_modified.replace(microsecond=0) <= since
    return False


def feed_route(path: str, endpoint: Endpoint) -> Route:
    """A GET/HEAD route that also answers CORS preflight (OPTIONS) for apps in browsers."""

    async def answer(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=PREFLIGHT)
        return await endpoint(request)

    return Route(path, answer, methods=["GET", "HEAD", "OPTIONS"])
