"""The feeds of CONTRACT.md §4 with their query filters."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from aggregator.categories import CATEGORIES, CATEGORY_NAMES
from aggregator.queries import EventFilter, open_apprenticeships, published_events
from feeds.app_context import AppContext
from feeds.http_cache import Rendered, feed_response
from feeds.ical import render_calendar
from feeds.json_feed import render_apprenticeships, render_events
from feeds.publish import COUNTY
from feeds.views import EventView


class BadQuery(ValueError):
    """A query parameter that cannot be read; answered with 400 and the reason."""


def routes(app: AppContext) -> list[Route]:
    def events_feed(request: Request, fmt: str, category: str | None = None) -> Response:
        try:
            where = event_filter(request, category)
        except BadQuery as error:
            return PlainTextResponse(str(error), status_code=400)
        version = app.version()

        def render() -> Rendered:
            with app.store.transaction() as session:
                events = published_events(session, now=app.clock(), where=where)
                views = [EventView.of(event) for event in events]
            modified = app.last_modified(version)
            if fmt == "ics":
                return Rendered.of(render_calendar(views, name=calendar_name(where)), modified)
            return Rendered.of(render_events(views, generated_at=modified), modified)

        return feed_response(request, app.cache.get((fmt, where, version), render), fmt)

    async def events_ics(request: Request) -> Response:
        return events_feed(request, "ics")

    async def events_json(request: Request) -> Response:
        return events_feed(request, "json")

    async def category_ics(request: Request) -> Response:
        category = request.path_params["category"]
        if category not in CATEGORIES:
            return PlainTextResponse(f"unknown category {category!r}", status_code=404)
        return events_feed(request, "ics", category)

    async def apprenticeships_json(request: Request) -> Response:
        version = app.version()

        def render() -> Rendered:
            with app.store.transaction() as session:
                modified = app.last_modified(version)
                body = render_apprenticeships(open_apprenticeships(session), generated_at=modified)
                return Rendered.of(body, modified)

        return feed_response(request, app.cache.get(("apprenticeships", version), render), "json")

    return [
        Route("/events.ics", events_ics),
        Route("/events.json", events_json),
        Route("/events/{category}.ics", category_ics),
        Route("/apprenticeships.json", apprenticeships_json),
    ]


def event_filter(request: Request, category: str | None = None) -> EventFilter:
    params = request.query_params
    category = category or params.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise BadQuery(f"unknown category {category!r}; known: {', '.join(CATEGORIES)}")
    return EventFilter(
        category=category,
        town=params.get("town") or None,
        source=params.get("source") or None,
        date_from=_date_param(params.get("from"), "from"),
        date_to=_date_param(params.get("to"), "to"),
        q=params.get("q") or None,
    )


def _date_param(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name}={value!r} is not a date like 2026-12-03") from None


def calendar_name(where: EventFilter) -> str:
    parts = [CATEGORY_NAMES[where.category] if where.category else "Veranstaltungen"]
    if where.town:
        parts.append(where.town)
    return f"{COUNTY} – {' – '.join(parts)}"
