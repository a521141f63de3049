"""The review desk's routes, one module per page group (web.server registers this module)."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from web.context import AppContext
from web.desk import (
    account,
    apprenticeship_page,
    duplicates,
    event_page,
    log,
    login,
    queue,
    search,
    source_form,
    sources,
    team,
)
from web.desk.guard import HOME_URL, Call, guarded

# A new desk page: a module here with `routes(app) -> list[Route]` (its handlers wrapped in
# web.desk.guard.guarded), its template in templates/, and its place in this list.
PAGE_GROUPS = [
    login,
    queue,
    search,
    event_page,
    apprenticeship_page,
    duplicates,
    sources,
    source_form,
    log,
    team,
    account,
]


def routes(app: AppContext) -> list[Route]:
    def home(call: Call) -> Response:
        return RedirectResponse(HOME_URL, status_code=303)

    found = [Route("/desk", guarded(app, home), methods=["GET"])]
    for group in PAGE_GROUPS:
        found += group.routes(app)
    return found
