"""Signing in and out, and the desk's stylesheet: the only desk URLs open without a session.

The login form has its own CSRF guard (a random token in a short-lived cookie and in the form),
so no other site can sign a browser in under someone else's account.
"""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.accounts import authenticate, close_session, csrf_matches, open_session
from web.context import AppContext
from web.desk.guard import (
    COOKIE,
    HOME_URL,
    LOGIN_URL,
    Call,
    clear_session_cookie,
    current_staff,
    guarded,
    safe_next,
    set_session_cookie,
)
from web.desk.render import STYLESHEET, page

LOGIN_COOKIE = "lotse_desk_login"


def routes(app: AppContext) -> list[Route]:
    async def show(request: Request) -> Response:
        if await run_in_threadpool(current_staff, app, request) is not None:
            return RedirectResponse(HOME_URL, status_code=303)
        return _form(
            request,
            next_url=safe_next(request.query_params.get("next")),
            notice_key=request.query_params.get("msg"),
        )

    async def submit(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        next_url = safe_next(str(form.get("next", "")))
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not csrf_matches(expected, form.get("csrf")):
            error = "Das Formular ist abgelaufen. Bitte melden Sie sich erneut an."
            return _form(request, next_url=next_url, status=403, error=error, name=name)
        token = await run_in_threadpool(_sign_in, app, name, password)
        if token is None:
            error = "Name oder Passwort ist falsch."
            return _form(request, next_url=next_url, status=401, error=error, name=name)
        response = RedirectResponse(next_url, status_code=303)
        set_session_cookie(response, request, token)
        response.delete_cookie(LOGIN_COOKIE, path=LOGIN_URL)
        return response

    def sign_out(call: Call) -> Response:
        with app.store.transaction() as session:
            close_session(session, call.request.cookies.get(COOKIE))
        response = RedirectResponse(f"{LOGIN_URL}?msg=logged_out", status_code=303)
        clear_session_cookie(response)
        return response

    async def stylesheet(request: Request) -> Response:
        return Response(
            STYLESHEET.read_bytes(),
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    return [
        Route(LOGIN_URL, show, methods=["GET"]),
        Route(LOGIN_URL, submit, methods=["POST"]),
        Route("/desk/logout", guarded(app, sign_out), methods=["POST"]),
        Route("/desk/desk.css", stylesheet, methods=["GET"]),
    ]


def _sign_in(app: AppContext, name: str, password: str) -> str | None:
    with app.store.transaction() as session:
        user = authenticate(session, name, password)
        return None if user is None else open_session(session, user, now=app.clock())


def _form(
    request: Request,
    *,
    next_url: str,
    status: int = 200,
    error: str | None = None,
    name: str = "",
    notice_key: str | None = None,
) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(
        "login.html",
        status=status,
        staff=None,
        csrf=token,
        path=LOGIN_URL,
        notice_key=notice_key or "",
        error=error,
        name=name,
        next=next_url,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=LOGIN_URL,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response
