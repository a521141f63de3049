"""Changing the sources file in place (the desk's "Quelle hinzufügen" and source settings): a new
entry appended, an entry's keys set or removed, every comment and the order kept (tomlkit).

The file is written only when the whole of it is valid afterwards (aggregator/sources.py, the
check ``lotse sources check`` makes), atomically (a reader never sees half a file), one change
at a time (an exclusive lock on its folder).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomlkit
from tomlkit.items import Item, Key, Table

from aggregator.sources import SourceConfig, parse_sources

EDITABLE = ("name", "categories", "town", "trusted", "enabled")
MAX_ID = 60


class StaleEntry(Exception):
    """The entry changed since the form showing it was made; the message says so in German."""


def propose_id(url: str, taken: Iterable[str] = ()) -> str:
    """A source id from the URL's host ("www.vhs-heidenheim.de" → "vhs-heidenheim-de"), with a
    number added where the id is taken."""
    host = (urlsplit(url).hostname or "quelle").lower().removeprefix("www.")
    base = re.sub(r"[^a-z0-9]+", "-", host).strip("-")[:MAX_ID].strip("-") or "quelle"
    taken = set(taken)
    found, number = base, 1
    while found in taken:
        number += 1
        found = f"{base}-{number}"
    return found


def entry_toml(entry: Mapping[str, Any]) -> str:
    """The entry as the sources file writes it: a ``[[sources]]`` table."""
    document = tomlkit.document()
    tables = tomlkit.aot()
    tables.append(_table(entry))
    document["sources"] = tables
    return tomlkit.dumps(document)


@dataclass(frozen=True)
class Destination:
    """The sources file an entry is proposed for: the ids it has, and its own keys beside the
    sources (its ``region``), so that a trial reads the entry as the file will."""

    ids: tuple[str, ...] = ()
    keys: Mapping[str, Any] = field(default_factory=dict)
    folder: Path = Path(".")

    @classmethod
    def of(cls, path: Path | None, *, region: str | None = None) -> Destination:
        """The file's ids and keys; none where there is no readable file (its own problems are
        named when an entry is saved into it). ``region``: the entry will be one of this
        region's (``in_region``), not of the file's."""
        if path is None:
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return cls(folder=path.parent)
        entries = data.pop("sources", None)
        entries = entries if isinstance(entries, list) else []
        ids = tuple(str(entry.get("id")) for entry in entries if isinstance(entry, dict))
        if region is not None:
            data["region"] = region
        return cls(ids, data, path.parent)

    def config(self, entry: Mapping[str, Any]) -> SourceConfig:
        """The entry as the file would read it; SourcesFileError naming what is wrong."""
        data = {**self.keys, "sources": [dict(entry)]}
        (config,) = parse_sources(data, label="the proposed entry", folder=self.folder)
        return config


def read_entry(path: Path, source_id: str) -> dict[str, Any]:
    """The entry of ``source_id`` as the file has it; KeyError when it has none."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("sources") or []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("id") == source_id:
            return dict(entry)
    raise KeyError(source_id)


def entry_digest(entry: Mapping[str, Any]) -> str:
    """A short fingerprint of an entry's values: an edit form carries it, so that a save from
    a form made before someone else's change is refused."""
    text = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def add_source(path: Path, entry: Mapping[str, Any]) -> SourceConfig:
    """Append the entry; SourcesFileError (nothing written) when the file would be invalid."""
    with _locked(path):
        document = _parse(path)
        tables = document.get("sources")
        if tables is None:
            document["sources"] = tables = tomlkit.aot()
        table = _table(entry)
        if len(tables):
            table.trivia.indent = "\n"  # a blank line before it, as between the others
        tables.append(table)
        configs = _write_valid(path, document)
    return next(config for config in configs if config.id == entry["id"])


def change_source(
    path: Path, source_id: str, changes: Mapping[str, Any], *, digest: str | None = None
) -> SourceConfig:
    """Set the ``changes`` (keys of EDITABLE; None removes the key) on the entry of
    ``source_id``; KeyError without it, StaleEntry when ``digest`` is not the entry's as it is,
    SourcesFileError (nothing written) when the file would be invalid."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    with _locked(path):
        document = _parse(path)
        table = _table_of(document, source_id)
        if digest is not None and digest != entry_digest(table.unwrap()):
            raise StaleEntry(
                "Die Quelle wurde inzwischen geändert. Bitte laden Sie die Seite neu; "
                "Ihre Änderung ist nicht gespeichert."
            )
        for key, value in changes.items():
            _set(table, key, value)
        configs = _write_valid(path, document)
    return next(config for config in configs if config.id == source_id)


def _table(entry: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in entry.items():
        if value is not None:
            table[key] = list(value) if isinstance(value, tuple) else value
    return table


def _table_of(document: tomlkit.TOMLDocument, source_id: str) -> Table:
    for table in document.get("sources") or []:
        if isinstance(table, Table) and table.get("id") == source_id:
            return table
    raise KeyError(source_id)


def _set(table: Table, key: str, value: Any) -> None:
    """Set or remove one key; a new key goes after the entry's last one (before the comments
    that lead into the next entry)."""
    if value is None:
        if key in table:
            del table[key]
        return
    if key in table:
        table[key] = value
        return
    body = table.value.body  # (key, item) pairs; comments and blank lines have no key
    trailing: list[tuple[Key | None, Item]] = []
    while body and body[-1][0] is None:
        trailing.insert(0, body.pop())
    table.add(key, value)
    body.extend(trailing)


def _parse(path: Path) -> tomlkit.TOMLDocument:
    if not path.exists():
        return tomlkit.document()
    return tomlkit.parse(path.read_text(encoding="utf-8"))


def _write_valid(path: Path, document: tomlkit.TOMLDocument) -> list[SourceConfig]:
    text = tomlkit.dumps(document)
    # SourcesFileError if it is not valid; a region file it names is found beside it
    configs = parse_sources(tomllib.loads(text), label=str(path), folder=path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return configs


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One change of the file at a time, across processes (a lock on its folder)."""
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)
