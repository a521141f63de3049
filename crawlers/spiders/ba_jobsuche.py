"""The `ba-jobsuche` source kind: apprenticeships (``angebotsart=4``) from the Jobsuche API.

Every request carries the API key header the public web app uses; without it the API answers
403. Pages of the most offers the API serves at once are read from page 1 until an answer has
no offer list or nothing new, or the API's limit of ``page × size`` is reached (the extractor
says which). A 429 is retried (after its Retry-After where the retry middleware honours it); a
403, a 400 (parameters beyond the API's limits), a lasting 429 or a 404 on the first page (the
endpoint withdrawn, as v4 was in 2026) fails the crawl with a message saying what to check.
"""

from __future__ import annotations

import re
from typing import Any

import scrapy
from twisted.python.failure import Failure
from w3lib.url import add_or_replace_parameters

from aggregator.crawl_result import Problem
from aggregator.kinds.ba_jobsuche import MAX_OFFERS, MAX_PAGE_SIZE
from crawlers.spiders.base import failed_request
from crawlers.spiders.numbered_pages import NumberedPagesSpider

API_KEY_HEADER, API_KEY = "X-API-Key", "jobboerse-jobsuche"
APPRENTICESHIPS = "4"  # angebotsart: Ausbildung / duales Studium
VERSION = re.compile(r"/pc/(v\d+)/")
STATUS_HINTS = {
    400: (
        "the Jobsuche API refused the query ({code}): it takes size ≤ "
        f"{MAX_PAGE_SIZE} and page × size ≤ {MAX_OFFERS}"
    ),
    403: f"the Jobsuche API refused the request: is the {API_KEY_HEADER} header still '{API_KEY}'?",
    404: (
        "the Jobsuche API has no such endpoint: {version} was probably withdrawn (v4 was in "
        "2026); point 'url' at the current version (docs/sources.md)"
    ),
    429: "the Jobsuche API still limits our requests after retrying; tried again next pass",
}
REFUSED_INPUT = "EINGABEPARAMETER_FEHLERHAFT"


class BaJobsucheSpider(NumberedPagesSpider):
    name = "ba-jobsuche"

    def start_url(self) -> str:
        query = {
            "angebotsart": APPRENTICESHIPS,
            "wo": str(self.config.option("where")),
            "umkreis": str(self.config.option("radius_km")),
            "page": "1",
            "size": str(MAX_PAGE_SIZE),
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
        if response is None or response.status not in STATUS_HINTS:
            return
        request: scrapy.Request = failed_request(failure)
        first = bool(request.meta.get("first"))
        if response.status == 404 and not first:
            return  # a page of a listing that shrank meanwhile, not a withdrawn endpoint
        hint = STATUS_HINTS[response.status].format(
            version=_version(request.url), code=_code(response.body)
        )
        if first:
            self.result.error = f"{self.result.error} – {hint}"
        else:
            last = self.result.problems[-1]
            self.result.problems[-1] = Problem(last.where, f"{last.message} – {hint}")


def _version(url: str) -> str:
    """The API version a URL asks for ("v6" of …/pc/v6/jobs), else the URL itself."""
    found = VERSION.search(url)
    return f"version {found[1]}" if found else f"the endpoint {url}"


def _code(body: bytes) -> str:
    """The error code the API names in a 400's body, as far as it says."""
    return REFUSED_INPUT if REFUSED_INPUT.encode() in body else "HTTP 400"
