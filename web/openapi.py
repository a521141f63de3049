"""The OpenAPI 3.1 description of the served feeds (/openapi.json), written by hand."""

from __future__ import annotations

from typing import Any

from aggregator.categories import CATEGORIES
from aggregator.states import EventStatus, PostingStatus
from web.query_params import MAX_PER_PAGE, PER_PAGE

Schema = dict[str, Any]
DAY_OR_TIME = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2})?$"
TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$"


def _nullable(schema: Schema) -> Schema:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict[str, Schema]) -> Schema:
    return {"type": "object", "required": list(properties), "properties": properties}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _parameter(where: str, name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": where, "required": where == "path", "description": description,
            "schema": schema}  # fmt: skip


def _query(name: str, description: str, schema: Schema) -> Schema:
    return _parameter("query", name, description, schema)


def _path(name: str, description: str, schema: Schema) -> Schema:
    return _parameter("path", name, description, schema)


TEXT, NUMBER = {"type": "string"}, {"type": "number"}
WHEN = {"type": "string", "pattern": TIME}
DAY = {"type": "string", "format": "date"}
CATEGORY = {"type": "string", "enum": list(CATEGORIES)}

SCHEMAS: dict[str, Schema] = {
    "EventSource": _object(
        {
            "source": TEXT,
            "url": _nullable(TEXT),
            "uid": _nullable(TEXT),
            "license": {**_nullable(TEXT), "description": "the licence the source gives"},
        }
    ),
    "Event": _object(
        {
            "id": TEXT,
            "uid": TEXT,
            "title": TEXT,
            "description": {**TEXT, "description": "plain text"},
            "start": {
                "type": "string",
                "pattern": DAY_OR_TIME,
                "description": "local time with offset; a date for all-day events",
            },
            "end": {
                "type": ["string", "null"],
                "pattern": DAY_OR_TIME,
                "description": "local time with offset; the last day (inclusive) if all-day",
            },
            "all_day": {"type": "boolean"},
            "timezone": TEXT,
            "status": {"type": "string", "enum": [status.value for status in EventStatus]},
            "categories": {"type": "array", "items": CATEGORY},
            "location": _object(
                {
                    "name": _nullable(TEXT),
                    "address": _nullable(TEXT),
                    "postcode": _nullable(TEXT),
                    "town": _nullable(TEXT),
                    "lat": _nullable(NUMBER),
                    "lon": _nullable(NUMBER),
                }
            ),
            "url": _nullable(TEXT),
            "series": {**_nullable(TEXT), "description": "shared by the occurrences of one series"},
            "translations": {
                "type": "object",
                "description": "title and description in other languages, by language code",
                "additionalProperties": _object({"title": TEXT, "description": TEXT}),
            },
            "sources": {"type": "array", "items": _ref("EventSource")},
            "updated_at": WHEN,
        }
    ),
    "ApprenticeshipSource": _object(
        {"source": TEXT, "url": _nullable(TEXT), "id": _nullable(TEXT)}
    ),
    "Apprenticeship": _object(
        {
            "id": TEXT,
            "title": TEXT,
            "occupation": TEXT,
            "company": TEXT,
            "location": _object(
                {
                    "address": _nullable(TEXT),
                    "postcode": _nullable(TEXT),
                    "town": _nullable(TEXT),
                    "lat": _nullable(NUMBER),
                    "lon": _nullable(NUMBER),
                }
            ),
            "start_date": _nullable(DAY),
            "url": _nullable(TEXT),
            "sources": {"type": "array", "items": _ref("ApprenticeshipSource")},
            "first_seen": WHEN,
            "last_seen": WHEN,
            "status": {"type": "string", "enum": [PostingStatus.OPEN.value]},
        }
    ),
    "EventsFeed": _object(
        {"generated_at": WHEN, "events": {"type": "array", "items": _ref("Event")}}
    ),
    "ApprenticeshipsFeed": _object(
        {
            "generated_at": WHEN,
            "apprenticeships": {"type": "array", "items": _ref("Apprenticeship")},
        }
    ),
}
PAGE_FIELDS: dict[str, Schema] = {
    "generated_at": WHEN,
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    "total": {"type": "integer", "minimum": 0},
    "pages": {"type": "integer", "minimum": 0},
    "next": {**_nullable(TEXT), "description": "URL of the next page"},
    "prev": {**_nullable(TEXT), "description": "URL of the previous page"},
}
SCHEMAS["EventPage"] = _object({**PAGE_FIELDS, "events": {"type": "array", "items": _ref("Event")}})
SCHEMAS["ApprenticeshipPage"] = _object(
    {**PAGE_FIELDS, "apprenticeships": {"type": "array", "items": _ref("Apprenticeship")}}
)

