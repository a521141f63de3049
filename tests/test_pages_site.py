"""The pages as a site: the start page leads to both searches, one small stylesheet kept long,
safe headers, light pages, and HEAD answered like GET."""

from __future__ import annotations

import re

import pytest

from tests.support.pages import german_visitor
from web.pages.render import STYLESHEET_URL

PAGES = ("/", "/veranstaltungen", "/ausbildung", "/ausbildung?postcode=89522&km=50")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with german_visitor(tmp_path_factory.mktemp("pages")) as client:
        yield client


def test_the_start_page_leads_to_apprenticeships_and_events(client) -> None:
    page = client.get("/").text
    assert "<h1>Willkommen bei Lotse</h1>" in page
    doors = re.findall(
        r'<a class="door" href="([^"]+)">\s*<span class="door-title">(.*?)</span>', page
    )
    assert doors == [
        ("/ausbildung", "Ausbildung finden"),
        ("/veranstaltungen", "Veranstaltungen finden"),
    ]
    assert '<a class="skip" href="#main">Zum Inhalt springen</a>' in page
    assert '<main id="main" tabindex="-1">' in page


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_light_safe_and_script_free(client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert len(answer.content) < 50_000
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "style-src 'self'" in policy
    assert "script-src" not in policy  # no script runs on these pages
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in answer.text.replace('<script type="application/ld+json">', "")
    assert f'<link rel="stylesheet" href="{STYLESHEET_URL}">' in answer.text
    assert client.head(path).headers["content-length"] == answer.headers["content-length"]


def test_one_small_stylesheet_kept_for_a_year(client) -> None:
    answer = client.get(STYLESHEET_URL)
    assert answer.headers["content-type"].startswith("text/css")
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert len(answer.content) < 10_000
    assert "@font-face" not in answer.text and "url(" not in answer.text  # no fonts, no images
    assert ":focus-visible" in answer.text  # keyboard focus stays visible
