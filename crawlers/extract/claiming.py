"""What the kinds' claim checks share (``claims`` in aggregator/kinds/spec.py): a document's JSON,
a URL's query values, the URL without its query or paging."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from w3lib.url import url_query_cleaner

from crawlers.extract.document import Document


def json_of(document: Document) -> Any:
    """The document's JSON value; None when it is no JSON (or JSON ``null``)."""
    text = document.text.lstrip("\ufeff \t\r\n")
    if not text.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def query_value(url: str, name: str) -> str | None:
    """The first value of query parameter ``name`` in ``url``, stripped; None without one."""
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0].strip() or None if values else None


def search_options(url: str, *, place: tuple[str, str], radius: str) -> dict[str, str | int]:
    """The search a URL's query asks for, as a kind's options: the query parameter
    ``place[0]`` as option ``place[1]``, a whole-number ``radius`` parameter as ``radius_km``."""
    options: dict[str, str | int] = {}
    if found := query_value(url, place[0]):
        options[place[1]] = found
    if (kilometres := query_value(url, radius)) and kilometres.isdigit():
        options["radius_km"] = int(kilometres)
    return options


def without_query(url: str) -> str:
    """The URL without query and fragment (a kind whose spider builds its own query)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def without_paging(url: str, *names: str) -> str:
    """The URL without the paging parameters ``names`` (a crawl starts at the first page)."""
    return url_query_cleaner(url, names, remove=True, keep_fragments=False)
