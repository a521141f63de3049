"""Who may reach a desk page: a live session, the CSRF token on every POST, the right role.

Without a session a GET is sent to the login page and a POST is refused with 401; a POST whose
form lacks the session's CSRF token is refused with 403, as is a page above the staff's role.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from aggregator.accounts import SESSION_LIFETIME, Staff, csrf_matches, staff_for_token
from aggregator.states import Role
from web.context import AppContext
from web.desk.render import page as render_page

COOKIE = "lotse_desk"
COOKIE_PATH = "/desk"
LOGIN_URL = "/desk/login"
HOME_URL = "/desk/queue"


@dataclass(frozen=True)
class Call:
    """One request from signed-in staff, its form (POST) already checked for the CSRF token."""

    app: AppContext
    request: Request
    staff: Staff
    form: FormData
    now: datetime

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str) -> str:
        return self.request.query_params.get(name, "").strip()

    def field(self, name: str) -> str:
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        return [value for value in self.form.getlist(name) if isinstance(value, str)]

    def render(self, template: str, *, status: int = 200, **context: object) -> Response:
        """A desk page: the template gets the staff, the CSRF token and the notice to show."""
        return render_page(
            template,
            status=status,
            staff=self.staff,
            csrf=self.staff.csrf,
            path=self.request.url.path,
            notice_key=self.query("msg"),
            **context,
        )

    def not_found(self, message: str) -> Response:
        return self.render("error.html", status=404, title="Nicht gefunden", message=message)


Page = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def guarded(app: AppContext, page: Page, *, role: str = Role.EDITOR) -> Endpoint:
    """The endpoint that runs `page` (in a worker thread) only for staff allowed to see it."""

    async def endpoint(request: Request) -> Response:
        staff = await run_in_threadpool(current_staff, app, request)
        if staff is None:
            return _refuse_anonymous(request)
        form = await request.form() if request.method == "POST" else FormData()
        if request.method == "POST" and not csrf_matches(staff.csrf, form.get("csrf")):
            return forbidden(staff, "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")
        if role == Role.ADMIN and not staff.is_admin:
            return forbidden(staff, "Diese Seite ist der Administration vorbehalten.")
        return await run_in_threadpool(page, Call(app, request, staff, form, app.clock()))

    return endpoint


def current_staff(app: AppContext, request: Request) -> Staff | None:
    with app.store.transaction() as session:
        return staff_for_token(session, request.cookies.get(COOKIE), now=app.clock())


def forbidden(staff: Staff, message: str) -> Response:
    return render_page(
        "error.html",
        status=403,
        staff=staff,
        csrf=staff.csrf,
        path="",
        notice_key="",
        title="Kein Zugriff",
        message=message,
    )


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")


def safe_next(target: str | None) -> str:
    """Where to go after the login: a desk path of this site, never another host."""
    if not target or not target.startswith("/desk/") or target.startswith(LOGIN_URL):
        return HOME_URL
    return HOME_URL if any(part in target for part in ("//", "\\", "..")) else target


def _refuse_anonymous(request: Request) -> Response:
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{LOGIN_URL}?{urlencode({'next': target})}", status_code=303)
    return PlainTextResponse("Anmeldung erforderlich.", status_code=401)
