"""Mein Konto: the signed-in staff member's sessions (to see and end them) and whether the
daily notification e-mail goes to them (aggregator.notify)."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.accounts import (
    AccountError,
    end_session,
    end_sessions,
    live_sessions,
    set_notify,
    staff_named,
)
from aggregator.review_log import log_entry
from aggregator.states import LogTarget, ReviewAction
from web.context import AppContext
from web.desk.guard import LOGIN_URL, POLICY, Call, clear_session_cookie, guarded

ACCOUNT_URL = "/desk/account"


def routes(app: AppContext) -> list[Route]:
    def show(call: Call, *, status: int = 200, error: str | None = None) -> Response:
        with app.store.transaction() as session:
            user = staff_named(session, call.staff.name)
            sessions = live_sessions(session, call.staff.name, now=call.now, policy=POLICY)
            ends = {row.id: POLICY.ends(row) for row in sessions}
            return call.render(
                "account.html",
                status=status,
                error=error,
                user=user,
                sessions=sessions,
                ends=ends,
                current=call.staff.session_id,
            )

    def end(call: Call) -> Response:
        which = call.field("session")
        with app.store.transaction() as session:
            if which == "others":
                user = staff_named(session, call.staff.name)
                ended = end_sessions(session, user, keep=call.staff.session_id)
                notice = "sessions_ended"
            else:
                ended = int(which.isdigit() and end_session(session, call.staff.name, int(which)))
                notice = "session_ended"
            if ended:
                log_entry(
                    session,
                    actor=call.staff.name,
                    action=ReviewAction.SESSION_ENDED,
                    target_type=LogTarget.ACCOUNT,
                    target_id=call.staff.name,
                    now=call.now,
                    detail={"sessions": str(ended)},
                )
        if which == str(call.staff.session_id):  # this very browser: signed out
            response = RedirectResponse(f"{LOGIN_URL}?msg=logged_out", status_code=303)
            clear_session_cookie(response)
            return response
        return RedirectResponse(f"{ACCOUNT_URL}?msg={notice}", status_code=303)

    def notify(call: Call) -> Response:
        try:
            with app.store.transaction() as session:
                set_notify(
                    session,
                    call.staff.name,
                    email=call.field("email"),
                    notify=call.field("notify") == "1",
                )
                log_entry(
                    session,
                    actor=call.staff.name,
                    action=ReviewAction.SET_NOTIFY,
                    target_type=LogTarget.ACCOUNT,
                    target_id=call.staff.name,
                    now=call.now,
                    detail={"daily": "ja" if call.field("notify") == "1" else "nein"},
                )
        except AccountError as problem:
            return show(call, status=400, error=problem.german)
        return RedirectResponse(f"{ACCOUNT_URL}?msg=notify_saved", status_code=303)

    return [
        Route(ACCOUNT_URL, guarded(app, show), methods=["GET"]),
        Route(f"{ACCOUNT_URL}/sessions", guarded(app, end), methods=["POST"]),
        Route(f"{ACCOUNT_URL}/notify", guarded(app, notify), methods=["POST"]),
    ]
