"""The review desk's routes, one module per page group (web.server registers this module)."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from web.context import AppContext
from web.desk import duplicates, event_page, log, login, queue, sources, team
from web.desk.guard import HOME_URL, Call, guarded

PAGE_GROUPS = [login, queue, event_page, duplicates, sources, log, team]


def routes(app: AppContext) -> list[Route]:
    def home(call: Call) -> Response:
        return RedirectResponse(HOME_URL, status_code=303)

    found = [Route("/desk", guarded(app, home), methods=["GET"])]
    for group in PAGE_GROUPS:
        found += group.routes(app)
    return found
