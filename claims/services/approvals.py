"""A clinic's approval is of one packet version: an edit that changes what the packet shows
withdraws it. Every service that writes a packet's source records calls this, so no caller can
forget it."""

from django.db import transaction
from django.utils.translation import gettext as _

from patients.models import Patient

from ..models import CoverageCase
from ..selectors import packet_is_out_of_date
from .transitions import Review, review_transition


@transaction.atomic
def approval_withdraw_if_stale(*, case: CoverageCase) -> bool:
    """If the case is approved to send and its approved packet no longer matches the records,
    send the case back to review. True when that happened."""
    case = (
        CoverageCase.objects.select_related("approved_packet")
        .select_for_update(of=("self",))
        .get(pk=case.pk)
    )
    if case.review_status != Review.APPROVED_TO_SEND or case.approved_packet is None:
        return False
    if not packet_is_out_of_date(case.approved_packet):
        return False
    review_transition(
        case=case,
        allowed_from=[Review.APPROVED_TO_SEND],
        to=Review.IN_REVIEW,
        by=None,
        note=str(_("The case changed after it was approved: it needs another look.")),
        approved_packet=None,
    )
    return True


def approvals_withdraw_if_stale(*, patient: Patient) -> int:
    """The same for every approved case of a patient: diagnoses, trials and scores belong to the
    person, and every case's packets show them. Returns how many approvals were withdrawn."""
    approved = CoverageCase.objects.filter(
        patient=patient, review_status=Review.APPROVED_TO_SEND
    ).only("pk")
    return sum(approval_withdraw_if_stale(case=case) for case in approved)
