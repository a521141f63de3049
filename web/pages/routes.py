"""The public pages' routes: start page, events, apprenticeships, the stylesheet
(web.server registers this module)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.apprenticeships.queries import open_apprenticeship
from aggregator.categories import CATEGORIES
from aggregator.dates.timezones import local
from aggregator.events.queries import EventFilter, published_event
from aggregator.regions.active import using_region
from aggregator.regions.region import region_by_slug
from feeds.catalog import Catalog, town_slug
from feeds.ical import render_calendar
from web.context import AppContext
from web.feed_routes import REGION_PREFIX, catalog_of
from web.pages import render
from web.pages.agenda import agenda
from web.pages.job_search import DISTANCES, JobForm, choices, find
from web.pages.jsonld import event_jsonld, job_posting_jsonld, script_tag
from web.pages.render import Site
from web.pages.subscribe import chosen, subscriptions

Page = Callable[[Request, Site], Awaitable[Response]]


def routes(app: AppContext) -> list[Route]:
    """/ (start), /veranstaltungen (+ one event, its .ics), /ausbildung (+ one posting): the
    default region's at the root, another region's under /<slug>/ (its start page /<slug>/)."""
    catalog = catalog_of(app)

    def today() -> date:
        return local(app.clock()).date()

    def site(known: Catalog, region: str) -> Site:
        others = tuple(
            (region_by_slug(other), known.home(other)) for other in known.regions if other != region
        )
        return Site(region_by_slug(region), known.home(region), others)

    def in_region(handler: Page) -> Callable[[Request], Awaitable[Response]]:
        """The page of the region the path names (the default one at the root); a region the
        store does not serve is a page not found."""

        async def endpoint(request: Request) -> Response:
            known = catalog(app.version())
            region = request.path_params.get("region", known.regions[0])
            if region not in known.regions:
                if request.url.path == f"/{region}/" and _routed(request, f"/{region}"):
                    return RedirectResponse(f"/{region}", status_code=307)  # /desk/, /feeds/
                return not_found(request, site(known, known.regions[0]))
            here = site(known, region)
            with using_region(here.region):  # its days and times in its local time
                return await handler(request, here)

        return endpoint

    def own_region(found_region: str, request: Request, here: Site) -> Site | None:
        """A listing's page is its region's: at the root any listing's (linking back to its
        region), under /<slug>/ only that region's."""
        if "region" in request.path_params and found_region != here.region.slug:
            return None
        known = catalog(app.version())
        return site(known, found_region) if found_region in known.regions else here

    async def start(request: Request, here: Site) -> Response:
        return render.page(request, "start.html", site=here)

    async def events(request: Request, here: Site) -> Response:
        known = catalog(app.version())
        where = known.in_region(event_choice(request, known, here), here.region.slug)
        first = max(today(), _day(request.query_params.get("from")) or today())
        with app.store.transaction() as session:
            found = agenda(session, now=app.clock(), where=where, first=first)
        base = str(request.base_url)
        by_category, by_town = subscriptions(known, base, here.region.slug)
        return render.page(
            request,
            "events.html",
            site=here,
            where=where,
            town_slug=town_slug(where.town) if where.town else "",
            towns=known.towns_of[here.region.slug],
            categories=CATEGORIES,
            agenda=found,
            today=today(),
            later_url=render.here_with(request, **{"from": found.later}) if found.later else None,
            subscribe=chosen(known, base, where),
            by_category=by_category,
            by_town=by_town,
        )

    async def event(request: Request, here: Site) -> Response:
        with app.store.transaction() as session:
            found = published_event(session, request.path_params["id"])
        shown = found and own_region(found.region, request, here)
        if found is None or not shown:
            return not_found(request, here)
        with using_region(shown.region):
            jsonld = script_tag(event_jsonld(found))
            return render.page(request, "event.html", site=shown, event=found, jsonld=jsonld)

    async def event_ics(request: Request, here: Site) -> Response:
        with app.store.transaction() as session:
            found = published_event(session, request.path_params["id"])
        shown = found and own_region(found.region, request, here)
        if found is None or not shown:
            return not_found(request, here)
        # the occurrence as itself (its own UID); no DTEND where it has no end (RFC 5545)
        with using_region(shown.region):
            body = render_calendar([found], name=found.title, expand=True)
        name = town_slug(found.title)[:40].strip("-") or "event"
        headers = {"Content-Disposition": f'attachment; filename="{name}.ics"'}
        return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)

    async def apprenticeships(request: Request, here: Site) -> Response:
        form = JobForm.of(request.query_params)
        with app.store.transaction() as session:
            offered = choices(session, here.region.slug)
            found = find(session, form, offered.towns, here.region)
            return render.page(
                request,
                "apprenticeships.html",
                site=here,
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

    async def apprenticeship(request: Request, here: Site) -> Response:
        with app.store.transaction() as session:
            item = open_apprenticeship(session, request.path_params["id"])
            shown = item and own_region(item.region, request, here)
            if item is None or not shown:
                return not_found(request, here)
            with using_region(shown.region):
                jsonld = script_tag(job_posting_jsonld(item))
                return render.page(
                    request, "apprenticeship.html", site=shown, item=item, jsonld=jsonld
                )

    pages: list[tuple[str, Page]] = [
        ("/ausbildung", apprenticeships),
        ("/ausbildung/{id}", apprenticeship),
        ("/veranstaltungen", events),
        ("/veranstaltungen/{id}.ics", event_ics),
        ("/veranstaltungen/{id}", event),
    ]
    return [
        Route("/", in_region(start)),
        *(Route(path, in_region(handler)) for path, handler in pages),
        Route("/pages.css", render.stylesheet),
        Route(REGION_PREFIX + "/", in_region(start)),
        *(Route(REGION_PREFIX + path, in_region(handler)) for path, handler in pages),
    ]


def _routed(request: Request, path: str) -> bool:
    """Whether another route of the app answers at exactly this path."""
    return any(getattr(route, "path", None) == path for route in request.app.routes)


def not_found(request: Request, here: Site) -> Response:
    return render.page(request, "not_found.html", site=here, status=404)


def event_choice(request: Request, known: Catalog, here: Site) -> EventFilter:
    """The topic and town a visitor chose; what is not a known topic or town of the region
    counts as all."""
    category = request.query_params.get("category", "")
    towns = known.towns_of[here.region.slug]
    town = towns.get(town_slug(request.query_params.get("town", "")))
    return EventFilter(category=category if category in CATEGORIES else None, town=town)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None
