"""The Celery app: `celery -A celery_app worker` and `celery -A celery_app beat`.

Tasks are idempotent (a redelivered one changes nothing), acknowledged late, and rejected back
to the queue when their worker is lost. The visibility timeout is longer than any countdown.
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from aggregator.config import Settings

settings = Settings.from_env()
broker = settings.broker_url or "memory://"

app = Celery("lotse", broker=broker, include=["workers.tasks"])
app.conf.update(
    result_backend=settings.broker_url or "cache+memory://",
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_transport_options={"visibility_timeout": 6 * 3600},
    result_backend_transport_options={"visibility_timeout": 6 * 3600},
    result_expires=7 * 24 * 3600,
    broker_connection_retry_on_startup=True,
    task_routes={
        "workers.tasks.crawl_source": {"queue": "crawl"},
        "workers.tasks.publish_feeds": {"queue": "process"},
    },
    task_queues=(Queue("crawl"), Queue("process")),  # a plain worker consumes both
    task_default_queue="process",
    worker_hijack_root_logger=False,
)
