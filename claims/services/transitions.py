"""The review status's one way of moving: a guarded UPDATE and an event on record."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import User

from ..models import CoverageCase, Packet, ReviewEvent
from .errors import CaseStateError

Review = CoverageCase.ReviewStatus


def review_transition(
    *,
    case: CoverageCase,
    allowed_from: list[str],
    to: str,
    by: User | None,
    note: str = "",
    packet: Packet | None = None,
    **fields: Any,
) -> CoverageCase:
    """Move the case's review status, only from the allowed states (a guarded UPDATE), and
    record the step with its note."""
    current = CoverageCase.objects.filter(pk=case.pk).values_list("review_status", "clinic_id")
    from_status, clinic_id = current.first() or ("", None)
    updated = CoverageCase.objects.filter(pk=case.pk, review_status__in=allowed_from).update(
        review_status=to, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        label = Review(from_status).label if from_status else ""
        raise CaseStateError(
            _("This cannot be done while the case is “%(status)s”.") % {"status": label}
        )
    clinic = fields.get("clinic")  # sending to a clinic: the step is that clinic's
    ReviewEvent.objects.create(
        case=case,
        from_status=from_status,
        to_status=to,
        note=note,
        packet=packet,
        by=by,
        clinic_id=clinic.pk if clinic is not None else clinic_id,
    )
    case.refresh_from_db()
    return case
