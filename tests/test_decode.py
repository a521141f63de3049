"""A document's text from its bytes (crawlers/extract/document.py, decode.py): the charset the
header declares, else the one the document declares in its first bytes — read by our own
prescan, which also survives a body cut off inside a tag."""

from __future__ import annotations

import pytest

from crawlers.extract.decode import body_declared_charset
from crawlers.extract.document import Document

RUSSIAN = "Курс немецкого языка"


@pytest.mark.parametrize(
    ("head", "charset"),
    [
        ('<meta charset="windows-1251">', "windows-1251"),
        ("<META CHARSET=koi8-r>", "koi8-r"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
            "windows-1251",
        ),
        ("<meta name='x' content='y' charset='iso-8859-5'>", "iso-8859-5"),
    ],
)
def test_the_charset_a_page_declares_decodes_its_text(head: str, charset: str) -> None:
    body = f"<!DOCTYPE html><html><head>{head}</head><body><p>{RUSSIAN}</p>".encode(charset)
    assert body_declared_charset(body) == charset
    assert RUSSIAN in Document("https://kurse.example/", body, "text/html").text


def test_an_xml_declaration_names_the_charset() -> None:
    body = f'<?xml version="1.0" encoding="ISO-8859-5"?>\n<rss><title>{RUSSIAN}</title></rss>'
    assert RUSSIAN in Document("https://kurse.example/f", body.encode("iso-8859-5")).text


def test_the_header_comes_before_what_the_page_says() -> None:
    body = f'<meta charset="koi8-r"><p>{RUSSIAN}</p>'.encode("windows-1251")
    document = Document("https://kurse.example/", body, "text/html; charset=windows-1251")
    assert RUSSIAN in document.text


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE html>\n<html lang="de">\n<head><meta',  # w3lib 2.6 panics on this one
        b"<meta charset=",
        b'<meta charset="no-such-charset"><p>Sprachcaf\xc3\xa9</p>',
        b"",
    ],
)
def test_a_body_cut_off_or_naming_no_known_charset_is_read_as_utf8(body: bytes) -> None:
    assert body_declared_charset(body) is None
    assert Document("https://kurse.example/", body, "text/html").text == body.decode()
