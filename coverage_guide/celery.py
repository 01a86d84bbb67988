"""The Celery app, configured from Django settings (CELERY_* names)."""

import importlib
import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coverage_guide.settings")

app = Celery("coverage_guide")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="coverage_guide.ping", ignore_result=False)
def ping() -> str:
    """Round-trip check for the smoke script and health checks: a worker answers "pong"."""
    return "pong"


@worker_init.connect
def load_the_pdf_renderer(**kwargs: object) -> None:
    """Workers render packets: load WeasyPrint once, before the pool forks, rather than in the
    first task (web processes never load it; see claims/services/packets.py)."""
    importlib.import_module("claims.pdf")
