"""One spider per source kind, found by its ``kind`` attribute (a registry, not an if-chain)."""

from __future__ import annotations

import importlib
import pkgutil

from crawlers.spiders.base import SourceSpider


def spider_for(kind: str) -> type[SourceSpider]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    registry = {cls.kind: cls for cls in _subclasses(SourceSpider) if getattr(cls, "kind", None)}
    if kind not in registry:
        raise KeyError(f"no spider for source kind '{kind}'")
    return registry[kind]


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
