"""The staff list (admins only): every account, its role, whether it is active and signed in;
disable, enable, change the role, set a new password. A disabled account's sessions end at once,
as do those of an account whose password is set anew. Each change is in the log."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.accounts import (
    AccountError,
    all_staff,
    reset_password,
    session_counts,
    set_active,
    set_role,
)
from aggregator.review_log import log_entry
from aggregator.states import LogTarget, ReviewAction, Role
from web.context import AppContext
from web.desk.guard import POLICY, Call, guarded

TEAM_URL = "/desk/staff"


def routes(app: AppContext) -> list[Route]:
    def show(call: Call, *, status: int = 200, error: str | None = None) -> Response:
        with app.store.transaction() as session:
            counts = session_counts(session, now=call.now, policy=POLICY)
            members = [(user, counts.get(user.id, 0)) for user in all_staff(session)]
        return call.render(
            "team.html", status=status, error=error, members=members, roles=list(Role)
        )

    def change(call: Call) -> Response:
        name, what = call.path("name"), call.field("what")
        try:
            with app.store.transaction() as session:
                detail: dict[str, str] = {}
                if what == "disable":
                    if name == call.staff.name:
                        raise AccountError("", "Das eigene Konto lässt sich hier nicht sperren.")
                    set_active(session, name, False)
                    action = ReviewAction.DISABLE
                elif what == "enable":
                    set_active(session, name, True)
                    action = ReviewAction.ENABLE
                elif what == "role":
                    set_role(session, name, call.field("role"))
                    action, detail = ReviewAction.SET_ROLE, {"role": call.field("role")}
                elif what == "password":
                    if call.raw("password") != call.raw("password2"):
                        raise AccountError("", "Die beiden Passwörter sind verschieden.")
                    reset_password(session, name, call.raw("password"))
                    action = ReviewAction.RESET_PASSWORD
                else:
                    return show(call, status=400, error="Unbekannte Änderung.")
                log_entry(
                    session,
                    actor=call.staff.name,
                    action=action,
                    target_type=LogTarget.ACCOUNT,
                    target_id=name,
                    now=call.now,
                    detail=detail,
                )
        except AccountError as problem:
            return show(call, status=400, error=problem.german)
        return RedirectResponse(f"{TEAM_URL}?msg=account_saved", status_code=303)

    return [
        Route(TEAM_URL, guarded(app, show, role=Role.ADMIN), methods=["GET"]),
        Route(f"{TEAM_URL}/{{name}}", guarded(app, change, role=Role.ADMIN), methods=["POST"]),
    ]
