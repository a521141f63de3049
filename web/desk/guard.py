"""Who may reach a desk page: a live session, the CSRF token on every POST, the right role; and
how a page answers what it cannot do (400, 404, 409, a German 500).

Without a session a GET is sent to the login page. A POST is refused with 401 and the login form;
when the browser still holds the ended session's cookie and the form carried that session's CSRF
token (so the form was the desk's own), the login form keeps what was typed and, once signed in,
offers to send it again. A POST whose form lacks the session's CSRF token is refused with 403, as
is a page above the staff's role.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from aggregator.accounts import SessionPolicy, Staff, csrf_matches, csrf_token, staff_for_token
from aggregator.review.decisions import Refused
from aggregator.served_regions import source_region
from aggregator.states import Role
from aggregator.store.models import Apprenticeship, Event, Source
from web.context import AppContext
from web.desk.render import page as render_page
from web.desk.signin import HOME_URL as HOME_URL
from web.desk.signin import LOGIN_URL as LOGIN_URL
from web.desk.signin import login_form
from web.desk.signin import safe_next as safe_next

COOKIE = "lotse_desk"
COOKIE_PATH = "/desk"
MAX_OFFSET = 1_000_000
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
MAX_RESUME = 60_000  # characters of typed values kept across a new sign-in
POLICY = SessionPolicy.from_env()

log = logging.getLogger("lotse.desk")


class BadInput(ValueError):
    """A query or form value the desk cannot take; answered 400 with this German message."""


class NotYours(PermissionError):
    """A listing or source of a region the account does not work on; answered 403 with the
    message."""


L = TypeVar("L", Event, Apprenticeship)


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

    def raw(self, name: str) -> str:
        """A field exactly as typed (a password)."""
        value = self.form.get(name)
        return value if isinstance(value, str) else ""

    def text(self, name: str) -> str:
        """A multi-line field as typed, its line breaks as the store keeps them (\\n)."""
        value = self.form.get(name)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        return [value for value in self.form.getlist(name) if isinstance(value, str)]

    def listing(self, session: Session, model: type[L], listing_id: str) -> L | None:
        """The listing with this id, None when there is none; NotYours when it belongs to a
        region the account does not work on."""
        listing = session.get(model, listing_id)
        if listing is not None and not self.staff.may_work_on(listing.region):
            raise NotYours(
                "Dieser Eintrag gehört zu einer Region, für die Ihr Konto nicht freigeschaltet ist."
            )
        return listing

    def source(self, session: Session, source_id: str) -> Source | None:
        """The stored source with this id, None when there is none; NotYours when it reads
        for a region the account does not work on."""
        source = session.get(Source, source_id)
        if source is not None and not self.staff.may_work_on(source_region(source).slug):
            raise NotYours(
                "Diese Quelle gehört zu einer Region, für die Ihr Konto nicht freigeschaltet ist."
            )
        return source

    def offset(self, name: str = "offset") -> int:
        """A page offset from the query: 0 when absent; 400 when it is no sensible number."""
        text = self.query(name)
        if not text:
            return 0
        if not text.isdigit() or len(text) > 9 or int(text) > MAX_OFFSET:
            raise BadInput("Diese Seitenangabe gibt es nicht. Bitte blättern Sie über die Links.")
        return int(text)

    def day(self, name: str) -> date | None:
        """A day from the query (YYYY-MM-DD): None when absent; 400 when unreadable or out of
        range."""
        text = self.query(name)
        if not text:
            return None
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise BadInput(f"„{text[:20]}“ ist kein Datum (Tag.Monat.Jahr).") from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise BadInput("Bitte ein Datum zwischen 1900 und 2199 angeben.")
        return day

    def confirmed(self) -> bool:
        return self.field("confirmed") == "1"

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

    def confirm(
        self,
        *,
        title: str,
        message: str,
        button: str,
        back: str,
        facts: list[tuple[str, str]] | None = None,
        danger: bool = True,
    ) -> Response:
        """Ask before doing what the form asked: the same form again, with ``confirmed``."""
        kept = [
            (name, value)
            for name, value in self.form.multi_items()
            if name not in ("csrf", "confirmed") and isinstance(value, str)
        ]
        return self.render(
            "confirm.html",
            title=title,
            message=message,
            button=button,
            back=back,
            facts=facts or [],
            action=self.request.url.path,
            kept=kept,
            danger=danger,
        )

    def not_found(self, message: str) -> Response:
        return self.render("error.html", status=404, title="Nicht gefunden", message=message)

    def bad(self, message: str, *, status: int = 400) -> Response:
        title = "Nicht möglich" if status == 409 else "Ungültige Angabe"
        return self.render("error.html", status=status, title=title, message=message)


Page = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def guarded(app: AppContext, page: Page, *, role: str = Role.EDITOR) -> Endpoint:
    """The endpoint that runs `page` (in a worker thread) only for staff allowed to see it."""

    async def endpoint(request: Request) -> Response:
        staff = await run_in_threadpool(current_staff, app, request)
        form = await request.form() if request.method == "POST" else FormData()
        if staff is None:
            return _refuse_anonymous(request, form)
        if request.method == "POST" and not csrf_matches(staff.csrf, form.get("csrf")):
            return forbidden(staff, "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")
        if role == Role.ADMIN and not staff.is_admin:
            return forbidden(staff, "Diese Seite ist der Administration vorbehalten.")
        call = Call(app, request, staff, form, app.clock())
        return await run_in_threadpool(_answer, page, call)

    return endpoint


def _answer(page: Page, call: Call) -> Response:
    try:
        return page(call)
    except BadInput as problem:
        return call.bad(str(problem))
    except Refused as problem:
        return call.bad(str(problem), status=409)
    except NotYours as problem:
        return forbidden(call.staff, str(problem))
    except Exception as error:
        log.exception("desk page %s failed", call.request.url.path)
        return call.render(
            "error.html",
            status=500,
            title="Etwas ist schiefgegangen",
            message="Die Seite konnte nicht erstellt werden; es wurde nichts gespeichert. "
            "Bitte versuchen Sie es noch einmal oder melden Sie es der Administration.",
            technical=f"{type(error).__name__}: {error}"[:500],
        )


def current_staff(app: AppContext, request: Request) -> Staff | None:
    with app.store.transaction() as session:
        return staff_for_token(session, request.cookies.get(COOKIE), now=app.clock(), policy=POLICY)


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


def set_session_cookie(response: Response, request: Request, token: str, *, remember: bool) -> None:
    """The session's cookie: gone with the browser, unless staff chose to stay signed in."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(POLICY.remember_lifetime.total_seconds()) if remember else None,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")


