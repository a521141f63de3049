"""Listings paged by a ``page`` query parameter counted from 1 (Lehrstellen-Radar, Jobsuche).

The extractor names page n+1 while the kind says more may follow; the spider reads it only if
page n brought records not seen before in this crawl. So a listing ends at its first empty page,
and an endpoint that ignores ``page`` (a static copy) ends after its one page. PagedSpider caps
the number of pages.
"""

from __future__ import annotations

from collections.abc import Iterator

import scrapy

from crawlers.extract.records import Extraction
from crawlers.spiders.paged import PagedSpider


class NumberedPagesSpider(PagedSpider):
    """``start_url`` is page 1 of the source's search; the pages after it come from the
    extractor."""

    def follow(self, extraction: Extraction, *, fresh: bool) -> Iterator[scrapy.Request]:
        if fresh:
            yield from super().follow(extraction, fresh=fresh)
