"""What every source spider shares: the source's config, conditional GET, failure bookkeeping.

A spider yields RawRecord and Problem items; the pipeline collects them into ``self.result``.
The first request failing fails the crawl; a later page failing makes it incomplete (then the
aggregator marks nothing gone).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.encoding import html_body_declared_encoding

from aggregator.crawl_result import CrawlResult, Problem, RawRecord
from aggregator.sources import SourceConfig
from aggregator.states import CrawlStatus
from crawlers.extract.decode import declared_charset, decode_body


class SourceSpider(scrapy.Spider):
    kind: ClassVar[str] = ""
    conditional: ClassVar[bool] = True  # one document per source: ETag/Last-Modified/hash apply

    def __init__(self, source: dict[str, Any], state: dict[str, Any] | None = None, **kwargs: Any):
        self.config = SourceConfig.from_dict(source)
        super().__init__(name=f"{self.kind}:{self.config.id}", **kwargs)
        self.state = state or {}
        self.result = CrawlResult(source_id=self.config.id)

    # navigation -------------------------------------------------------------------------------
    async def start(self) -> Any:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        headers = {}
        if self.conditional and self.state.get("etag"):
            headers["If-None-Match"] = self.state["etag"]
        if self.conditional and self.state.get("last_modified"):
            headers["If-Modified-Since"] = self.state["last_modified"]
        yield self.request(self.start_url(), self.parse_start, headers=headers, first=True)

    def start_url(self) -> str:
        return self.config.url

    def request(self, url: str, callback: Any, *, first: bool = False, **kwargs: Any) -> Any:
        meta = {**kwargs.pop("meta", {}), "first": first, "handle_httpstatus_list": [304]}
        return scrapy.Request(
            url, callback=callback, errback=self.failed, meta=meta, dont_filter=first, **kwargs
        )

    def parse_start(self, response: Response) -> Iterator[Any]:
        self.result.pages += 1
        if response.status == 304:
            self.result.status = CrawlStatus.UNCHANGED
            self._keep_validators(response)
            return
        self._keep_validators(response)
        if self.conditional:
            digest = hashlib.sha256(response.body).hexdigest()
            self.result.http["body_hash"] = digest
            if digest == self.state.get("body_hash"):
                self.result.status = CrawlStatus.UNCHANGED
                return
        yield from self.parse_document(response)

    def parse_document(self, response: Response) -> Iterator[Any]:
        raise NotImplementedError

    def failed(self, failure: Failure) -> None:
        request = failure.request
        self.fail_page(request.url, _failure_message(failure), first=request.meta.get("first"))

    def fail_page(self, url: str, message: str, *, first: bool) -> None:
        """A page that could not be had or read: the crawl fails on the first page, else it is
        incomplete (then nothing is marked gone) with the page named as a problem."""
        self.result.complete = False
        if first:
            self.result.status = CrawlStatus.FAILED
            self.result.error = f"{url}: {message}"
        else:
            self.result.problems.append(Problem(url, message))

    # extraction helpers -----------------------------------------------------------------------
    def text_of(self, response: Response) -> str:
        """The body as text (crawlers.extract.decode); a wrong or missing charset is a problem.
        The declared charset: the Content-Type header's, else the document's own (meta, XML)."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        charset = declared_charset(content_type) or html_body_declared_encoding(response.body)
        text, note = decode_body(response.body, charset)
        if note:
            self.result.problems.append(Problem(response.url, note))
        return text

    def record(self, key: str, fmt: str, payload: str, url: str | None) -> RawRecord:
        return RawRecord(key=key, fmt=fmt, payload=payload, url=url, fetched_at=datetime.now(UTC))

    def _keep_validators(self, response: Response) -> None:
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        self.result.http["etag"] = etag.decode("latin-1") if etag else self.state.get("etag")
        self.result.http["last_modified"] = (
            modified.decode("latin-1") if modified else self.state.get("last_modified")
        )
        if response.status == 304:
            self.result.http["body_hash"] = self.state.get("body_hash")


def _failure_message(failure: Failure) -> str:
    """What went wrong, and the redirects that led there (a loop shows as the same URLs)."""
    response = getattr(failure.value, "response", None)
    if response is not None:
        message = f"HTTP {response.status}"
    else:
        message = f"{failure.type.__name__}: {failure.getErrorMessage()}"
    hops = failure.request.meta.get("redirect_urls", [])
    if hops:
        message += f" (redirected: {' → '.join([*hops, failure.request.url])})"
    return message
