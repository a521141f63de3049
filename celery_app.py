"""The Celery app, where `celery -A celery_app worker` and `celery -A celery_app beat` find it.

It is built in workers/app.py (its configuration, queues and timings); this module only names it.
"""

from workers.app import app

__all__ = ["app"]
