"""HTML out for the public pages: one Jinja2 environment (autoescape on), the visitor's language,
a stylesheet served with a content hash, and safe headers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from aggregator.events.view import EventView
from aggregator.languages import SOURCE_LANGUAGE
from aggregator.normalize.drafts import Translation
from aggregator.regions.region import Region
from feeds.ical import location_line
from web.pages.agenda import Day, event_day
from web.pages.i18n import COOKIE, COOKIE_MAX_AGE, LANGUAGES, Language, Speech, choose
from web.pages.maps import event_map, job_map, job_place
from web.templating import html_environment

TEMPLATES = Path(__file__).with_name("templates")
STYLESHEET = Path(__file__).with_name("pages.css")
STYLESHEET_BYTES = STYLESHEET.read_bytes()
STYLESHEET_URL = f"/pages.css?v={hashlib.sha256(STYLESHEET_BYTES).hexdigest()[:12]}"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Vary": "Accept-Language, Cookie",
}


def site_of(url: str) -> str:
    """The web site an address is on, as people read it ("arbeitsagentur.de")."""
    return (urlsplit(url).hostname or "").removeprefix("www.")


def translation_of(event: EventView, language: Language) -> Translation | None:
    """The event's title and description in the visitor's language, where its source translated
    them (German is the listing's own)."""
    return None if language.code == SOURCE_LANGUAGE else event.translation(language.code)


def all_translated(days: Iterable[Day], language: Language) -> bool:
    """Whether every event of the agenda has a translation into the visitor's language (then
    the note that listings are in German is no longer true)."""
    events = [event for day in days for event in day.events]
    return bool(events) and all(translation_of(event, language) for event in events)


_environment = html_environment(TEMPLATES)
_environment.globals.update(
    event_day=event_day,
    event_map=event_map,
    job_map=job_map,
    job_place=job_place,
    location_line=location_line,
    site_of=site_of,
    translation_of=translation_of,
    all_translated=all_translated,
)


def here_with(request: Request, **params: object) -> str:
    """This page's address (path and query) with these parameters set."""
    url = request.url.include_query_params(**params)
    return f"{url.path}?{url.query}"


@dataclass(frozen=True)
class Site:
    """Which region's pages a request is on: the region, and where its pages begin ("" for the
    default region, else "/<slug>")."""

    region: Region
    home: str
    others: tuple[tuple[Region, str], ...] = ()  # the other regions served, with their homes


def page(
    request: Request, template: str, *, site: Site, status: int = 200, **context: Any
) -> Response:
    """A region's page in the visitor's language; a language chosen with the switch is
    remembered."""
    choice = choose(request)
    speech = Speech(choice.language)
    body = _environment.get_template(template).render(
        _=speech.gettext,
        ngettext=speech.ngettext,
        speech=speech,
        language=choice.language,
        switch=[(language, here_with(request, lang=language.code)) for language in LANGUAGES],
        path=request.url.path,
        stylesheet=STYLESHEET_URL,
        home=site.home,
        region_name=site.region.name_in(choice.language.code),
        other_regions=[(other.name_in(choice.language.code), home) for other, home in site.others],
        **context,
    )
    headers = {**HEADERS, "Content-Language": choice.language.code}
    response = HTMLResponse(body, status_code=status, headers=headers)
    if choice.remember:
        response.set_cookie(COOKIE, choice.language.code, max_age=COOKIE_MAX_AGE, samesite="lax")
    return response


def stylesheet(request: Request) -> Response:
    """The one stylesheet; its URL changes with its content, so it may be kept a year."""
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(STYLESHEET_BYTES, media_type="text/css", headers=headers)
