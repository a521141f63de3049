"""`lotse serve`: one ASGI app (Starlette) made of route groups, one module each."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aggregator.store import Store
from web import api_routes, apprenticeship_routes, feed_index, feed_routes, metrics_routes
from web.context import AppContext, Clock, Crawls, Metrics, utc_now
from web.desk import routes as desk_routes
from web.pages import routes as page_routes

# Each module has `routes(app: AppContext) -> list[Route]`; add a feature by adding its module.
ROUTE_MODULES = [
    feed_routes,
    apprenticeship_routes,
    api_routes,
    feed_index,
    desk_routes,
    page_routes,
    metrics_routes,
]


def create_app(
    store: Store,
    *,
    clock: Clock = utc_now,
    crawls: Crawls | None = None,
    extra_metrics: Metrics | None = None,
) -> Starlette:
    """The app over ``store``; ``crawls`` and ``extra_metrics`` come from whoever builds it
    (lotse/serve.py wires the workers' in)."""
    context = AppContext(store, clock, crawls=crawls, extra_metrics=extra_metrics)
    routes = [Route("/healthz", _health)]
    for module in ROUTE_MODULES:
        routes += module.routes(context)
    app = Starlette(routes=routes)
    app.state.context = context
    return app


async def _health(request: Request) -> Response:
    return JSONResponse({"ok": True})
