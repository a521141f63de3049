"""Integreat CMS API v3 events (``…/api/v3/{region}/{language}/events/``) into records.

The API answers in one of two forms. Combined (``?combine_recurring=True``): one item per event,
a recurring one carrying its ``recurrence_rule``. Expanded (the default): every occurrence of a
recurring event is its own item, its ``path`` ending in ``$YYYY-MM-DD``, all sharing the event's
``id``. Either way one record is one event — keyed by its ``id`` — so the occurrences of a series
stay one series: a combined item is stored as the object it is, the occurrences of an expanded
event as the list of their objects.

The same event in the CMS's other languages (``available_languages``) comes from those languages'
own answers: ``with_translations`` stores it beside the event, as
``{"record": <the item or list>, "translations": {language: [its items]}}``, found by the
``event.id`` all languages share (else by the path ``available_languages`` names); a language
whose answer could not be had is named under ``"unread"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from aggregator.languages import LANGUAGES
from crawlers.extract.claiming import json_of
from crawlers.extract.document import Document
from crawlers.extract.records import Extracted, Extraction, Unreadable, json_text, unique

OCCURRENCE = re.compile(r"\$\d{4}-\d{2}-\d{2}(?=/?$)")
Items = list[dict[str, Any]]


def split_events(document: Document) -> Extraction:
    """One record per event; items that are no event object are problems."""
    where = document.url
    problems: list[Problem] = []
    groups: dict[str, Items] = {}
    for number, item in enumerate(_answer(document), start=1):
        key = _key(item)
        if key is None:
            problems.append(Problem(where, f"item {number} is not an event with an id or path"))
            continue
        groups.setdefault(key, []).append(item)
    records = []
    for key, items in groups.items():
        if any(is_occurrence(item) for item in items):
            records.append(Extracted(key, "json", json_text(items), _series_url(items[0])))
        else:
            records += [Extracted(key, "json", json_text(item), item.get("url")) for item in items]
    kept, duplicates = unique(records, where)
    return Extraction(kept, problems + duplicates)


def is_occurrence(item: dict[str, Any]) -> bool:
    """An item of the expanded form: one occurrence of a recurring event."""
    return bool(OCCURRENCE.search(str(item.get("path") or item.get("url") or "")))


def offered_languages(records: Iterable[Extracted]) -> list[str]:
    """The pages' languages (aggregator.languages) the records' events are offered in besides
    their own, as ``available_languages`` names them."""
    offered = {language for record in records for language in _available(_items(record))}
    return [language for language in LANGUAGES if language in offered]


def read_translations(document: Document) -> dict[str, Items]:
    """One language's answer: its items by the event they belong to (``event:<id>``, and
    ``path:<path without occurrence>``)."""
    found: dict[str, Items] = {}
    for item in _answer(document):
        for key in _translation_keys(item):
            found.setdefault(key, []).append(item)
    return found


def with_translations(
    records: Iterable[Extracted],
    answers: Mapping[str, Mapping[str, Items]],
    unread: Iterable[str] = (),
) -> list[Extracted]:
    """The records, each with its event in the other languages' ``answers`` (language → what
    ``read_translations`` found) stored beside it, and the ``unread`` languages (whose answer
    could not be had) it is offered in (``"unread"``: its listing keeps what it had); a record
    neither concerns stays as it is."""
    missing = list(unread)
    return [_translated(record, answers, missing) for record in records]


def _translated(
    record: Extracted, answers: Mapping[str, Mapping[str, Items]], unread: list[str]
) -> Extracted:
    items = _items(record)
    offered = _available(items)
    translations = {}
    for language, found in answers.items():
        path = (offered.get(language) or {}).get("path")
        wanted = [*_event_keys(items[0]), *_path_keys(path)] if items else []
        match = next((found[key] for key in wanted if key in found), None)
        if match:
            translations[language] = match
    missing = [language for language in unread if language in offered]
    if not translations and not missing:
        return record
    payload: dict[str, Any] = {"record": json.loads(record.payload), "translations": translations}
    if missing:
        payload["unread"] = missing
    return replace(record, payload=json_text(payload))


def _answer(document: Document) -> list[Any]:
    try:
        data = json.loads(document.text)
    except ValueError as error:
        raise Unreadable(f"not JSON: {error}") from error
    if not isinstance(data, list):
        raise Unreadable(f"expected a JSON list of events, got a JSON {type(data).__name__}")
    return data


def _items(record: Extracted) -> Items:
    data = json.loads(record.payload)
    return data if isinstance(data, list) else [data]


def _available(items: Items) -> dict[str, dict[str, Any]]:
    """``available_languages`` of an event's items: language → {id, url, path}."""
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        offered = item.get("available_languages")
        if isinstance(offered, dict):
            for language, where in offered.items():
                found.setdefault(language, where if isinstance(where, dict) else {})
    return found


def _translation_keys(item: Any) -> Iterator[str]:
    if isinstance(item, dict):
        yield from _event_keys(item)
        yield from _path_keys(item.get("path"))


def _event_keys(item: dict[str, Any]) -> Iterator[str]:
    event = item.get("event")
    if isinstance(event, dict) and event.get("id") is not None:
        yield f"event:{event['id']}"


def _path_keys(path: Any) -> Iterator[str]:
    if isinstance(path, str) and path:
        yield f"path:{OCCURRENCE.sub('', path)}"


def _key(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if item.get("id") is not None:
        return str(item["id"])
    path = item.get("path")
    return OCCURRENCE.sub("", path) if isinstance(path, str) and path else None


def _series_url(item: dict[str, Any]) -> str | None:
    url = item.get("url")
    return OCCURRENCE.sub("", url) if isinstance(url, str) else None


EVENTS_PATH = re.compile(r"/api/v3/[^/]+/[^/]+/events/?$")


def claims(document: Document) -> Claim | None:
    """A JSON list from an Integreat events endpoint, or of Integreat event items."""
    data = json_of(document)
    if not isinstance(data, list):
        return None
    at_endpoint = EVENTS_PATH.search(urlsplit(document.url).path) is not None
    items = [item for item in data if isinstance(item, dict)]
    return Claim() if at_endpoint or any(_looks_like_event(item) for item in items) else None


def _looks_like_event(item: dict[str, Any]) -> bool:
    return isinstance(item.get("event"), dict) and "available_languages" in item
