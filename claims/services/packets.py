"""Packets: a request queues a numbered version, the worker renders it (claims/pdf.py), the file
is kept with its fingerprint so a later edit shows it out of date.

Delivery to the worker is an outbox (issue 14, findings 11 and 12): the packet row is the record
of the work, the broker message only a nudge. A request that cannot reach the broker still
answers at once; `packets_resend_stalled` (Celery beat, every minute) sends again what the broker
never got and re-queues renders lost with their worker. A render claims its packet in the
database first, so a duplicate message does nothing, and the task message that holds the claim
may take it back after a crash (the broker hands the same message out again).
"""

import errno
import hashlib
import logging
import time
import uuid
from datetime import datetime, timedelta
from functools import partial

import botocore.exceptions
import kombu.exceptions
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patients.models import User

from .. import tasks
from ..models import CoverageCase, Denial, Packet
from ..selectors import letter_kind_of_packet, packet_sources, superbill_missing_fields
from .errors import CaseStateError
from .letters import letter_get_or_draft

logger = logging.getLogger(__name__)

# Limits per case (issue 14, finding 6). Every uploaded document goes into every packet, so the
# uploads' pages are the packet's bulk; the generated part is a few pages.
MAX_PACKET_UPLOADED_PAGES = 1000  # also the most one PDF may have (claims/uploads.py)
LARGE_PACKET_PAGES = 100  # more uploaded pages than this: the large-packet queue
MAX_PACKET_REQUESTS_PER_HOUR = 10  # per case, both kinds, patient and staff together
# Renders begun for one packet before it is failed: a file that kills its worker (memory, a
# crash in a library) is re-delivered after each loss; this ends the loop.
# Retries of a transient error count too (the task retries 3 times: 4 renders).
MAX_RENDER_ATTEMPTS = 5
# Packets that are a table, not a letter (issue 16): no letter is drafted, no denial needed.
PACKETS_WITHOUT_LETTER = frozenset({Packet.Kind.SUPERBILL})
# Letters that answer no denial: the request itself, and the network-gap request (issue 16).
PACKETS_WITHOUT_DENIAL = frozenset({Packet.Kind.PRIOR_AUTHORIZATION, Packet.Kind.NETWORK_GAP})


@transaction.atomic
def packet_request(
    *, case: CoverageCase, kind: str, by: User, denial: Denial | None = None
) -> Packet:
    """Queue a new version of a packet; the worker renders it after this transaction commits."""
    carries_letter = kind not in PACKETS_WITHOUT_LETTER
    if kind not in PACKETS_WITHOUT_DENIAL and carries_letter and denial is None:
        raise CaseStateError(_("An appeal packet needs a denial to answer."))
    # One request at a time per case: two quick clicks must not draft two letters or two v1s.
    CoverageCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if carries_letter:
        letter_get_or_draft(case=case, kind=letter_kind_of_packet(kind), denial=denial)
    versions = Packet.objects.filter(case=case, kind=kind)
    number = (versions.aggregate(n=models.Max("version"))["n"] or 0) + 1
    versions.filter(is_newest=True).update(is_newest=False)
    sources = packet_sources(case=case, kind=kind, denial=denial)
    uploaded_pages = sum(document.page_count for document in sources.documents)
    _refuse_beyond_limits(case=case, uploaded_pages=uploaded_pages)
    packet = Packet(
        case=case,
        kind=kind,
        denial=denial,
        version=number,
        requested_by=by,
        is_newest=True,
        queue=(
            settings.PACKET_LARGE_QUEUE
            if uploaded_pages > LARGE_PACKET_PAGES
            else settings.PACKET_QUEUE
        ),
    )
    packet.source_digest = sources.digest()
    packet.full_clean()
    packet.save()
    # Robust: whatever happens while sending, the request has been saved and the sweep will
    # send it; the person asking must never see an error for it.
    transaction.on_commit(partial(packet_dispatch, packet_id=packet.pk), robust=True)
    return packet


def _refuse_beyond_limits(*, case: CoverageCase, uploaded_pages: int) -> None:
    if uploaded_pages > MAX_PACKET_UPLOADED_PAGES:
        raise CaseStateError(
            _(
                "Your documents have %(pages)d pages together; a packet can hold %(max)d. Please "
                "remove the documents the insurer does not need (older visit notes, copies), then "
                "make the packet again."
            )
            % {"pages": uploaded_pages, "max": MAX_PACKET_UPLOADED_PAGES}
        )
    since = timezone.now() - timedelta(hours=1)
    if (
        Packet.objects.filter(case=case, created_at__gte=since).count()
        >= MAX_PACKET_REQUESTS_PER_HOUR
    ):
        raise CaseStateError(
            ngettext(
                "This case has had %(count)d packet made in the last hour, the most we make in "
                "an hour. Please wait a little, then try again: the versions already made are "
                "listed here.",
                "This case has had %(count)d packets made in the last hour, the most we make in "
                "an hour. Please wait a little, then try again: the versions already made are "
                "listed here.",
                MAX_PACKET_REQUESTS_PER_HOUR,
            )
            % {"count": MAX_PACKET_REQUESTS_PER_HOUR}
        )


