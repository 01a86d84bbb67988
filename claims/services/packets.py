"""Packets: a request queues a numbered version, the worker renders it (claims/pdf.py), the file
is kept with its fingerprint so a later edit shows it out of date."""

import hashlib
import time
from functools import partial

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import User

from .. import tasks
from ..models import CoverageCase, Denial, Letter, Packet
from ..selectors import packet_sources
from .errors import CaseStateError
from .letters import letter_get_or_draft


@transaction.atomic
def packet_request(
    *, case: CoverageCase, kind: str, by: User, denial: Denial | None = None
) -> Packet:
    """Queue a new version of a packet; the worker renders it after this transaction commits."""
    if kind == Packet.Kind.APPEAL and denial is None:
        raise CaseStateError(_("An appeal packet needs a denial to answer."))
    letter_kind = (
        Letter.Kind.APPEAL if kind == Packet.Kind.APPEAL else Letter.Kind.MEDICAL_NECESSITY
    )
    # One request at a time per case: two quick clicks must not draft two letters or two v1s.
    CoverageCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    letter_get_or_draft(case=case, kind=letter_kind, denial=denial)
    versions = Packet.objects.filter(case=case, kind=kind)
    number = (versions.aggregate(n=models.Max("version"))["n"] or 0) + 1
    versions.filter(is_newest=True).update(is_newest=False)
    packet = Packet(
        case=case, kind=kind, denial=denial, version=number, requested_by=by, is_newest=True
    )
    packet.source_digest = packet_sources(case=case, kind=kind, denial=denial).digest()
    packet.full_clean()
    packet.save()
    transaction.on_commit(partial(tasks.render_packet.delay, packet.pk))
    return packet


def packet_render(*, packet_id: int) -> Packet:
    """Render a packet and store its file; running it twice leaves the same state.

    Any exception propagates: the task retries a few times, then marks the packet failed.
    """
    claimed = Packet.objects.filter(
        pk=packet_id, status__in=[Packet.Status.QUEUED, Packet.Status.RENDERING]
    ).update(status=Packet.Status.RENDERING, updated_at=timezone.now())
    packet = Packet.objects.select_related("case__patient__user", "denial").get(pk=packet_id)
    if not claimed:
        return packet  # already ready (or failed for good): nothing to do
    # Imported here: claims.pdf loads WeasyPrint, about 0.9 s of start-up (Pango through cffi)
    # that web processes and management commands need not pay; workers load it at start
    # (coverage_guide/celery.py).
    from .. import pdf

    started = time.monotonic()
    data, pages = pdf.render_packet_pdf(packet)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    if packet.file:
        packet.file.delete(save=False)
    name = f"packet-{packet.case.public_id}-{packet.kind}-v{packet.version}.pdf"
    packet.file.save(name, ContentFile(data), save=False)
    packet.page_count = pages
    packet.size = len(data)
    packet.sha256 = hashlib.sha256(data).hexdigest()
    packet.render_ms = elapsed_ms
    packet.status = Packet.Status.READY
    packet.error = ""
    packet.save()
    return packet


def packet_mark_failed(*, packet_id: int, message: str) -> None:
    """Give up on a packet, with a message the patient can read."""
    Packet.objects.filter(pk=packet_id).exclude(status=Packet.Status.READY).update(
        status=Packet.Status.FAILED, error=message, updated_at=timezone.now()
    )
