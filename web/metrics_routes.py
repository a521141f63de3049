"""`/metrics`: the county's health and, where the app was given them, the workers' metrics.

From the store: sources by health (and each source's health, items, last run), records, and
listings by review state. Whoever builds the app may hand in more (``AppContext.extra_metrics``:
`lotse serve` gives the workers' task latencies, workers/metrics.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web.context import AppContext
from web.prometheus import CONTENT_TYPE, render
from web.store_metrics import store_metrics


def routes(app: AppContext) -> list[Route]:
    def metrics(request: Request) -> Response:
        with app.store.transaction() as session:
            found = store_metrics(session)
        if app.extra_metrics is not None:
            found += app.extra_metrics()
        return Response(render(found), media_type=CONTENT_TYPE)

    return [Route("/metrics", metrics)]
