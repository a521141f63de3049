"""The staff list (admins only): every account, its role, and whether it is signed in now."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.responses import Response
from starlette.routing import Route

from aggregator.states import Role
from aggregator.store.models import StaffSession, StaffUser
from web.context import AppContext
from web.desk.guard import Call, guarded


def routes(app: AppContext) -> list[Route]:
    def show(call: Call) -> Response:
        live = (
            select(StaffSession.user_id, func.count(StaffSession.id).label("sessions"))
            .where(StaffSession.expires_at > call.now)
            .group_by(StaffSession.user_id)
            .subquery()
        )
        query = (
            select(StaffUser, func.coalesce(live.c.sessions, 0))
            .outerjoin(live, live.c.user_id == StaffUser.id)
            .order_by(StaffUser.name)
        )
        with app.store.transaction() as session:
            members = [(user, int(sessions)) for user, sessions in session.execute(query)]
        return call.render("team.html", members=members)

    return [Route("/desk/staff", guarded(app, show, role=Role.ADMIN), methods=["GET"])]
