"""Settings from the environment (docs/contract.md §2)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///lotse.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("LOTSE_DATABASE_URL") or DEFAULT_DATABASE_URL,
            broker_url=env.get("LOTSE_BROKER_URL") or None,
        )
