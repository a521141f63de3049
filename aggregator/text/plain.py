"""Plain text from whatever sources send: HTML fragments, entities, stray whitespace."""

from __future__ import annotations

import html
import re

import nh3

BLOCK_BREAK = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>")
# Markup is read as HTML only where it holds a real HTML element: "<für Anfänger>" in an iCal
# TEXT value (RFC 5545 §3.3.11, plain text) is text, "<p>Text</p>" from a CMS is markup.
HTML_ELEMENT = re.compile(
    r"(?i)<!--|<!doctype|<\s*/?\s*(a|abbr|article|audio|b|base|body|blockquote|br|button|code|dd"
    r"|details|div|dl|dt|em|embed|footer|form|font|h[1-6]|head|header|hr|html|i|iframe|img|input"
    r"|label|li|link|main|math|meta|nav|noscript|object|ol|option|p|pre|script|section|select"
    r"|small|source|span|strong|style|sub|summary|sup|svg|table|tbody|td|template|textarea|th"
    r"|thead|title|tr|u|ul|video)(\s[^<>]*)?/?>"
)
SPACES = re.compile(r"[ \t\u00a0]+")
BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")
MAX_TEXT = 20_000


def plain_text(value: str | None, *, max_length: int = MAX_TEXT) -> str:
    """Tags removed (line breaks kept), entities decoded, whitespace tidied, length capped."""
    if not value:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if "<" in text and HTML_ELEMENT.search(text):
        text = BLOCK_BREAK.sub("\n", text)
        text = nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})
    text = html.unescape(html.unescape(text)) if "&" in text else text
    lines = [SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return text[:max_length]


def one_line(value: str | None, *, max_length: int = 500) -> str:
    """Plain text on a single line (titles, places)."""
    return " ".join(plain_text(value, max_length=max_length * 2).split())[:max_length]
