"""Signing in and out, and the desk's stylesheet: the only desk URLs open without a session.

Sign-ins are throttled per account and per client address (aggregator.throttle): a locked one
is answered 429 with a German message and Retry-After. Sign-ins, failures and locks are in the
review log and the server log. After a sign-in that an ended session's form led to, the page
shows what was typed and offers to send it again (web.desk.guard).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator import throttle
from aggregator.accounts import (
    authenticate,
    close_session,
    csrf_matches,
    csrf_token,
    open_session,
)
from aggregator.categories import CATEGORY_NAMES
from aggregator.review_log import SYSTEM_ACTOR, log_entry
from aggregator.states import LogTarget, ReviewAction
from web.context import AppContext
from web.desk.guard import (
    COOKIE,
    HOME_URL,
    LOGIN_URL,
    POLICY,
    Call,
    clear_session_cookie,
    current_staff,
    guarded,
    read_resume,
    safe_next,
    set_session_cookie,
)
from web.desk.render import FIELDS, STYLESHEET, WEEKDAYS, page
from web.desk.signin import LOGIN_COOKIE, login_form

log = logging.getLogger("lotse.desk")


class Kept(NamedTuple):
    """What the login form keeps when it is shown again."""

    next_url: str
    name: str
    resume: str
    remember: bool


@dataclass(frozen=True)
class SignIn:
    """How a sign-in went: a session token, or a refusal (``wait`` seconds when throttled)."""

    token: str | None = None
    wait: int = 0


def routes(app: AppContext) -> list[Route]:
    async def show(request: Request) -> Response:
        if await run_in_threadpool(current_staff, app, request) is not None:
            return RedirectResponse(HOME_URL, status_code=303)
        return login_form(
            request,
            next_url=safe_next(request.query_params.get("next")),
            notice_key=request.query_params.get("msg"),
        )

    async def submit(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        next_url = safe_next(str(form.get("next", "")))
        resume = str(form.get("resume", ""))
        remember = form.get("remember") == "1"
        kept = Kept(next_url=next_url, name=name, resume=resume, remember=remember)
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not csrf_matches(expected, form.get("csrf")):
            error = "Das Formular ist abgelaufen. Bitte melden Sie sich erneut an."
            return login_form(request, status=403, error=error, **kept._asdict())
        address = request.client.host if request.client else None
        agent = request.headers.get("user-agent")
        outcome = await run_in_threadpool(
            _sign_in, app, name, password, remember=remember, address=address, agent=agent
        )
        if outcome.wait:
            minutes = max(1, math.ceil(outcome.wait / 60))
            error = (
                "Zu viele fehlgeschlagene Anmeldungen. Die Anmeldung ist vorübergehend gesperrt; "
                f"bitte versuchen Sie es in {minutes} {'Minute' if minutes == 1 else 'Minuten'} "
                "wieder."
            )
            headers = {"Retry-After": str(outcome.wait)}
            return login_form(request, status=429, error=error, headers=headers, **kept._asdict())
        if outcome.token is None:
            error = "Name oder Passwort ist falsch."
            return login_form(request, status=401, error=error, **kept._asdict())
        resumed = read_resume(resume)
        if resumed is not None:
            response = _resume_page(request, outcome.token, *resumed)
        else:
            response = RedirectResponse(next_url, status_code=303)
        set_session_cookie(response, request, outcome.token, remember=remember)
        response.delete_cookie(LOGIN_COOKIE, path=LOGIN_URL)
        return response

    def sign_out(call: Call) -> Response:
        with app.store.transaction() as session:
            close_session(session, call.request.cookies.get(COOKIE))
            log_entry(
                session,
                actor=call.staff.name,
                action=ReviewAction.LOGOUT,
                target_type=LogTarget.ACCOUNT,
                target_id=call.staff.name,
                now=call.now,
            )
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


def _sign_in(
    app: AppContext,
    name: str,
    password: str,
    *,
    remember: bool,
    address: str | None,
    agent: str | None,
) -> SignIn:
    now = app.clock()
    keys = [throttle.account_key(name), throttle.address_key(address)]
    typed = name.strip()[:100] or "(leer)"
    with app.store.transaction() as session:
        lock = throttle.locked(session, keys, now=now)
        if lock is not None:
            return SignIn(wait=_seconds(lock.until, now))
        user = authenticate(session, name, password)
        if user is not None:
            throttle.clear(session, keys[0])
            _log(session, typed, ReviewAction.LOGIN, now, address)
            token = open_session(
                session,
                user,
                now=now,
                remember=remember,
                policy=POLICY,
                user_agent=agent,
                address=address,
            )
            return SignIn(token=token)
    with app.store.transaction() as session:  # counted even if the caller goes away now
        started = throttle.note_failure(session, keys, now=now)
        _log(session, typed, ReviewAction.LOGIN_FAILED, now, address)
        log.warning("desk sign-in failed for %r from %s", typed, address)
        for lock in started:
            detail = {"address": address or "", "until": lock.until.isoformat(), "key": lock.key}
            log_entry(
                session,
                actor=SYSTEM_ACTOR,
                action=ReviewAction.LOGIN_LOCKED,
                target_type=LogTarget.ACCOUNT,
                target_id=typed,
                now=now,
                detail=detail,
            )
            log.warning("desk sign-in locked for %s until %s", lock.key, lock.until.isoformat())
    if started:
        return SignIn(wait=_seconds(max(lock.until for lock in started), now))
    return SignIn()


def _log(session: Session, name: str, action: str, now: datetime, address: str | None) -> None:
    log_entry(
        session,
        actor=name,
        action=action,
        target_type=LogTarget.ACCOUNT,
        target_id=name,
        now=now,
        detail={"address": address or ""},
    )


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _resume_page(request: Request, token: str, to: str, fields: list[tuple[str, str]]) -> Response:
    """What an ended session's form typed, to send again (with the new session's CSRF token)."""
    shown: dict[str, list[str]] = {}
    for name, value in fields:
        if value and name not in ("version", "back", "confirmed", "kind", "scope"):
            shown.setdefault(FIELDS.get(name, name), []).append(_readable(name, value))
    return page(
        "resume.html",
        staff=None,
        csrf=csrf_token(token),
        path=to,
        notice_key="",
        to=to,
        kept=fields,
        shown=[(caption, ", ".join(values)) for caption, values in shown.items()],
    )


def _readable(name: str, value: str) -> str:
    """A typed value as the desk shows it: dates in German, categories by name."""
    if name in ("start", "end", "start_date") and len(value) >= 10:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        shown = f"{WEEKDAYS[moment.weekday()]} {moment:%d.%m.%Y}"
        return shown if len(value) == 10 else f"{shown}, {moment:%H:%M}"
    if name == "categories":
        return CATEGORY_NAMES.get(value, value)
    if name == "cancelled":
        return "ja"
    return value
