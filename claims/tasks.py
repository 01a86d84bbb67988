"""Background tasks: they take ids or nothing, and call a service."""

import logging

from celery import Task, shared_task
from django.utils import timezone

from . import services
from .models import Packet

logger = logging.getLogger(__name__)


@shared_task(name="claims.send_deadline_reminders", acks_late=True)
def send_deadline_reminders() -> int:
    """Celery beat runs this every hour; each reminder goes out once (ReminderSent), so a re-run
    or a run after downtime sends nothing twice."""
    return services.deadline_reminders_send(today=timezone.localdate())


@shared_task(name="claims.resend_stalled_packets", acks_late=True)
def resend_stalled_packets() -> int:
    """Celery beat runs this every minute: the packet outbox (services.packets_resend_stalled)."""
    return services.packets_resend_stalled(now=timezone.now())


@shared_task(name="claims.prune_orphan_files", acks_late=True)
def prune_orphan_files() -> int:
    """Celery beat runs this every hour: stored files that no record refers to."""
    return services.files_prune_orphans(now=timezone.now())


@shared_task(
    bind=True,
    name="claims.render_packet",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    # The dispatch sets each packet's limits by its queue (services.packet_dispatch); these are
    # for a message sent any other way.
    soft_time_limit=165,
    time_limit=180,
)
def render_packet(self: Task[[int], str], packet_id: int) -> str:
    """Render one packet. Idempotent and claimed in the database (a ready packet is left alone, a
    duplicate message does nothing), so acks_late is safe: a worker lost mid-render hands its
    message back and the packet is made once. Transient errors are retried with backoff; any
    other error, or the last try, marks the packet failed with a readable message."""
    try:
        return services.packet_render(packet_id=packet_id, task_id=self.request.id or "").status
    except Packet.DoesNotExist:
        return "missing"  # deleted with its case: nothing to retry
    except Exception as exc:
        transient = services.packet_render_error_is_transient(exc)
        if transient and (self.max_retries is None or self.request.retries < self.max_retries):
            logger.warning("packet %s: retrying (%s)", packet_id, type(exc).__name__)
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
        # The type only: an exception's text could quote the patient's data.
        logger.error("packet %s: render failed for good (%s)", packet_id, type(exc).__name__)
        services.packet_mark_failed(packet_id=packet_id)
        return "failed"
