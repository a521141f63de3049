"""`lotse serve`: one ASGI app (Starlette) made of route groups, one module each."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from aggregator.store import Store
from web import api_routes, apprenticeship_routes, feed_index, feed_routes, metrics_routes
from web.context import AppContext, Clock, Crawls, Metrics, TrySource, utc_now
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
    version_ttl: float = 0.0,
    sources_file: Path | None = None,
    try_source: TrySource | None = None,
) -> Starlette:
    """The app over ``store``; ``crawls``, ``extra_metrics``, ``sources_file`` and
    ``try_source`` come from whoever builds it (lotse/serve.py wires the workers' and the
    crawlers' in); ``version_ttl``: how long the store's version is taken as current
    (web.context.AppContext.version)."""
    context = AppContext(
        store,
        clock,
        crawls=crawls,
        extra_metrics=extra_metrics,
        version_ttl=version_ttl,
        sources_file=sources_file,
        try_source=try_source,
    )
    routes = [Route("/healthz", _health)]
    for module in ROUTE_MODULES:
        routes += module.routes(context)
    app = Starlette(routes=routes, middleware=[Middleware(ForgetVersionOnWrites, context=context)])
    app.state.context = context
    return app


class ForgetVersionOnWrites:
    """After a request that may write (anything but GET, HEAD, OPTIONS: the desk's forms), the
    next request reads the store's version anew, so staff see their decision at once."""

    def __init__(self, app: ASGIApp, context: AppContext) -> None:
        self.app, self.context = app, context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            self.context.forget_version()


async def _health(request: Request) -> Response:
    return JSONResponse({"ok": True})
