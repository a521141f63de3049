"""Stable public identities: the same key gives the same id and iCal UID, forever (uuid5)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

NAMESPACE = uuid.UUID("6f1c8d0e-5b7a-4c51-9a54-4c6f74736521")  # Lotse's own namespace
UID_DOMAIN = "lotse"


def listing_id(kind: str, source_id: str, record_key: str, occurrence: str = "") -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}|{source_id}|{record_key}|{occurrence}"))


def series_id(source_id: str, record_key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"series|{source_id}|{record_key}"))


def event_uid(event_id: str) -> str:
    return f"{event_id}@{UID_DOMAIN}"


def content_hash(value: Any) -> str:
    """SHA-256 of text, or of a JSON value with sorted keys."""
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(value.encode()).hexdigest()
