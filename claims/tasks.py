"""Background tasks: they take ids or nothing, and call a service."""

import logging

from celery import Task, shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .models import Packet

logger = logging.getLogger(__name__)


@shared_task(name="claims.send_deadline_reminders", acks_late=True)
def send_deadline_reminders() -> int:
    """Celery beat runs this every hour; each reminder goes out once (ReminderSent), so a re-run
    or a run after downtime sends nothing twice."""
    return services.deadline_reminders_send(today=timezone.localdate())


@shared_task(
    bind=True,
    name="claims.render_packet",
    acks_late=True,
    max_retries=3,
    soft_time_limit=120,
    time_limit=180,
)
def render_packet(self: Task[[int], str], packet_id: int) -> str:
    """Render one packet. Idempotent (a ready packet is left alone), so acks_late is safe: a
    worker lost mid-render hands the packet to another. Transient errors are retried with
    backoff; after the last try the packet is marked failed with a readable message."""
    try:
        return services.packet_render(packet_id=packet_id).status
    except Packet.DoesNotExist:
        return "missing"  # deleted with its case: nothing to retry
    except Exception as exc:
        if self.max_retries is None or self.request.retries < self.max_retries:
            logger.warning("packet %s: retrying (%s)", packet_id, type(exc).__name__)
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
        # The type only: an exception's text could quote the patient's data.
        logger.error("packet %s: render failed for good (%s)", packet_id, type(exc).__name__)
        services.packet_mark_failed(
            packet_id=packet_id,
            message=_(
                "We could not make this packet. Please try again later; if it keeps failing, "
                "remove the newest uploaded document and try again."
            ),
        )
        return "failed"
