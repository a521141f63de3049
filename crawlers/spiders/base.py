"""What every source spider shares: the source's config, conditional GET, failure bookkeeping.

A spider's Scrapy ``name`` is its kind's; it crawls one source, given as a dict (crawlers/crawl.py)
or, with ``scrapy crawl <kind> -a source=<id>``, as the id of a source in the sources file
(``LOTSE_SOURCES``, else ``sources.toml`` in the working directory). A spider yields RawRecord
and Problem items; the pipeline collects them into ``self.result``. The first request failing
fails the crawl; a later page failing makes it incomplete (then the aggregator marks nothing
gone).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from aggregator.crawl_result import CrawlResult, Problem
from aggregator.kinds import kind_named
from aggregator.sources import SourceConfig, load_sources
from aggregator.states import CrawlStatus


class SourceSpider(scrapy.Spider):
    conditional: ClassVar[bool] = True  # one document per source: ETag/Last-Modified/hash apply

    def __init__(
        self,
        source: Mapping[str, Any] | str,
        state: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.kind = kind_named(self.name)
        self.config = source_config(source, self.name)
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
        request = failed_request(failure)
        self.fail_page(
            request.url, _failure_message(failure), first=bool(request.meta.get("first"))
        )

    def fail_page(self, url: str, message: str, *, first: bool) -> None:
        """A page that could not be had or read: the crawl fails on the first page, else it is
        incomplete (then nothing is marked gone) with the page named as a problem."""
        self.result.complete = False
        if first:
            self.result.status = CrawlStatus.FAILED
            self.result.error = f"{url}: {message}"
        else:
            self.result.problems.append(Problem(url, message))

    def _keep_validators(self, response: Response) -> None:
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        self.result.http["etag"] = etag.decode("latin-1") if etag else self.state.get("etag")
        self.result.http["last_modified"] = (
            modified.decode("latin-1") if modified else self.state.get("last_modified")
        )
        if response.status == 304:
            self.result.http["body_hash"] = self.state.get("body_hash")


def failed_request(failure: Failure) -> scrapy.Request:
    """The request a failed download was for: Scrapy's errbacks get it on the Failure."""
    request = vars(failure).get("request")
    if not isinstance(request, scrapy.Request):
        raise TypeError(f"a download failure without its request: {failure!r}")
    return request


def _failure_message(failure: Failure) -> str:
    """What went wrong, and the redirects that led there (a loop shows as the same URLs)."""
    response = getattr(failure.value, "response", None)
    if response is not None:
        message = f"HTTP {response.status}"
    else:
        message = f"{failure.type.__name__}: {failure.getErrorMessage()}"
    hops = failed_request(failure).meta.get("redirect_urls", [])
    if hops:
        message += f" (redirected: {' → '.join([*hops, failed_request(failure).url])})"
    return message


def source_config(source: Mapping[str, Any] | str, kind: str) -> SourceConfig:
    """The source to crawl: a dict as SourceConfig.to_dict writes it, or the id of a source of
    this kind in the sources file (``LOTSE_SOURCES``, else ``sources.toml``)."""
    if not isinstance(source, str):
        return SourceConfig.from_dict(source)
    path = os.environ.get("LOTSE_SOURCES") or "sources.toml"
    found = {config.id: config for config in load_sources(path)}
    if source not in found:
        raise ValueError(f"{path}: no source '{source}'; known: {', '.join(found) or 'none'}")
    if found[source].kind != kind:
        raise ValueError(
            f"{path}: source '{source}' is of kind '{found[source].kind}', not '{kind}'"
        )
    return found[source]
