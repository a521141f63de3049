"""The public pages' routes: start page, events, apprenticeships, the stylesheet
(web.server registers this module)."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aggregator.apprenticeships.queries import open_apprenticeship
from aggregator.categories import CATEGORIES
from aggregator.dates.timezones import local
from aggregator.events.queries import EventFilter, published_event
from feeds.catalog import Catalog, town_slug
from feeds.ical import render_calendar
from web.context import AppContext
from web.feed_routes import catalog_of
from web.pages import render
from web.pages.agenda import agenda
from web.pages.job_search import DISTANCES, JobForm, choices, find
from web.pages.jsonld import event_jsonld, job_posting_jsonld, script_tag
from web.pages.subscribe import chosen, subscriptions


def routes(app: AppContext) -> list[Route]:
    """/ (start), /veranstaltungen (+ one event, its .ics), /ausbildung (+ one posting)."""
    catalog = catalog_of(app)

    def today() -> date:
        return local(app.clock()).date()

    async def start(request: Request) -> Response:
        return render.page(request, "start.html")

    async def events(request: Request) -> Response:
        known = catalog(app.version())
        where = event_choice(request, known)
        first = max(today(), _day(request.query_params.get("from")) or today())
        with app.store.transaction() as session:
            found = agenda(session, now=app.clock(), where=where, first=first)
        base = str(request.base_url)
        by_category, by_town = subscriptions(known, base)
        return render.page(
            request,
            "events.html",
            where=where,
            town_slug=town_slug(where.town) if where.town else "",
            towns=known.towns,
            categories=CATEGORIES,
            agenda=found,
            today=today(),
            later_url=render.here_with(request, **{"from": found.later}) if found.later else None,
            subscribe=chosen(known, base, where),
            by_category=by_category,
            by_town=by_town,
        )

    async def event(request: Request) -> Response:
        with app.store.transaction() as session:
            found = published_event(session, request.path_params["id"])
        if found is None:
            return render.page(request, "not_found.html", status=404)
        return render.page(
            request, "event.html", event=found, jsonld=script_tag(event_jsonld(found))
        )

    async def event_ics(request: Request) -> Response:
        with app.store.transaction() as session:
            found = published_event(session, request.path_params["id"])
        if found is None:
            return render.page(request, "not_found.html", status=404)
        # the occurrence as itself (its own UID); no DTEND where it has no end (RFC 5545)
        body = render_calendar([found], name=found.title, expand=True)
        name = town_slug(found.title)[:40].strip("-") or "event"
        headers = {"Content-Disposition": f'attachment; filename="{name}.ics"'}
        return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)

    async def apprenticeships(request: Request) -> Response:
        form = JobForm.of(request.query_params)
        with app.store.transaction() as session:
            offered = choices(session)
            found = find(session, form, offered.towns)
            return render.page(
                request,
                "apprenticeships.html",
                form=form,
                towns=offered.towns,
                years=offered.years,
                distances=DISTANCES,
                total=len(found.hits),
                hits=found.page(form.page),
                earlier=render.here_with(request, page=form.page - 1) if form.page > 1 else None,
                later=render.here_with(request, page=form.page + 1)
                if form.page < found.pages()
                else None,
                unknown_postcode=found.unknown_postcode,
            )

    async def apprenticeship(request: Request) -> Response:
        with app.store.transaction() as session:
            item = open_apprenticeship(session, request.path_params["id"])
            if item is None:
                return render.page(request, "not_found.html", status=404)
            jsonld = script_tag(job_posting_jsonld(item))
            return render.page(request, "apprenticeship.html", item=item, jsonld=jsonld)

    return [
        Route("/", start),
        Route("/ausbildung", apprenticeships),
        Route("/ausbildung/{id}", apprenticeship),
        Route("/veranstaltungen", events),
        Route("/veranstaltungen/{id}.ics", event_ics),
        Route("/veranstaltungen/{id}", event),
        Route("/pages.css", render.stylesheet),
    ]


def event_choice(request: Request, known: Catalog) -> EventFilter:
    """The topic and town a visitor chose; what is not a known topic or town counts as all."""
    category = request.query_params.get("category", "")
    town = known.towns.get(town_slug(request.query_params.get("town", "")))
    return EventFilter(category=category if category in CATEGORIES else None, town=town)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None
