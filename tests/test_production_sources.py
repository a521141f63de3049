"""The production sources.toml for Landkreis Heidenheim: valid, public, and readable by Lotse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aggregator.kinds import KINDS
from aggregator.sources import is_private_host, load_sources

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources.toml"
LOTSE = str(Path(sys.executable).with_name("lotse"))  # the command the project installs


def test_lotse_sources_check_accepts_the_production_file() -> None:
    done = subprocess.run(
        [LOTSE, "sources", "check", "sources.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip() == "sources.toml: 9 sources, all valid"


def test_every_source_is_a_public_https_endpoint() -> None:
    for config in load_sources(SOURCES):
        assert config.url.startswith("https://"), config.id
        assert not config.allow_private and not is_private_host(config.url.split("/")[2])


def test_every_kind_in_use_is_registered() -> None:
    """Registered kinds have all their parts: tests/test_kinds.py."""
    kinds = {config.kind for config in load_sources(SOURCES)}
    assert kinds == {"integreat", "jsonld", "feed", "wp-events", "lehrstellen-radar", "ba-jobsuche"}
    assert kinds <= KINDS.keys()


def test_apprenticeship_searches_cover_heidenheim_within_25_km() -> None:
    by_kind = {config.kind: config for config in load_sources(SOURCES)}
    radar, jobsuche = by_kind["lehrstellen-radar"], by_kind["ba-jobsuche"]
    assert dict(radar.options) == {"postcode": "89518", "radius_km": 25}
    assert dict(jobsuche.options) == {"where": "Heidenheim an der Brenz", "radius_km": 25}
    assert radar.url == KINDS["lehrstellen-radar"].default_url
    assert jobsuche.url == KINDS["ba-jobsuche"].default_url


def test_the_integreat_source_is_the_county_region_of_the_v3_api() -> None:
    (integreat,) = [c for c in load_sources(SOURCES) if c.kind == "integreat"]
    assert integreat.url == "https://cms.integreat-app.de/api/v3/landkreisheidenheim/de/events/"
