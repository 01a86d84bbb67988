"""Background tasks: they take ids or nothing, and call a service."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="claims.send_deadline_reminders", acks_late=True)
def send_deadline_reminders() -> int:
    """Celery beat runs this every hour; each reminder goes out once (ReminderSent), so a re-run
    or a run after downtime sends nothing twice."""
    from .services import deadline_reminders_send

    return deadline_reminders_send(today=timezone.localdate())
