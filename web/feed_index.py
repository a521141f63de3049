"""/feeds: every feed with its https and webcal:// subscribe link, as plain HTML (no script).

For the Integreat CMS it recommends the one combined calendar, integreat/events.ics: the CMS
keeps events per subscribed calendar, so an event in two category calendars would be imported
twice. It says what to type into the CMS's category filter (case-sensitive): nothing, or
exactly one of the values Lotse writes into CATEGORIES (feeds.integreat.FILTER_VALUES)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from aggregator.categories import CATEGORY_NAMES
from aggregator.events.queries import EventFilter
from aggregator.regions.region import region_by_slug
from feeds.catalog import FeedSpec, UnknownRegion, region_prefix
from feeds.integreat import FILTER_VALUES
from web.context import AppContext
from web.feed_routes import catalog_of


def _everything(spec: FeedSpec) -> bool:
    """Whether a feed holds all of its region's events."""
    return replace(spec.where, region=None) == EventFilter()


GROUPS = (
    ("Alle Veranstaltungen", _everything),
    ("Nach Thema", lambda spec: spec.where.category is not None),
    ("Nach Ort", lambda spec: spec.where.town is not None),
    ("Nach Quelle", lambda spec: spec.where.source is not None),
)
JSON_FEEDS = (
    ("events.json", "Alle Veranstaltungen, ein Eintrag je Termin"),
    ("apprenticeships.json", "Alle offenen Ausbildungsstellen"),
    ("api/events", "Veranstaltungen seitenweise (page, per_page)"),
    ("api/apprenticeships", "Ausbildungsstellen seitenweise (page, per_page)"),
    ("openapi.json", "Beschreibung der Schnittstelle (OpenAPI)"),
)


def routes(app: AppContext) -> list[Route]:
    catalog = catalog_of(app)

    async def index(request: Request) -> Response:
        known = catalog(app.version())
        try:
            region = known.in_region(EventFilter(), request.path_params.get("region")).region
        except UnknownRegion as error:
            return PlainTextResponse(str(error), status_code=404)
        specs = [spec for spec in known.feeds.values() if spec.where.region == region]
        others = [slug for slug in known.regions if slug != region]
        base_url = str(request.base_url)
        prefix = base_url + region_prefix(region or "", known.regions[0])
        return HTMLResponse(index_page(specs, base_url, prefix, others))

    return [Route("/feeds", index), Route("/{region}/feeds", index)]


def index_page(
    specs: Iterable[FeedSpec], base_url: str, prefix: str = "", others: Iterable[str] = ()
) -> str:
    """The page: calendars grouped (all, by topic, town, source; the Integreat profile apart),
    each with its https link and webcal:// link, then the JSON feeds (under ``prefix``, the
    region's address), then the other regions' pages."""
    prefix = prefix or base_url
    specs = [spec for spec in specs if not spec.expanded]
    calendars = [spec for spec in specs if spec.profile == "ics"]
    sections = [
        _section(title, [spec for spec in calendars if belongs(spec)], base_url)
        for title, belongs in GROUPS
    ]
    sections.append(_integreat([spec for spec in specs if spec.profile == "integreat"], base_url))
    json_items = "".join(
        f'<li>{escape(label)}: <a href="{escape(prefix + path)}">{escape(prefix + path)}</a></li>'
        for path, label in JSON_FEEDS[:2]
    ) + "".join(
        f'<li>{escape(label)}: <a href="{escape(base_url + path)}">{escape(base_url + path)}</a>'
        "</li>"
        for path, label in JSON_FEEDS[2:]
    )
    regions = "".join(
        f'<li><a href="{escape(f"{base_url}{slug}/feeds")}">'
        f"{escape(region_by_slug(slug).name)}</a></li>"
        for slug in others
    )
    return (
        '<!doctype html>\n<html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Kalender abonnieren – Lotse</title></head><body><main>"
        "<h1>Kalender abonnieren</h1>"
        "<p>Mit dem webcal-Link öffnet Ihr Kalender (Apple, Outlook, Thunderbird) das Abo "
        "direkt; bei Google Kalender unter „Andere Kalender → Per URL“ den https-Link "
        "einfügen. Die Kalender werden alle drei Stunden aktualisiert. Eine Terminreihe steht "
        "als eine Serie im Kalender; wer jeden Termin einzeln braucht, hängt "
        "<code>?expand=1</code> an die Adresse oder nimmt die Datei "
        "<code>…-expanded.ics</code> daneben.</p>"
        + "".join(sections)
        + f"<h2>JSON</h2><ul>{json_items}</ul>"
        + (f"<h2>Andere Regionen</h2><ul>{regions}</ul>" if regions else "")
        + "</main></body></html>\n"
    )


def _integreat(specs: list[FeedSpec], base_url: str) -> str:
    """The CMS's calendars: the combined one recommended, with the filter values."""
    combined = [spec for spec in specs if _everything(spec)]
    others = [spec for spec in specs if not _everything(spec)]
    if not combined:
        return ""
    values = "".join(
        f"<li><code>{escape(value)}</code> – {escape(CATEGORY_NAMES[value])}</li>"
        for value in FILTER_VALUES
    )
    https = base_url + combined[0].path
    return (
        "<h2>Für den Import ins Integreat-CMS</h2>"
        "<p>Empfohlen: <strong>ein</strong> externer Kalender mit allen Veranstaltungen, "
        f'<a href="{escape(https)}">{escape(https)}</a>. Das CMS führt Termine je '
        "abonniertem Kalender; wer mehrere Themenkalender abonniert, bekommt einen Termin, der "
        "zu zwei Themen gehört, doppelt.</p>"
        "<p>Kategorie-Filter im CMS: leer lassen für alle Veranstaltungen, oder genau einen "
        "dieser Werte eintragen (Groß- und Kleinschreibung zählt):</p>"
        f"<ul>{values}</ul>"
        + _section("", combined, base_url).removeprefix("<h2></h2>")
        + (
            "<p>Die Themenkalender gibt es weiter für bestehende Abos:</p>"
            + _section("", others, base_url).removeprefix("<h2></h2>")
            if others
            else ""
        )
    )


def _section(title: str, specs: list[FeedSpec], base_url: str) -> str:
    if not specs:
        return ""
    items = "".join(_item(spec, base_url) for spec in specs)
    return f"<h2>{escape(title)}</h2><ul>{items}</ul>"


def _item(spec: FeedSpec, base_url: str) -> str:
    https = base_url + spec.path
    webcal = "webcal://" + https.split("://", 1)[1]
    return (
        f"<li>{escape(spec.name)}: "
        f'<a href="{escape(webcal)}">abonnieren (webcal)</a> · '
        f'<a href="{escape(https)}">{escape(https)}</a></li>'
    )
