"""The `toubiz` source kind: the toubiz event API (Open-Data-Pool Baden-Württemberg), page by page.

The query asks for the events in the source's bounding box (``bbox``, by default its region's)
on the dates of the feed window, 100 a page; the extractor names the pages up to ``lastPage``.
Every request carries ``Authorization: Bearer <token>``, the token read from the environment
variable the source's ``token_env`` names: it is a secret, so it stands in no sources file,
and no message, log line or record holds it. Without the variable the crawl fails naming it;
a 401 or 403 fails it as "token refused".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from twisted.python.failure import Failure
from w3lib.url import add_or_replace_parameters

from aggregator.kinds.toubiz import Box, parse_bbox
from aggregator.normalize.context import feed_window
from aggregator.regions.region import region_named
from aggregator.states import CrawlStatus
from crawlers.spiders.base import failed_request
from crawlers.spiders.paged import PagedSpider

PAGE_SIZE = 100
REFUSED = (401, 403)


def event_query(box: Box, now: datetime) -> dict[str, str]:
    """The query of the first page: the box's south-west and north-east corners, the feed
    window's days, the page size."""
    south, west, north, east = box
    first, last = feed_window(now)
    return {
        "filter[rectangleArea][0][lat]": f"{south:g}",
        "filter[rectangleArea][0][lng]": f"{west:g}",
        "filter[rectangleArea][1][lat]": f"{north:g}",
        "filter[rectangleArea][1][lng]": f"{east:g}",
        "filter[date][after]": first.date().isoformat(),
        "filter[date][before]": last.date().isoformat(),
        "pagination[pageSize]": str(PAGE_SIZE),
        "pagination[page]": "1",
    }


class ToubizSpider(PagedSpider):
    name = "toubiz"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.began = datetime.now(UTC)  # the feed window of the whole crawl is counted from it
        super().__init__(*args, **kwargs)

    def start_url(self) -> str:
        given = self.config.option("bbox")
        box = parse_bbox(given) if given else region_named(self.config.region).bbox
        return add_or_replace_parameters(self.config.url, event_query(box, self.began))

    def start_requests(self) -> Iterator[scrapy.Request]:
        """The first page, unless the token's variable is not set: then the crawl fails."""
        if not self._token():
            variable = self.config.option("token_env")
            self.result.status, self.result.complete = CrawlStatus.FAILED, False
            self.result.error = (
                f"the environment variable {variable} is not set: the toubiz API needs the "
                "Bearer token TMBW issued (token_env names the variable)"
            )
            return
        yield from super().start_requests()

    def request(self, url: str, callback: Any, *, first: bool = False, **kwargs: Any) -> Any:
        headers = {
            **kwargs.pop("headers", {}),
            "Authorization": f"Bearer {self._token()}",
            "Accept": "application/json",
        }
        return super().request(url, callback, first=first, headers=headers, **kwargs)

    def failed(self, failure: Failure) -> None:
        """As for every source; a 401 or 403 is the token refused, on whichever page."""
        response = getattr(failure.value, "response", None)
        if response is None or response.status not in REFUSED:
            super().failed(failure)
            return
        variable = self.config.option("token_env")
        message = f"HTTP {response.status}: token refused (the token in {variable})"
        request = failed_request(failure)
        self.fail_page(request.url, message, first=bool(request.meta.get("first")))

    def _token(self) -> str:
        return os.environ.get(self.config.option("token_env"), "").strip()
