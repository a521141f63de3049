"""The paged JSON API of events (/api/events) and its OpenAPI description.

/api/apprenticeships lives in web/apprenticeship_routes.py (search by distance, trade, year)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aggregator.events.queries import EventFilter, event_page, events_changed
from aggregator.regions.active import using_region
from aggregator.regions.region import DEFAULT_REGION, region_by_slug
from feeds.catalog import F, UnknownRegion
from feeds.json_feed import PageInfo, event_entry, render_page
from web.context import AppContext
from web.feed_routes import catalog_of
from web.http_cache import Endpoint, Rendered, feed_response, feed_route
from web.openapi import openapi
from web.query_params import BadQuery, Paging, event_filter, paging

Entries = tuple[int, list[dict[str, Any]]]  # the total, the entries of the page


def page_info(request: Request, at: Paging, total: int) -> PageInfo:
    """The page's place in the list, with the URLs of its neighbours (same filters)."""

    def link(page: int) -> str:
        return str(request.url.include_query_params(page=page, per_page=at.per_page))

    last = -(-total // at.per_page)
    return PageInfo(
        at.page,
        at.per_page,
        total,
        next=link(at.page + 1) if at.page < last else None,
        prev=link(min(at.page - 1, last)) if at.page > 1 and last else None,
    )


def _events(session: Session, where: EventFilter, at: Paging, now: datetime) -> Entries:
    found = event_page(session, now=now, where=where, offset=at.offset, limit=at.per_page)
    return found.total, [event_entry(event) for event in found.items]


def routes(app: AppContext) -> list[Route]:
    catalog = catalog_of(app)
    description = Rendered.of(json.dumps(openapi(), indent=1).encode(), app.clock())

    def paged(
        key: str,
        read_filter: Callable[[QueryParams], F],
        fetch: Callable[[Session, F, Paging, datetime], Entries],
    ) -> Endpoint:
        """A paged listing: filters and paging from the query, rendered once per change."""

        async def endpoint(request: Request) -> Response:
            try:
                where, at = read_filter(request.query_params), paging(request.query_params)
            except BadQuery as error:
                return error.response()
            version = app.version()
            try:
                where = catalog(version).in_region(where, request.query_params.get("region"))
            except UnknownRegion as error:
                return BadQuery(str(error)).response()

            def render() -> tuple[bytes, datetime]:
                region = region_by_slug(where.region or DEFAULT_REGION)
                with app.store.transaction() as session, using_region(region):
                    now = app.clock()
                    total, entries = fetch(session, where, at, now)
                    changed = events_changed(session) or now
                    info = page_info(request, at, total)
                    return render_page(key, entries, info=info, generated_at=changed), changed

            rendered = app.cache.get((key, str(request.url)), version, render, now=app.clock())
            return feed_response(request, rendered, "json")

        return endpoint

    async def openapi_json(request: Request) -> Response:
        return feed_response(request, description, "json")

    return [
        feed_route("/api/events", paged("events", event_filter, _events)),
        feed_route("/openapi.json", openapi_json),
    ]
