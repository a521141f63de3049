"""The feeds of docs/contract.md §4 over HTTP, at the paths of the static files, with query filters.

Every feed renders once per change of the store and is served from the cached bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from aggregator.apprenticeships.queries import apprenticeships_changed, open_apprenticeships
from aggregator.events.queries import events_changed, published_events
from aggregator.regions.region import DEFAULT_REGION
from feeds.catalog import Catalog, UnknownRegion, narrowed
from feeds.publish import render_apprenticeship_feed, render_event_feed
from web.context import AppContext, Version
from web.http_cache import feed_response, feed_route
from web.query_params import BadQuery, apprenticeship_filter, event_filter

EVENT_FEED_PATHS = (
    "/events.ics",
    "/events-expanded.ics",
    "/events.json",
    "/events/{category}.ics",
    "/events/town/{town}.ics",
    "/events/source/{source}.ics",
    "/integreat/events.ics",
    "/integreat/{category}.ics",
)
REGION_PREFIX = "/{region}"  # another region's feeds: /<slug>/events.ics, … (the catalog's paths)


def catalog_of(app: AppContext) -> Callable[[Version], Catalog]:
    """The store's feed catalog, read once per version."""
    memo: dict[Version, Catalog] = {}

    def catalog(version: Version) -> Catalog:
        if version not in memo:
            with app.store.transaction() as session:
                memo.clear()
                memo[version] = Catalog.of(session)
        return memo[version]

    return catalog


def routes(app: AppContext) -> list[Route]:
    catalog = catalog_of(app)

    async def event_feed(request: Request) -> Response:
        version = app.version()
        known = catalog(version)
        spec = known.feeds.get(request.url.path.removeprefix("/"))
        if spec is None:
            return PlainTextResponse(f"no feed at {request.url.path}", status_code=404)
        try:
            extra = event_filter(request.query_params)
        except BadQuery as error:
            return error.response()
        spec = narrowed(spec, known.named(extra))
        if request.query_params.get("expand") in ("1", "true") and spec.profile != "json":
            spec = spec.expanded_form()

        def render() -> tuple[bytes, datetime]:
            with app.store.transaction() as session:
                now = app.clock()
                events = published_events(session, now=now, where=spec.where)
                changed = events_changed(session) or now
                body = render_event_feed(spec, events, changed)
            return body, changed

        rendered = app.cache.get(("feed", spec), version, render, now=app.clock())
        return feed_response(request, rendered, "json" if spec.profile == "json" else "ics")

    async def apprenticeships_json(request: Request) -> Response:
        version = app.version()
        try:
            where = apprenticeship_filter(request.query_params)
        except BadQuery as error:
            return error.response()
        try:
            where = catalog(version).in_region(where, request.path_params.get("region"))
        except UnknownRegion as error:
            return PlainTextResponse(str(error), status_code=404)

        def render() -> tuple[bytes, datetime]:
            with app.store.transaction() as session:
                changed = apprenticeships_changed(session) or app.clock()
                items = open_apprenticeships(session, where)
                region = where.region or DEFAULT_REGION
                body = render_apprenticeship_feed(items, region=region, generated_at=changed)
                return body, changed

        rendered = app.cache.get(("apprenticeships", where), version, render, now=app.clock())
        return feed_response(request, rendered, "json")

    return [
        *(feed_route(path, event_feed) for path in EVENT_FEED_PATHS),
        feed_route("/apprenticeships.json", apprenticeships_json),
        *(feed_route(REGION_PREFIX + path, event_feed) for path in EVENT_FEED_PATHS),
        feed_route(REGION_PREFIX + "/apprenticeships.json", apprenticeships_json),
    ]
