"""Refuse requests to hosts a crawl has no business reaching (server-side request forgery).

Every request, redirects included (Scrapy sends a redirect back through the downloader
middlewares), must use http or https and resolve only to public addresses. A source marked
``allow_private = true`` may reach its own host (intranet sources, tests) and nothing else that
is private. Metadata endpoints (169.254.169.254 and friends) are link-local and always refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from aggregator.sources import is_public_address, literal_address

Resolver = Callable[[str], list[str]]


def resolve(host: str) -> list[str]:
    """Every address a host name resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise IgnoreRequest(f"host {host} does not resolve: {error.strerror}") from None
    return sorted({str(info[4][0]) for info in infos})


def refusal(url: str, *, own_host: str | None, resolver: Resolver = resolve) -> str | None:
    """Why a request to ``url`` is refused, or None when it may go out."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"{url}: only http and https are fetched"
    host = (parts.hostname or "").lower()
    if not host:
        return f"{url}: no host"
    if own_host is not None and host == own_host:
        return None
    for address in _addresses(host, resolver):
        if not is_public_address(ipaddress.ip_address(address)):
            return f"{url}: host {host} is {address}, a loopback, private or link-local address"
    return None


def _addresses(host: str, resolver: Resolver) -> list[str]:
    literal = literal_address(host)  # 2130706433 and 0177.0.0.1 are 127.0.0.1 too
    return [str(literal)] if literal is not None else resolver(host)


class PrivateHostGuard:
    """Downloader middleware applying ``refusal`` to every request of a source spider."""

    def __init__(self, resolver: Resolver = resolve) -> None:
        self.resolver = resolver
        self._cache: dict[str, list[str]] = {}

    def process_request(self, request: Any, spider: Any) -> None:
        config = getattr(spider, "config", None)
        if config is None:
            return
        own_host = urlsplit(config.url).hostname if config.allow_private else None
        reason = refusal(request.url, own_host=own_host, resolver=self._cached)
        if reason:
            raise IgnoreRequest(f"refused: {reason}")

    def _cached(self, host: str) -> list[str]:
        if host not in self._cache:
            self._cache[host] = self.resolver(host)
        return self._cache[host]
