"""The `ba-jobsuche` source kind: apprenticeships (``angebotsart=4``) from the Jobsuche API.

Every request carries the API key header the public web app uses; without it the API answers
403. Pages of ``PAGE_SIZE`` offers are read from page 1 until an answer has no
``stellenangebote`` or nothing new. A 429 is retried (after its Retry-After where the retry
middleware honours it); a 403 or a lasting 429 fails the crawl with a message saying what to
check.
"""

from __future__ import annotations

from typing import Any

import scrapy
from twisted.python.failure import Failure
from w3lib.url import add_or_replace_parameters

from aggregator.crawl_result import Problem
from crawlers.spiders.base import failed_request
from crawlers.spiders.numbered_pages import NumberedPagesSpider

API_KEY_HEADER, API_KEY = "X-API-Key", "jobboerse-jobsuche"
APPRENTICESHIPS = "4"  # angebotsart: Ausbildung / duales Studium
PAGE_SIZE = 50
STATUS_HINTS = {
    403: f"the Jobsuche API refused the request: is the {API_KEY_HEADER} header still '{API_KEY}'?",
    429: "the Jobsuche API still limits our requests after retrying; tried again next pass",
}


class BaJobsucheSpider(NumberedPagesSpider):
    name = "ba-jobsuche"

    def start_url(self) -> str:
        query = {
            "angebotsart": APPRENTICESHIPS,
            "wo": str(self.config.option("where")),
            "umkreis": str(self.config.option("radius_km")),
            "page": "1",
            "size": str(PAGE_SIZE),
        }
        return add_or_replace_parameters(self.config.url, query)

    def request(self, url: str, callback: Any, *, first: bool = False, **kwargs: Any) -> Any:
        headers = {
            **kwargs.pop("headers", {}),
            API_KEY_HEADER: API_KEY,
            "Accept": "application/json",
        }
        return super().request(url, callback, first=first, headers=headers, **kwargs)

    def failed(self, failure: Failure) -> None:
        """As for every source, with a hint for the answers this API is known to give."""
        super().failed(failure)
        response = getattr(failure.value, "response", None)
        hint = STATUS_HINTS.get(response.status) if response is not None else None
        if hint is None:
            return
        request: scrapy.Request = failed_request(failure)
        if request.meta.get("first"):
            self.result.error = f"{self.result.error} – {hint}"
        else:
            last = self.result.problems[-1]
            self.result.problems[-1] = Problem(last.where, f"{last.message} – {hint}")
