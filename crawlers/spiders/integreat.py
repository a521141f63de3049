"""The `integreat` source kind: Integreat CMS API v3 events, one record per event.

The spider always asks for the combined form (``combine_recurring``, added to whatever URL the
sources file gives): without it the CMS expands a series only 31 days ahead. Where the events
are offered in other languages of the pages (``available_languages``), it then reads those
languages' answers (the URL's language segment replaced), one after the other, and stores each
event's translations beside it (crawlers/extract/integreat.py). A language that cannot be had
or read is a problem, not an incomplete crawl: the events themselves are all there, and their
listings keep the translations they had into it.

Whether anything changed is decided over all the answers read (their digests), so an edited
translation is noticed though the German answer stayed the same; for the same reason a source
with translations keeps no ETag or Last-Modified (a 304 for the German answer would stop there).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.url import add_or_replace_parameter, url_query_parameter

from aggregator.crawl_result import Problem
from aggregator.states import CrawlStatus
from crawlers.extract.integreat import (
    Items,
    offered_languages,
    read_translations,
    with_translations,
)
from crawlers.extract.records import Extracted, Unreadable
from crawlers.spiders.base import failed_request
from crawlers.spiders.extracting import ExtractingSpider

COMBINE = "combine_recurring"
LANGUAGE_SEGMENT = re.compile(r"(?P<head>/api/v3/[^/]+/)(?P<language>[^/]+)(?P<tail>/events/?)$")


def combined(url: str) -> str:
    """The URL asking for the combined form; one that asks already is left as it is."""
    if url_query_parameter(url, COMBINE, keep_blank_values=1) is not None:
        return url
    return add_or_replace_parameter(url, COMBINE, "True")


def translation_urls(url: str, languages: list[str]) -> dict[str, str] | None:
    """The same answer in each of ``languages`` but the URL's own (the language segment of
    ``…/api/v3/{region}/{language}/events/`` replaced, the query kept); None for a URL not of
    that form."""
    head, mark, query = url.partition("?")
    found = LANGUAGE_SEGMENT.search(head)
    if found is None:
        return None
    return {
        language: f"{head[: found.start()]}{found['head']}{language}{found['tail']}{mark}{query}"
        for language in languages
        if language != found["language"]
    }


@dataclass
class Reading:
    """One crawl's events while their translations are read: what is left to ask."""

    records: list[Extracted]
    pending: list[tuple[str, str]]  # (language, URL) still to read
    answers: dict[str, dict[str, Items]] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)  # languages whose answer was not had
    digests: list[str] = field(default_factory=list)


class IntegreatSpider(ExtractingSpider):
    name = "integreat"

    def start_url(self) -> str:
        return combined(self.config.url)

    def parse_document(self, response: Response) -> Iterator[Any]:
        extraction = self.read_or_refuse(response)
        if extraction is None:
            return
        yield from extraction.problems
        offered = offered_languages(extraction.records)
        urls = translation_urls(response.url, offered) if offered else {}
        if urls is None:
            where = "…/api/v3/{region}/{language}/events/"
            yield Problem(
                response.url, f"translations not read: the URL is not of the form {where}"
            )
            urls = {}
        digest = _digest(response.body)
        yield from self._next(Reading(extraction.records, list(urls.items()), digests=[digest]))

    def parse_translation(self, response: Response) -> Iterator[Any]:
        reading: Reading = response.meta["reading"]
        language: str = response.meta["language"]
        self.result.pages += 1
        try:
            reading.answers[language] = read_translations(self.document(response))
            reading.digests.append(_digest(response.body))
        except Unreadable as refusal:
            reading.unread.append(language)
            yield Problem(response.url, f"the events in '{language}' not read: {refusal}")
        yield from self._next(reading)

    def translation_failed(self, failure: Failure) -> Iterator[Any]:
        request = failed_request(failure)
        response = getattr(failure.value, "response", None)
        why = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        language = request.meta["language"]
        request.meta["reading"].unread.append(language)
        yield Problem(request.url, f"the events in '{language}' not had: {why}")
        yield from self._next(request.meta["reading"])

    def _next(self, reading: Reading) -> Iterator[Any]:
        """The next language's answer to read, or, when none is left, the records."""
        if not reading.pending:
            yield from self._finish(reading)
            return
        language, url = reading.pending.pop(0)
        meta = {"reading": reading, "language": language}
        request = self.request(url, self.parse_translation, meta=meta)
        yield request.replace(errback=self.translation_failed)

    def _finish(self, reading: Reading) -> Iterator[Any]:
        """The records with their translations, unless every answer is as last time."""
        if len(reading.digests) > 1:  # translations read: the German answer is not all
            digest = _digest(" ".join(reading.digests).encode())
            self.result.http.update(etag=None, last_modified=None, body_hash=digest)
            if digest == self.state.get("body_hash"):
                self.result.status = CrawlStatus.UNCHANGED
                return
        yield from self.fresh(with_translations(reading.records, reading.answers, reading.unread))


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
