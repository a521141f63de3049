"""'Quelle hinzufügen' and a source's settings (admins only).

An admin pastes a URL; it is tried as `lotse sources try` tries it (the handed-in
``AppContext.try_source``: the kind, the first items as they would be published, the problems);
then name, categories, town and trusted are set and the entry is saved into the sources file
(``AppContext.sources_file``, the one `lotse run` and beat read; aggregator/sources_edit.py keeps
its comments and writes only a valid file). The next pass crawls it. A source's name, trusted,
categories, town and enabled are changed in the file the same way. Each change is in the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.categories import CATEGORIES
from aggregator.places.locations import municipalities
from aggregator.regions.active import using_region
from aggregator.regions.region import DEFAULT_REGION, Region, region_named
from aggregator.review.decisions import Refused
from aggregator.review_log import log_entry
from aggregator.served_regions import served_regions, source_region
from aggregator.sources import SourcesFileError
from aggregator.sources_edit import (
    Destination,
    StaleEntry,
    add_source,
    change_source,
    entry_digest,
    read_entry,
)
from aggregator.states import LogTarget, ReviewAction, Role
from web.context import AppContext, TrySource
from web.desk.guard import BadInput, Call, guarded

NEW_URL = "/desk/new-source"


@dataclass(frozen=True)
class SourceSettings:
    """What the desk sets on a source: the form's values."""

    name: str = ""
    categories: tuple[str, ...] = ()
    town: str = ""
    trusted: bool = False
    enabled: bool = True

    @classmethod
    def of_form(cls, call: Call) -> SourceSettings:
        return cls(
            name=call.field("name"),
            categories=tuple(call.fields("categories")),
            town=call.field("town"),
            trusted=call.field("trusted") == "1",
            enabled=call.field("enabled") == "1",
        )

    @classmethod
    def of_entry(cls, entry: dict[str, Any]) -> SourceSettings:
        return cls(
            name=str(entry.get("name") or ""),
            categories=tuple(entry.get("categories") or ()),
            town=str(entry.get("town") or ""),
            trusted=entry.get("trusted") is True,
            enabled=entry.get("enabled") is not False,
        )

    def changes(self) -> dict[str, Any]:
        """The entry's keys as the file keeps them: an empty value is no key at all, as are
        the defaults (not trusted, enabled)."""
        return {
            "name": self.name or None,
            "categories": list(self.categories) or None,
            "town": self.town or None,
            "trusted": True if self.trusted else None,
            "enabled": None if self.enabled else False,
        }