def resume_of(request: Request, form: FormData) -> str:
    """What a POST from an ended session typed, as JSON for the login form to keep; empty when
    the form was not the desk's own for this browser (its CSRF token is not the session's)."""
    token = request.cookies.get(COOKIE)
    if not token or not csrf_matches(csrf_token(token), form.get("csrf")):
        return ""
    pairs = [
        [name, value]
        for name, value in form.multi_items()
        if name != "csrf" and isinstance(value, str)
    ]
    kept = json.dumps({"to": request.url.path, "fields": pairs}, ensure_ascii=False)
    return kept if len(kept) <= MAX_RESUME else ""


def read_resume(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """The kept path and fields, when they are a desk path and text fields."""
    try:
        kept: Any = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(kept, dict) or safe_next(kept.get("to")) != kept.get("to"):
        return None
    fields = kept.get("fields")
    if not isinstance(fields, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair)
        for pair in fields
    ):
        return None
    return str(kept["to"]), [(name, value) for name, value in fields]


def _refuse_anonymous(request: Request, form: FormData) -> Response:
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{LOGIN_URL}?{urlencode({'next': target})}", status_code=303)
    referer = request.headers.get("referer", "")
    back = referer.split(str(request.base_url).rstrip("/"), 1)[-1] if referer else ""
    return login_form(
        request,
        next_url=safe_next(back),
        status=401,
        error="Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
        resume=resume_of(request, form),
    )