def packet_time_limit(queue: str) -> int:
    """Seconds a render from this queue may take before its process is stopped."""
    if queue == settings.PACKET_LARGE_QUEUE:
        return settings.PACKET_LARGE_TIME_LIMIT
    return settings.PACKET_TIME_LIMIT


def packet_dispatch(*, packet_id: int) -> bool:
    """Hand a queued packet to the broker. Never raises for a broker that is down or slow: the
    packet stays queued and `packets_resend_stalled` sends it again. True if the broker took it."""
    packet = Packet.objects.filter(pk=packet_id, status=Packet.Status.QUEUED).first()
    if packet is None:
        return False  # already rendered, or deleted with its case
    limit = packet_time_limit(packet.queue)
    try:
        tasks.render_packet.apply_async(
            (packet.pk,),
            queue=packet.queue,
            task_id=str(uuid.uuid4()),
            time_limit=limit,
            # The soft limit first, so the task can mark the packet failed before the hard one.
            soft_time_limit=limit - max(1, limit // 12),
            retry=False,
        )
    except (kombu.exceptions.OperationalError, ConnectionError, TimeoutError) as exc:
        logger.warning(
            "packet %s: the broker did not take it (%s); the sweep will send it again",
            packet.public_id,
            type(exc).__name__,
        )
        return False
    Packet.objects.filter(pk=packet.pk, status=Packet.Status.QUEUED).update(
        dispatched_at=timezone.now()
    )
    return True


def packets_resend_stalled(*, now: datetime) -> int:
    """The outbox sweep: send again the queued packets the broker never took (or lost), put back
    in the queue the renders whose worker died, and fail those that died too often. Returns how
    many were sent."""
    resend_before = now - settings.PACKET_RESEND_AFTER
    lost_before = now - settings.PACKET_LOST_AFTER
    waiting = Packet.objects.filter(status=Packet.Status.QUEUED).filter(
        Q(dispatched_at__isnull=True, created_at__lt=resend_before)
        | Q(dispatched_at__lt=lost_before)
    )
    due = list(waiting.values_list("pk", flat=True))
    for queue in (settings.PACKET_QUEUE, settings.PACKET_LARGE_QUEUE):
        stale_before = (
            now - timedelta(seconds=packet_time_limit(queue)) - settings.PACKET_STALE_GRACE
        )
        stale = Packet.objects.filter(
            status=Packet.Status.RENDERING, queue=queue, claimed_at__lt=stale_before
        )
        for pk, attempts in stale.values_list("pk", "attempts"):
            if attempts >= MAX_RENDER_ATTEMPTS:
                packet_mark_failed(packet_id=pk)
                continue
            # Only if nobody took it back meanwhile (the claim's time is unchanged).
            if stale.filter(pk=pk).update(status=Packet.Status.QUEUED, dispatched_at=None):
                due.append(pk)
    return sum(packet_dispatch(packet_id=pk) for pk in due)


def _render_failed_message() -> str:
    return _(
        "We could not make this packet. Please try again later; if it keeps failing, remove the "
        "newest uploaded document and try again."
    )


def _superbill_incomplete_message(missing: list[str]) -> str:
    return _("The superbill cannot be made yet. It still needs: %(missing)s.") % {
        "missing": "; ".join(missing)
    }


def packet_render(
    *, packet_id: int, task_id: str = "", stages: dict[str, float] | None = None
) -> Packet:
    """Render a packet and store its file; running it twice leaves the same state.

    The render first claims the packet for `task_id` (the task message's id; a direct call gets a
    fresh one): a queued packet, one this same message held before its worker died, or one whose
    claim went stale. Anything else (ready, failed, being made by another live message) is left
    alone. The file is stored, then the row says ready only if the claim still holds; otherwise
    the file is removed again. Any exception propagates: the task decides whether to retry.
    `stages` collects the time of each stage (bench/packet_bench.py): claims.pdf's, and "store".
    """
    task_id = task_id or str(uuid.uuid4())
    now = timezone.now()
    packet = Packet.objects.select_related("case__patient__user", "denial").get(pk=packet_id)
    stale_before = (
        now - timedelta(seconds=packet_time_limit(packet.queue)) - settings.PACKET_STALE_GRACE
    )
    claimable = Q(status=Packet.Status.QUEUED) | Q(
        Q(render_task_id=task_id) | Q(claimed_at__lt=stale_before),
        status=Packet.Status.RENDERING,
    )
    claimed = Packet.objects.filter(
        claimable, pk=packet_id, attempts__lt=MAX_RENDER_ATTEMPTS
    ).update(
        status=Packet.Status.RENDERING,
        render_task_id=task_id,
        claimed_at=now,
        attempts=models.F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        if Packet.objects.filter(
            claimable, pk=packet_id, attempts__gte=MAX_RENDER_ATTEMPTS
        ).exists():
            # Its own again, but every try so far died with its worker: give up on it.
            packet_mark_failed(packet_id=packet_id)
        packet.refresh_from_db()
        return packet  # ready, failed for good, or being made by another message
    if packet.kind == Packet.Kind.SUPERBILL:
        # Checked again here, not only on request: a field may have been removed since (or the
        # request made some other way), and a superbill is never printed with a blank
        # (DOMAIN.md §6 [R65]). Not transient: failed at once, not retried.
        missing = superbill_missing_fields(packet.case)
        if missing:
            Packet.objects.filter(
                pk=packet_id, status=Packet.Status.RENDERING, render_task_id=task_id
            ).update(
                status=Packet.Status.FAILED,
                error=_superbill_incomplete_message(missing),
                updated_at=timezone.now(),
            )
            packet.refresh_from_db()
            return packet
    # Imported here: claims.pdf loads WeasyPrint, about 0.9 s of start-up (Pango through cffi)
    # that web processes and management commands need not pay; workers load it at start
    # (coverage_guide/celery.py).
    from .. import pdf

    started = time.monotonic()
    data, pages = pdf.render_packet_pdf(packet, stages=stages)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    storing = time.perf_counter()
    name = f"packet-{packet.case.public_id}-{packet.kind}-v{packet.version}.pdf"
    storage = packet.file.storage
    stored = storage.save(packet.file.field.generate_filename(packet, name), ContentFile(data))
    current: Packet | None = None
    try:
        with transaction.atomic():
            current = (
                Packet.objects.select_for_update()
                .filter(pk=packet_id, status=Packet.Status.RENDERING, render_task_id=task_id)
                .first()
            )
            if current is not None:
                old_file = current.file.name
                current.file.name = stored
                current.page_count = pages
                current.size = len(data)
                current.sha256 = hashlib.sha256(data).hexdigest()
                current.render_ms = elapsed_ms
                current.status = Packet.Status.READY
                current.error = ""
                current.save()
                if old_file and old_file != stored:
                    transaction.on_commit(partial(storage.delete, old_file))
    except BaseException:
        storage.delete(stored)
        raise
    if current is None:
        # The claim was lost (a stale claim taken over, the case deleted): keep no second file.
        storage.delete(stored)
        packet.refresh_from_db()
        return packet
    if stages is not None:
        stages["store"] = time.perf_counter() - storing
    return current


# A bucket's answers that say "later" (FILE_STORAGE=s3): throttled, or timed out on its side.
_S3_BUSY_CODES = frozenset({"SlowDown", "RequestTimeout", "Throttling", "ThrottlingException"})


def packet_render_error_is_transient(error: BaseException) -> bool:
    """Whether trying the same render again later can succeed: a database, broker, network or
    storage hiccup (a bucket that does not answer, or answers 5xx or "slow down"), or a full
    disk. Anything else (a bad file, a bug, a render past its time limit, a bucket that refuses
    access) would fail the same way again, so it is not retried (issue 14, finding 6)."""
    if isinstance(error, OperationalError | InterfaceError | kombu.exceptions.OperationalError):
        return True
    if isinstance(error, ConnectionError | TimeoutError):
        return True
    # botocore's own: no connection, a read that timed out, a connection dropped mid-answer.
    if isinstance(error, botocore.exceptions.ConnectionError | botocore.exceptions.HTTPClientError):
        return True
    if isinstance(error, botocore.exceptions.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return status >= 500 or error.response.get("Error", {}).get("Code") in _S3_BUSY_CODES
    return isinstance(error, OSError) and error.errno in {errno.ENOSPC, errno.EAGAIN, errno.EBUSY}


def packet_mark_failed(*, packet_id: int, message: str = "") -> None:
    """Give up on a packet, with a message the patient can read."""
    Packet.objects.filter(pk=packet_id).exclude(status=Packet.Status.READY).update(
        status=Packet.Status.FAILED,
        error=message or _render_failed_message(),
        updated_at=timezone.now(),
    )
