"""Downloader middlewares that make crawling polite and its failures plain.

- ``PoliteRetryMiddleware`` replaces Scrapy's RetryMiddleware: it retries 429/5xx responses and
  network errors like Scrapy does, but waits first — as long as the server's ``Retry-After``
  asks (seconds or an HTTP date), else with exponential backoff — without blocking the reactor
  (other hosts go on downloading). A server asking for more than ``RETRY_AFTER_MAX`` seconds is
  not retried in this crawl: the request fails with a message saying so.
- ``ResponseSizeMiddleware`` turns Scrapy's cancelled download of a response over
  ``DOWNLOAD_MAXSIZE`` into a failure that names the size and the cap.
- ``SizedDecompressionMiddleware`` is Scrapy's gzip/deflate/brotli decompression, whose refusal
  of a body that inflates past ``DOWNLOAD_MAXSIZE`` (a compression bomb) says so in those words.
- ``DeclaredEncodingMiddleware`` gives a text response the charset it declares, found by our own
  prescan (crawlers/extract/decode.py), before Scrapy's meta-refresh redirect reads its text:
  w3lib 2.6's scan of the body panics on a body cut off inside a ``<meta`` tag.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import CancelledError
from twisted.internet.task import deferLater

from crawlers.extract.decode import body_declared_charset, declared_charset

DEFAULT_RETRY_AFTER_MAX = 120.0
DEFAULT_BACKOFF_BASE = 1.0
DEFAULT_BACKOFF_MAX = 60.0


class RetryAfterTooLong(Exception):
    """The server asked us to come back later than we are willing to wait within one crawl."""


class ResponseTooLarge(Exception):
    """A response bigger than the configured cap (DOWNLOAD_MAXSIZE)."""


def retry_after_seconds(value: str | None, *, date: str | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (RFC 9110 §10.2.3), or None if unreadable.

    An HTTP date is measured against the response's own ``Date`` header when it has one (so a
    skewed clock on either side does not matter), else against ``now``.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    until = _http_date(value)
    if until is None:
        return None
    sent = _http_date(date) if date else None
    return max(0.0, (until - (sent or now)).total_seconds())


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def backoff_seconds(attempt: int, *, base: float, cap: float) -> float:
    """Exponential backoff before retry number ``attempt`` (1, 2, 3 …): base, 2·base, 4·base …"""
    return min(cap, base * 2 ** max(0, attempt - 1))


class PoliteRetryMiddleware:
    """Scrapy's retries, with a non-blocking wait before each one (see the module docstring).
    Scrapy's RetryMiddleware decides what to retry and counts the attempts; this waits."""

    def __init__(self, retry: RetryMiddleware, settings: BaseSettings) -> None:
        self.retry = retry
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", DEFAULT_RETRY_AFTER_MAX)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", DEFAULT_BACKOFF_BASE)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", DEFAULT_BACKOFF_MAX)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRetryMiddleware:
        return cls(RetryMiddleware.from_crawler(crawler), crawler.settings)

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if (
            request.meta.get("dont_retry", False)
            or response.status not in self.retry.retry_http_codes
        ):
            return response
        asked = retry_after_seconds(
            _header(response, "Retry-After"), date=_header(response, "Date"), now=_utc_now()
        )
        if asked is not None and asked > self.retry_after_max:
            raise RetryAfterTooLong(
                f"HTTP {response.status}: the server asks to wait {asked:.0f} s (Retry-After), "
                f"longer than the {self.retry_after_max:.0f} s a crawl waits; tried again next pass"
            )
        retry = self.retry.process_response(request, response)
        if not isinstance(retry, Request):
            return retry  # retries used up: the response as it came
        await _pause(asked if asked is not None else self._backoff(retry))
        return retry

    async def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        retry = self.retry.process_exception(request, exception)
        if isinstance(retry, Request):
            await _pause(self._backoff(retry))
        return retry

    def _backoff(self, retry: Request) -> float:
        return backoff_seconds(
            retry.meta.get("retry_times", 1), base=self.backoff_base, cap=self.backoff_max
        )


class ResponseSizeMiddleware:
    """Names the size when Scrapy cancels a download for exceeding DOWNLOAD_MAXSIZE."""

    SIZE = re.compile(r"receive(?:d)? (?P<size>\d+) bytes", re.IGNORECASE)

    def __init__(self, maxsize: int):
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler: Any) -> ResponseSizeMiddleware:
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, DownloadCancelledError | CancelledError):
            return None
        cap = request.meta.get("download_maxsize", self.maxsize)
        found = self.SIZE.search(str(exception))
        size = f"{int(found['size']):,} bytes, over" if found else "stopped at"
        raise ResponseTooLarge(
            f"response too large: {size} the cap of {cap:,} bytes (DOWNLOAD_MAXSIZE)"
        ) from exception


class DeclaredEncodingMiddleware:
    """A text response without a charset in its Content-Type gets the one its body declares
    (UTF-8 when none), so that Scrapy never scans the body for it."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if declared_charset(content_type):
            return response
        # not response.replace(): it reads every attribute first, the encoding too
        kept = {name: getattr(response, name) for name in response.attributes if name != "encoding"}
        return type(response)(**kept, encoding=body_declared_charset(response.body) or "utf-8")


class SizedDecompressionMiddleware(HttpCompressionMiddleware):
    """Decompresses like Scrapy; a body inflating past the cap fails with ResponseTooLarge."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as refusal:  # raised only when decompression passes the cap
            cap = request.meta.get("download_maxsize", self._max_size)
            raise ResponseTooLarge(
                f"response too large: {len(response.body):,} compressed bytes inflate past the "
                f"cap of {cap:,} bytes (DOWNLOAD_MAXSIZE), a compression bomb; not read"
            ) from refusal


async def _pause(seconds: float) -> None:
    """Wait without blocking the reactor: other requests go on meanwhile."""
    from twisted.internet import reactor  # the one the crawl installed; importing installs one

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _utc_now() -> datetime:
    return datetime.now(UTC)
