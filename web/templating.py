"""Server-rendered HTML shared by the staff desk and the public pages: one way to set up Jinja2."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


def is_web_url(value: object) -> bool:
    """Only http(s) addresses become links: a source cannot slip a javascript: URL into a page."""
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https")


def html_environment(templates: Path) -> Environment:
    """Templates from one folder, every value escaped, a missing name an error, and the test
    ``web_url`` for links."""
    environment = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.tests["web_url"] = is_web_url
    return environment