def routes(app: AppContext) -> list[Route]:
    def configured() -> tuple[Path, TrySource]:
        """The sources file and the trial of a URL; 409 where the server was given neither."""
        if app.sources_file is None or app.try_source is None:
            raise Refused(
                "Quellen lassen sich hier nicht hinzufügen oder ändern: Dieser Server hat "
                "keine Quellendatei (LOTSE_SOURCES)."
            )
        return app.sources_file, app.try_source

    def show_new(call: Call, *, status: int = 200, **shown: Any) -> Response:
        context: dict[str, Any] = {"url": "", "allow_private": False, "trial": None}
        context |= {"entry": None, "form": SourceSettings(), "source_id": "", "problems": []}
        context |= shown
        entry = context["entry"]
        return call.render(
            "source_new.html",
            status=status,
            categories=CATEGORIES,
            towns=municipalities(),
            entry_json=json.dumps(entry, ensure_ascii=False) if entry else "",
            **context,
        )

    def start(call: Call) -> Response:
        configured()
        return show_new(call)

    def submit(call: Call) -> Response:
        if call.field("what") == "try":
            return tried(call)
        if call.field("what") == "save":
            return save(call)
        raise BadInput("Unbekannte Aktion.")

    def tried(call: Call) -> Response:
        path, try_source = configured()
        url, allow_private = call.field("url"), call.field("allow_private") == "1"
        if not url:
            raise BadInput("Bitte die Adresse der Quelle eingeben.")
        into = Destination.of(path, region=region_for_new(call, path))
        trial = try_source(url, allow_private=allow_private, into=into)
        return show_new(
            call,
            url=url,
            allow_private=allow_private,
            trial=trial,
            entry=trial.entry or None,
            source_id=trial.entry.get("id", ""),
        )

    def save(call: Call) -> Response:
        path, _ = configured()
        found = _found_entry(call.field("entry"))
        form, source_id = SourceSettings.of_form(call), call.field("id")
        entry = {"id": source_id, "name": form.changes()["name"]}
        entry |= {key: value for key, value in found.items() if key != "id"}
        entry |= {key: value for key, value in form.changes().items() if key != "name"}
        if (region := region_for_new(call, path)) is not None:
            entry["in_region"] = region
        try:
            add_source(path, entry)
        except SourcesFileError as invalid:
            shown = {"url": call.field("url"), "entry": found, "form": form}
            return show_new(
                call, status=400, source_id=source_id, problems=invalid.problems, **shown
            )
        _log(call, ReviewAction.ADD_SOURCE, source_id, {"kind": entry["kind"], "url": entry["url"]})
        return RedirectResponse("/desk/sources?msg=source_added", status_code=303)

    def region_of(call: Call, source_id: str) -> Region:
        """The region a source reads for (NotYours when the account does not work on it); a
        source not crawled yet is the default region's."""
        with app.store.transaction() as session:
            source = call.source(session, source_id)
            return source_region(source) if source else served_regions(session)[0]

    def settings(call: Call) -> Response:
        path, source_id = configured()[0], call.path("source_id")
        region_of(call, source_id)
        entry = _entry_or_none(path, source_id)
        if entry is None:
            return call.not_found("Diese Quelle steht nicht in der Quellendatei.")
        return show_settings(call, source_id, entry, SourceSettings.of_entry(entry))

    def show_settings(
        call: Call,
        source_id: str,
        entry: dict[str, Any],
        form: SourceSettings,
        *,
        status: int = 200,
        problems: list[str] | None = None,
    ) -> Response:
        with using_region(region_of(call, source_id)):
            towns = municipalities()
        return call.render(
            "source_settings.html",
            status=status,
            source_id=source_id,
            entry=entry,
            form=form,
            digest=entry_digest(entry),
            categories=CATEGORIES,
            towns=towns,
            problems=problems or [],
        )

    def change(call: Call) -> Response:
        path, source_id = configured()[0], call.path("source_id")
        region_of(call, source_id)
        entry = _entry_or_none(path, source_id)
        if entry is None:
            return call.not_found("Diese Quelle steht nicht in der Quellendatei.")
        form = SourceSettings.of_form(call)
        before = SourceSettings.of_entry(entry).changes()
        changed = {key: value for key, value in form.changes().items() if before[key] != value}
        if not changed:
            return RedirectResponse("/desk/sources?msg=unchanged", status_code=303)
        try:
            change_source(path, source_id, changed, digest=call.field("digest"))
        except StaleEntry as stale:
            raise Refused(str(stale)) from None
        except SourcesFileError as invalid:
            return show_settings(
                call, source_id, entry, form, status=400, problems=invalid.problems
            )
        _log(
            call, ReviewAction.CHANGE_SOURCE, source_id, {k: _shown(v) for k, v in changed.items()}
        )
        return RedirectResponse("/desk/sources?msg=source_saved", status_code=303)

    def _log(call: Call, action: str, source_id: str, detail: dict[str, str]) -> None:
        with app.store.transaction() as session:
            log_entry(
                session,
                actor=call.staff.name,
                action=action,
                target_type=LogTarget.SOURCE,
                target_id=source_id,
                now=call.now,
                detail=detail,
            )

    admin = Role.ADMIN
    return [
        Route(NEW_URL, guarded(app, start, role=admin), methods=["GET"]),
        Route(NEW_URL, guarded(app, submit, role=admin), methods=["POST"]),
        Route(
            "/desk/sources/{source_id}/settings",
            guarded(app, settings, role=admin),
            methods=["GET"],
        ),
        Route(
            "/desk/sources/{source_id}/settings", guarded(app, change, role=admin), methods=["POST"]
        ),
    ]


def region_for_new(call: Call, path: Path) -> str | None:
    """The region a new source of this account reads for, where it is not the file's: an
    account limited to regions adds to its first (None: the file's own region)."""
    if not call.staff.regions:
        return None
    own = Destination.of(path).keys.get("region", DEFAULT_REGION)
    mine = call.staff.regions[0]
    return None if region_named(own).slug in call.staff.regions else mine


def _found_entry(text: str) -> dict[str, Any]:
    """The entry the trial proposed, as the form carried it: a table with kind and url."""
    try:
        entry = json.loads(text)
    except ValueError:
        entry = None
    if not isinstance(entry, dict) or not {"kind", "url"} <= set(entry):
        raise BadInput("Bitte die Adresse zuerst prüfen lassen.")
    return entry


def _entry_or_none(path: Path, source_id: str) -> dict[str, Any] | None:
    try:
        return read_entry(path, source_id)
    except (KeyError, FileNotFoundError):
        return None


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return str(value)
