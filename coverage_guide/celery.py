"""The Celery app, configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coverage_guide.settings")

app = Celery("coverage_guide")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="coverage_guide.ping")
def ping() -> str:
    """Round-trip check for the smoke script and health checks: a worker answers "pong"."""
    return "pong"
