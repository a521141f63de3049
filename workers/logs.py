"""Logs as one JSON object per line, for workers, beat and (optionally) `lotse serve`.

Workers and beat log JSON unless ``LOTSE_LOG_FORMAT=text``; `lotse serve` logs JSON when
``LOTSE_LOG_FORMAT=json``. Inside a Celery task every line names the task and its id.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# attributes every LogRecord has; anything else was passed with ``extra=`` and is kept
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, task and task_id, exception, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_current_task())
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in entry:
                entry[name] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


def _current_task() -> dict[str, str]:
    from celery import current_task

    task = current_task._get_current_object() if current_task else None
    if task is None or task.request.id is None:
        return {}
    return {"task": task.name, "task_id": task.request.id}


def wants_json(env: Mapping[str, str] | None = None, *, default: str = "json") -> bool:
    """Whether LOTSE_LOG_FORMAT (or the default, where it is unset) asks for JSON."""
    env = os.environ if env is None else env
    return (env.get("LOTSE_LOG_FORMAT") or default).strip().lower() == "json"


def configure_worker_logging(loglevel: int | str = logging.INFO, **_: Any) -> None:
    """Celery's ``setup_logging`` signal: one stderr handler on the root logger."""
    handler = logging.StreamHandler(sys.stderr)
    if wants_json():
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("[%(asctime)s: %(levelname)s/%(processName)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(loglevel)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a line per check at start-up


def serve_log_config() -> dict[str, Any]:
    """uvicorn's ``log_config`` for `lotse serve`: its own default, or JSON when asked for."""
    from uvicorn.config import LOGGING_CONFIG

    if not wants_json(default="text"):
        return LOGGING_CONFIG
    json_handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": json_handler},
        "loggers": {
            "": {"handlers": ["default"], "level": "INFO"},
            "uvicorn": {"level": "INFO", "propagate": True},
            "uvicorn.error": {"level": "INFO", "propagate": True},
            "uvicorn.access": {"level": "INFO", "propagate": True},
        },
    }
