"""`lotse sources integreat-regions`: the Integreat CMS's regions (``/api/v3/regions/``) listed
to find a region's slug, run as a command against a local copy served on 127.0.0.1
(tests/fixtures/integreat/regions.json, the CMS's recorded shape)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawlers.integreat_regions import RegionsUnreadable, matching, read_regions
from tests.conftest import FIXTURES
from tests.support.server import FixtureServer, Reply

REGIONS = FIXTURES / "integreat" / "regions.json"


@pytest.fixture(scope="module")
def cms():
    with FixtureServer().running() as site:
        site.route("/api/v3/regions/", Reply.file(REGIONS, "application/json"))
        yield site


def lotse(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lotse", "sources", "integreat-regions", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_a_search_gives_the_slug_and_the_url_for_the_sources_file(cms, tmp_path) -> None:
    done = lotse("--base-url", cms.url(""), "--search", "heidenheim", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "landkreisheidenheim\tLandkreis Heidenheim (89518; events; de en ar uk)\n"
        f'    url = "{cms.url("/api/v3/landkreisheidenheim/de/events/")}"\n'
    )
    assert [seen.path for seen in cms.requests][-1] == "/api/v3/regions/"


def test_without_a_search_every_region_is_listed_by_slug(cms, tmp_path) -> None:
    done = lotse("--base-url", cms.url(""), cwd=tmp_path)
    slugs = [line.split("\t")[0] for line in done.stdout.splitlines() if "\t" in line]
    assert slugs == ["augsburg", "landkreisheidenheim", "lkneumarkt", "rems-murr-kreis"]
    assert "Rems-Murr-Kreis (71332; no events)" in done.stdout


def test_a_town_of_the_region_finds_it_umlauts_aside(cms, tmp_path) -> None:
    done = lotse("--base-url", cms.url(""), "--search", "Koenigsbronn", cwd=tmp_path)
    assert done.stdout.startswith("landkreisheidenheim\t")


def test_no_match_says_so_and_exits_1(cms, tmp_path) -> None:
    done = lotse("--base-url", cms.url(""), "--search", "Atlantis", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "no Integreat region matches 'Atlantis'\n"


def test_an_unreachable_cms_is_named(tmp_path) -> None:
    with FixtureServer().running() as site:
        base = site.url("")
    done = lotse("--base-url", base, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"cannot list the Integreat regions: {base}/api/v3/regions/:")


def test_a_postcode_finds_its_region() -> None:
    regions = read_regions(REGIONS.read_bytes(), "regions.json")
    assert [region.slug for region in matching(regions, "92318")] == ["lkneumarkt"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Wartung</html>", "not JSON"),
        (b'{"detail": "Not found."}', "expected a JSON list of regions, got a JSON dict"),
        (b'[{"slug": "x", "title": "X"}]', "no item has the region fields 'path' and 'name'"),
    ],
)
def test_an_answer_of_another_shape_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(RegionsUnreadable, match=message):
        read_regions(body, "regions")
