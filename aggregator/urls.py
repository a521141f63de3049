"""Which URLs may be published: http and https ones only (never javascript:, data:, file:)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def web_url(value: object) -> str | None:
    """The URL without surrounding blanks if it is an absolute http(s) URL with a host and no
    control characters (a line break in a URL is an injection attempt), else None."""
    if not isinstance(value, str) or CONTROL.search(value.strip()):
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None
