"""Listings paged by a ``page`` query parameter counted from 1 (The Events Calendar,
Lehrstellen-Radar, Jobsuche): which page a URL is, and the URL of the page after it."""

from __future__ import annotations

from w3lib.url import add_or_replace_parameter, url_query_parameter


def page_number(url: str) -> int:
    """The ``page`` parameter of a listing URL (1 when it has none or no page number)."""
    value = url_query_parameter(url, "page") or "1"
    return int(value) if value.isdigit() and int(value) > 0 else 1


def page_after(url: str) -> str:
    """The URL of the listing page after the one at ``url``."""
    return add_or_replace_parameter(url, "page", str(page_number(url) + 1))
