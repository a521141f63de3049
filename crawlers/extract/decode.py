"""Bytes to text: BOMs, declared charsets that lie, and a clear note when we had to guess."""

from __future__ import annotations

import codecs
import re

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def declared_charset(content_type: str | None) -> str | None:
    """The charset a Content-Type header names ("text/calendar; charset=UTF-8"), if any."""
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip(" \"'"):
            return value.strip(" \"'")
    return None


PRESCAN = 4096  # bytes of a document looked at for its declared charset
_XML_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:+-]+)""")
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)""", re.I)


def body_declared_charset(body: bytes) -> str | None:
    """The charset a document declares in its first bytes: its XML declaration's encoding, or
    ``<meta charset>`` / ``<meta http-equiv content="…; charset=…">`` (the HTML prescan, in
    short). Ours, not w3lib's: w3lib 2.6 hands this to a Rust scanner that panics on a body
    cut off inside a ``<meta`` tag."""
    head = body[:PRESCAN]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        found = pattern.search(head)
        if found:
            name = found.group(1).decode("ascii")
            return name if _known(name) else None
    return None


def decode_body(body: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Decode a response body; the second value explains a fallback or a wrong label, else None.

    Order: a BOM, then UTF-8 (what nearly every source sends, whatever it declares), then the
    declared charset, then Windows-1252 (a superset of Latin-1 for the bytes seen in practice).
    """
    for bom, encoding in BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace"), None
    try:
        return body.decode("utf-8"), utf8_despite_label(body, declared)
    except UnicodeDecodeError as error:
        utf8_error = error
    if declared and _known(declared) and codecs.lookup(declared).name not in ("utf-8",):
        try:
            return body.decode(declared), None
        except UnicodeDecodeError:
            pass
    note = (
        f"not valid UTF-8 (byte 0x{body[utf8_error.start]:02x} at offset {utf8_error.start}); "
        "read as Windows-1252"
    )
    return body.decode("cp1252", errors="replace"), note


def utf8_despite_label(body: bytes, declared: str | None) -> str | None:
    """A note when the bytes are UTF-8 beyond ASCII though the source declares another charset
    (they are read as UTF-8: read as declared, every umlaut would come out as two letters)."""
    if not declared or not _known(declared) or body.isascii():
        return None
    if codecs.lookup(declared).name in ("utf-8", "utf-8-sig"):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return f"declares the charset {declared}, but the bytes are UTF-8; read as UTF-8"


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True
