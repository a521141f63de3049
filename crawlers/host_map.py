"""Requests for a mapped host go to a local server instead, which answers as that host's proxy.

``LOTSE_HOST_MAP = {"demo.lotse.internal": "http://127.0.0.1:54321"}`` (a crawl setting): every
request for the host is sent through that server as an HTTP proxy (RFC 9112 §3.2.2: the request
line carries the absolute URL). The request and response keep the host's own URL, so what a crawl
stores never names the port the server happened to get. `make demo` serves its bundled source
files this way on a port the system picks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request


class HostMapMiddleware:
    """Downloader middleware, before Scrapy's HttpProxyMiddleware (which then uses the proxy)."""

    def __init__(self, hosts: dict[str, str]) -> None:
        self.hosts = {host.lower(): proxy for host, proxy in hosts.items()}

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostMapMiddleware:
        return cls(dict(crawler.settings.getdict("LOTSE_HOST_MAP")))

    def process_request(self, request: Request, spider: Any = None) -> None:
        proxy = self.hosts.get((urlsplit(request.url).hostname or "").lower())
        if proxy is not None:
            request.meta["proxy"] = proxy
