"""The paged JSON API (/api/events, /api/apprenticeships) and its OpenAPI description."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aggregator.queries import apprenticeship_page, event_page, last_change
from feeds.app_context import AppContext, Version
from feeds.feed_routes import catalog_of
from feeds.http_cache import Rendered, feed_response, feed_route
from feeds.json_feed import PageInfo, apprenticeship_entry, event_entry, render_page
from feeds.openapi import openapi
from feeds.query_params import BadQuery, Paging, apprenticeship_filter, event_filter, paging
from feeds.views import EventView

Render = Callable[[], tuple[bytes, datetime]]


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


def routes(app: AppContext) -> list[Route]:
    catalog = catalog_of(app)
    description = Rendered.of(json.dumps(openapi(), indent=1).encode(), app.clock())

    def cached(request: Request, key: str, version: Version, render: Render) -> Response:
        rendered = app.cache.get((key, str(request.url)), version, render, now=app.clock())
        return feed_response(request, rendered, "json")

    async def events(request: Request) -> Response:
        try:
            where, at = event_filter(request.query_params), paging(request.query_params)
        except BadQuery as error:
            return error.response()
        version = app.version()
        where = catalog(version).named(where)

        def render() -> tuple[bytes, datetime]:
            with app.store.transaction() as session:
                now = app.clock()
                found = event_page(
                    session, now=now, where=where, offset=at.offset, limit=at.per_page
                )
                entries = [event_entry(EventView.of(event)) for event in found.items]
                changed = last_change(session) or now
            info = page_info(request, at, found.total)
            return render_page("events", entries, info=info, generated_at=changed), changed

        return cached(request, "api/events", version, render)

    async def apprenticeships(request: Request) -> Response:
        try:
            where = apprenticeship_filter(request.query_params)
            at = paging(request.query_params)
        except BadQuery as error:
            return error.response()
        version = app.version()
        where = catalog(version).named(where)

        def render() -> tuple[bytes, datetime]:
            with app.store.transaction() as session:
                found = apprenticeship_page(
                    session, where=where, offset=at.offset, limit=at.per_page
                )
                entries = [apprenticeship_entry(item) for item in found.items]
                changed = last_change(session) or app.clock()
            info = page_info(request, at, found.total)
            body = render_page("apprenticeships", entries, info=info, generated_at=changed)
            return body, changed

        return cached(request, "api/apprenticeships", version, render)

    async def openapi_json(request: Request) -> Response:
        return feed_response(request, description, "json")

    return [
        feed_route("/api/events", events),
        feed_route("/api/apprenticeships", apprenticeships),
        feed_route("/openapi.json", openapi_json),
    ]
