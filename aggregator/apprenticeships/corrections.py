"""Staff corrections of an apprenticeship, kept in ``Apprenticeship.overrides`` as for events
(aggregator.events.corrections: ``value``, ``base``, and ``theirs`` while a source disagrees).

Groups: title, occupation, company, location (address, postcode, town and the coordinates that
go with them), start_date, url.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from aggregator.apprenticeships.listings import FIELDS, refresh_apprenticeship, source_fields
from aggregator.events.corrections import correction, encoded, same_values
from aggregator.linking import sources_by_id
from aggregator.places.locations import normalize_place
from aggregator.review_log import log_decision
from aggregator.states import ChangeOrigin, ReviewAction, ReviewState
from aggregator.store.models import Apprenticeship
from aggregator.text.plain import one_line

GROUPS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "occupation": ("occupation",),
    "company": ("company",),
    "location": ("address", "postcode", "town", "lat", "lon"),
    "start_date": ("start_date",),
    "url": ("url",),
}


def corrected_columns(fields: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A staff edit as column values per group; raises ValueError naming what cannot be taken."""
    unknown = set(fields) - set(GROUPS)
    if unknown:
        raise ValueError(f"cannot correct {', '.join(sorted(unknown))}: not one of {list(GROUPS)}")
    columns: dict[str, dict[str, Any]] = {}
    for group, value in fields.items():
        if group == "location":
            place = normalize_place(**dict(value or {}))
            columns[group] = {
                "address": place.address,
                "postcode": place.postcode,
                "town": place.town,
                "lat": place.lat,
                "lon": place.lon,
            }
        elif group == "start_date":
            columns[group] = {"start_date": _day(value)}
        elif group == "url":
            columns[group] = {"url": (str(value).strip() if value else "") or None}
        else:
            text = one_line(str(value or ""))
            if group == "title" and not text:
                raise ValueError("the title must not be empty")
            columns[group] = {group: text}
    return columns


def correct(
    session: Session, item: Apprenticeship, *, actor: str, fields: dict[str, Any], now: datetime
) -> list[str]:
    """Staff's values on top of the sources'; returns the groups changed (a group whose
    normalized value is the listing's already is none)."""
    if item.review_state == ReviewState.MERGED:
        raise ValueError(f"{item.id} was merged into another listing")
    columns = corrected_columns(fields)
    sources = sources_by_id(session, {link.record.source_id for link in item.links})
    said = source_fields(item, sources) or {name: getattr(item, name) for name in FIELDS}
    current = {name: getattr(item, name) for name in FIELDS}
    overrides = dict(item.overrides)
    changed = []
    for group, values in columns.items():
        if same_values(values, current):
            continue
        if same_values(values, said):
            overrides.pop(group, None)
        else:
            overrides[group] = correction(values, said)
        changed.append(group)
    if not changed:
        return []
    item.overrides = overrides
    refresh_apprenticeship(item, sources, now, actor=actor, origin=ChangeOrigin.STAFF)
    detail = {"fields": {group: encoded(columns[group]) for group in changed}}
    log_decision(
        session, actor=actor, action=ReviewAction.CORRECT, target=item, now=now, detail=detail
    )
    return changed


def settle(
    session: Session, item: Apprenticeship, group: str, *, keep: bool, actor: str, now: datetime
) -> None:
    """Settle a conflict: keep staff's value (it stands until the source changes again) or
    take the source's (the correction ends)."""
    entry = item.overrides.get(group)
    if entry is None or "theirs" not in entry:
        raise ValueError(f"no conflict about {group}")
    overrides = dict(item.overrides)
    if keep:
        overrides[group] = {"value": entry["value"], "base": entry["theirs"]}
        item.overrides = overrides
    else:
        del overrides[group]
        item.overrides = overrides
        sources = sources_by_id(session, {link.record.source_id for link in item.links})
        refresh_apprenticeship(item, sources, now, actor=actor, origin=ChangeOrigin.STAFF)
    action = ReviewAction.KEEP_OURS if keep else ReviewAction.TAKE_THEIRS
    log_decision(
        session, actor=actor, action=action, target=item, now=now, detail={"fields": [group]}
    )


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())
