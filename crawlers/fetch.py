"""A document fetched outside a crawl (``lotse sources try``), as politely as a crawl fetches:
the crawl's user agent, timeout and size cap, robots.txt, a pause between two requests to one
host, and crawlers/guard.py's check on the URL and on every redirect (``own_host``: the one
private host allowed, as a source's ``allow_private`` allows its own)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import IO
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from scrapy.exceptions import IgnoreRequest

from crawlers import settings
from crawlers.extract.document import Document
from crawlers.guard import refusal

REDIRECTS = (301, 302, 303, 307, 308)


class FetchFailed(Exception):
    """The document could not be had; the message says why (refused, unreachable, too big)."""


@dataclass(frozen=True)
class Fetched:
    """The answer: the document (its URL after redirects) and the HTTP status."""

    document: Document
    status: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by the Fetcher, each hop checked by the guard."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Fetcher:
    own_host: str | None = None
    pause: float = settings.DOWNLOAD_DELAY
    sleep: Callable[[float], None] = time.sleep
    _last: dict[str, float] = field(default_factory=dict, init=False)
    _robots: dict[str, RobotFileParser | None] = field(default_factory=dict, init=False)

    def get(self, url: str) -> Fetched:
        """The document at ``url``; FetchFailed when the guard or robots.txt refuse it, or it
        cannot be had. An HTTP error status is an answer, not a failure."""
        for _ in range(settings.REDIRECT_MAX_TIMES + 1):
            self._check(url)
            if not self._robots_allow(url):
                raise FetchFailed(f"{url}: robots.txt of {urlsplit(url).netloc} forbids it")
            status, headers, body = self._request(url)
            if status not in REDIRECTS or not headers.get("Location"):
                return Fetched(Document(url, body, headers.get("Content-Type")), status)
            url = urljoin(url, headers["Location"])
        raise FetchFailed(f"{url}: more than {settings.REDIRECT_MAX_TIMES} redirects")

    def _check(self, url: str) -> None:
        try:
            reason = refusal(url, own_host=self.own_host)
        except IgnoreRequest as error:  # the host does not resolve
            raise FetchFailed(str(error)) from None
        if reason:
            raise FetchFailed(f"refused: {reason}")

    def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        if site not in self._robots:
            self._robots[site] = self._read_robots(f"{site}/robots.txt")
        robots = self._robots[site]
        return robots is None or robots.can_fetch(settings.USER_AGENT, url)

    def _read_robots(self, url: str) -> RobotFileParser | None:
        """The site's rules; None (everything allowed) where it has no readable robots.txt."""
        try:
            status, _, body = self._request(url)
        except FetchFailed:
            return None
        if status != 200:
            return None
        robots = RobotFileParser(url)
        robots.parse(body.decode("utf-8", "replace").splitlines())
        return robots

    def _request(self, url: str) -> tuple[int, Message, bytes]:
        self._wait_turn(urlsplit(url).netloc)
        request = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=settings.DOWNLOAD_TIMEOUT) as response:
                return response.status, response.headers, _capped(response, url)
        except urllib.error.HTTPError as error:
            return error.code, error.headers, _capped(error, url)
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise FetchFailed(f"{url}: cannot be fetched: {reason}") from error

    def _wait_turn(self, host: str) -> None:
        since = time.monotonic() - self._last.get(host, float("-inf"))
        if since < self.pause:
            self.sleep(self.pause - since)
        self._last[host] = time.monotonic()


def _capped(response: IO[bytes], url: str) -> bytes:
    body = response.read(settings.DOWNLOAD_MAXSIZE + 1)
    if len(body) > settings.DOWNLOAD_MAXSIZE:
        raise FetchFailed(f"{url}: larger than the cap of {settings.DOWNLOAD_MAXSIZE:,} bytes")
    return body
