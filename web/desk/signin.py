"""The login form, as the login page and every refused POST of an ended session draw it.

The form has its own CSRF guard (a random token in a short-lived cookie and in the form), so no
other site can sign a browser in under someone else's account.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from web.desk.render import page

LOGIN_URL = "/desk/login"
LOGIN_COOKIE = "lotse_desk_login"
HOME_URL = "/desk/queue"


def safe_next(target: str | None) -> str:
    """Where to go after the login: a desk path of this site, never another host."""
    if not target or not target.startswith("/desk/") or target.startswith(LOGIN_URL):
        return HOME_URL
    return HOME_URL if any(part in target for part in ("//", "\\", "..")) else target


def login_form(
    request: Request,
    *,
    next_url: str,
    status: int = 200,
    error: str | None = None,
    name: str = "",
    notice_key: str | None = None,
    resume: str = "",
    remember: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """The login page; ``resume`` (JSON) the typed values of a form an ended session sent."""
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
        resume=resume,
        remember=remember,
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
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
