"""Feed responses rendered once per change: cached bytes, ETag, Last-Modified, 304 answers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

MEDIA_TYPES = {"ics": "text/calendar; charset=utf-8", "json": "application/json; charset=utf-8"}
CACHE_CONTROL = "public, max-age=900"


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    last_modified: datetime

    @classmethod
    def of(cls, body: bytes, last_modified: datetime) -> Rendered:
        return cls(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', last_modified)


class RenderCache:
    """Keeps the last rendering per key while the store's version stays the same."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: dict[tuple[object, ...], Rendered] = {}

    def get(self, key: tuple[object, ...], render: Callable[[], Rendered]) -> Rendered:
        rendered = self._entries.get(key)
        if rendered is None:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            rendered = self._entries[key] = render()
        return rendered


def feed_response(request: Request, rendered: Rendered, kind: str) -> Response:
    headers = {
        "ETag": rendered.etag,
        "Last-Modified": format_datetime(rendered.last_modified.astimezone(UTC), usegmt=True),
        "Cache-Control": CACHE_CONTROL,
        "Access-Control-Allow-Origin": "*",
    }
    if _not_modified(request, rendered):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, media_type=MEDIA_TYPES[kind], headers=headers)


def _not_modified(request: Request, rendered: Rendered) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return rendered.etag in tags or "*" in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return rendered.last_modified.replace(microsecond=0) <= since
    return False
