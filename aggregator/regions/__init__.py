"""Regions as data: a region file (regions/<slug>.toml, docs/regions.md) names a region's
municipalities, villages, postcodes, area and defaults; the code holds no place names."""
