"""GET /api/apprenticeships: the search for newcomers (aggregator.apprenticeships.search), a page
at a time, each apprenticeship with its ``distance_km`` from the postcode asked about.

Parameters: ``q``, ``town``, ``postcode``, ``km``, ``year``, ``sort`` (``distance`` or
``start``), ``page``, ``per_page``, and the feeds' ``source``, ``from`` and ``to``. Without
``postcode`` and ``sort`` the order is that of apprenticeships.json. The answer is the paged
envelope of /api/events (``page``, ``per_page``, ``total``, ``pages``, ``next``, ``prev``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aggregator.apprenticeships.queries import apprenticeships_changed
from aggregator.apprenticeships.search import (
    SORTS,
    ApprenticeshipSearch,
    Hit,
    SearchError,
    search_apprenticeships,
)
from feeds.json_feed import apprenticeship_entry, render_page
from web.api_routes import page_info
from web.context import AppContext
from web.http_cache import feed_response, feed_route
from web.query_params import BadQuery, apprenticeship_filter, paging

POSTCODE = re.compile(r"^[0-9]{5}$")
YEARS = range(2000, 2101)


def routes(app: AppContext) -> list[Route]:
    async def search(request: Request) -> Response:
        try:
            asked, at = search_of(request.query_params), paging(request.query_params)
        except BadQuery as error:
            return error.response()

        def render() -> tuple[bytes, datetime]:
            with app.store.transaction() as session:
                hits = search_apprenticeships(session, asked)
                entries = [entry(hit) for hit in hits[at.offset : at.offset + at.per_page]]
                changed = apprenticeships_changed(session) or app.clock()
            info = page_info(request, at, len(hits))
            return render_page("apprenticeships", entries, info=info, generated_at=changed), changed

        key = ("api/apprenticeships", str(request.url))
        try:
            rendered = app.cache.get(key, app.version(), render, now=app.clock())
        except SearchError as error:
            return BadQuery(str(error)).response()
        return feed_response(request, rendered, "json")

    return [feed_route("/api/apprenticeships", search)]


def entry(hit: Hit) -> dict[str, Any]:
    """An apprenticeship as apprenticeships.json has it, with its distance (km, 0.1 km)."""
    distance = None if hit.distance_km is None else round(hit.distance_km, 1)
    return {**apprenticeship_entry(hit.item), "distance_km": distance}


def search_of(params: QueryParams) -> ApprenticeshipSearch:
    """The search a query string asks for; BadQuery names a parameter it cannot read."""
    postcode = params.get("postcode") or None
    if postcode is not None and not POSTCODE.match(postcode):
        raise BadQuery(f"postcode={postcode!r} is not a German postcode of five digits")
    sort = params.get("sort") or None
    if sort is not None and sort not in SORTS:
        raise BadQuery(f"sort={sort!r} must be one of: {', '.join(SORTS)}")
    return ApprenticeshipSearch(
        where=apprenticeship_filter(params),
        postcode=postcode,
        km=_km(params.get("km")),
        year=_year(params.get("year")),
        sort=sort,
    )


def _km(value: str | None) -> float | None:
    if not value:
        return None
    try:
        km = float(value.replace(",", "."))
    except ValueError:
        raise BadQuery(f"km={value!r} is not a number of kilometres") from None
    if not 0 < km < 1000:
        raise BadQuery(f"km={value!r} must be more than 0 and less than 1000")
    return km


def _year(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) not in YEARS:
        raise BadQuery(f"year={value!r} is not a year like 2027")
    return int(value)