TOWN = _query("town", "a town's name or slug (heidenheim-an-der-brenz)", TEXT)
SOURCE = _query("source", "a source's id from the sources file", TEXT)
FROM = _query("from", "first day (YYYY-MM-DD)", DAY)
TO = _query("to", "last day, inclusive (YYYY-MM-DD)", DAY)
Q = _query("q", "words in the title or description", TEXT)
EVENT_FILTERS = [
    _query("category", "one of the five categories", CATEGORY),
    TOWN,
    SOURCE,
    FROM,
    TO,
    Q,
]
APPRENTICESHIP_FILTERS = [
    TOWN,
    SOURCE,
    _query("from", "earliest start date (YYYY-MM-DD)", DAY),
    _query("to", "latest start date (YYYY-MM-DD)", DAY),
    _query("q", "words in the title, occupation or company", TEXT),
]
PAGING = [
    _query("page", "page number, from 1", {"type": "integer", "minimum": 1, "default": 1}),
    _query(
        "per_page",
        "entries per page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": PER_PAGE},
    ),
]
VALIDATORS = [
    {"name": "If-None-Match", "in": "header", "required": False, "schema": TEXT},
    {"name": "If-Modified-Since", "in": "header", "required": False, "schema": TEXT},
]
CACHED = {
    "ETag": {"schema": TEXT},
    "Last-Modified": {"schema": TEXT},
    "Cache-Control": {"schema": TEXT},
    "Access-Control-Allow-Origin": {"schema": TEXT},
}
ERRORS = {
    "304": {"description": "not modified since the ETag or date given", "headers": CACHED},
    "400": {
        "description": "a query parameter that cannot be read",
        "content": {"text/plain": {"schema": TEXT}},
    },
}
NOT_FOUND = {"404": {"description": "no such feed", "content": {"text/plain": {"schema": TEXT}}}}


def _get(summary: str, media_type: str, schema: Schema, parameters: list[Schema]) -> Schema:
    ok = {"description": summary, "headers": CACHED, "content": {media_type: {"schema": schema}}}
    return {
        "get": {
            "summary": summary,
            "parameters": [*parameters, *VALIDATORS],
            "responses": {"200": ok, **ERRORS},
        }
    }


EXPAND = _query(
    "expand",
    "1: every occurrence of a series as its own VEVENT (as the static …-expanded.ics)",
    {"type": "string", "enum": ["1", "true"]},
)


def _calendar(summary: str, *path_parameters: Schema) -> Schema:
    operation = _get(summary, "text/calendar", TEXT, [*path_parameters, *EVENT_FILTERS, EXPAND])
    if path_parameters:
        operation["get"]["responses"].update(NOT_FOUND)
    return operation


def openapi() -> Schema:
    """The whole description, as a JSON-ready dict."""
    category = _path("category", "one of the five categories", CATEGORY)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lotse feeds",
            "version": "1",
            "description": "Local events and apprenticeships as iCalendar (RFC 5545) and JSON. "
            "Every feed answers conditional requests (ETag, Last-Modified, 304) and CORS.",
        },
        "paths": {
            "/events.ics": _calendar(
                "every published event, 30 days back to 365 ahead; a series as one VEVENT "
                "with RRULE, EXDATE and RECURRENCE-ID overrides"
            ),
            "/events-expanded.ics": _calendar(
                "every published event, each occurrence of a series its own VEVENT"
            ),
            "/events/{category}.ics": _calendar("the events of one category", category),
            "/events/town/{town}.ics": _calendar(
                "the events in one town", _path("town", "the town's slug", TEXT)
            ),
            "/events/source/{source}.ics": _calendar(
                "the events one source describes", _path("source", "the source's id", TEXT)
            ),
            "/integreat/events.ics": _calendar("every event, for the Integreat CMS import"),
            "/integreat/{category}.ics": _calendar(
                "one category's events, for the Integreat CMS import", category
            ),
            "/events.json": _get(
                "every event, one entry per occurrence",
                "application/json",
                _ref("EventsFeed"),
                EVENT_FILTERS,
            ),
            "/apprenticeships.json": _get(
                "every open apprenticeship",
                "application/json",
                _ref("ApprenticeshipsFeed"),
                APPRENTICESHIP_FILTERS,
            ),
            "/api/events": _get(
                "events, a page at a time",
                "application/json",
                _ref("EventPage"),
                [*EVENT_FILTERS, *PAGING],
            ),
            "/api/apprenticeships": _get(
                "open apprenticeships, a page at a time",
                "application/json",
                _ref("ApprenticeshipPage"),
                [*APPRENTICESHIP_FILTERS, *PAGING],
            ),
        },
        "components": {"schemas": SCHEMAS},
    }
