"""Paying for care out of network (issue 16): out-of-network claims and their answers, the
in-network providers the patient checked, and the network-gap request letter and its packet.

A denied claim is a post-service denial: it opens a request of kind "claim" with its Denial,
which step 6 appeals with post-service clocks (claims/deadlines.py, DOMAIN.md §4.4a).
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from patients.models import User

from ..letters import draft_letter
from ..letters.network_gap import NoProvidersListed
from ..models import (
    CoverageCase,
    Denial,
    Letter,
    NetworkProviderCheck,
    OutOfNetworkClaim,
    Packet,
    PriorAuthorizationRequest,
    SupportingDocument,
    TreatmentSession,
)
from ..selectors import network_checks_digest
from ..uploads import CleanUpload
from .deadlines import deadlines_refresh
from .errors import CaseStateError
from .letters import letter_get_or_draft
from .packets import packet_request
from .records import document_upload

Decision = PriorAuthorizationRequest.Decision
Status = OutOfNetworkClaim.Status


@transaction.atomic
def oon_claim_save(
    *,
    case: CoverageCase,
    claim: OutOfNetworkClaim,
    sessions: Iterable[TreatmentSession],
    by: User,
    denial_reason: str = "",
    eob_upload: CleanUpload | None = None,
) -> OutOfNetworkClaim:
    """Add or correct a claim: the sessions it covers, its EOB (picked, or uploaded here) and the
    insurer's answer. A denial opens (or updates) its post-service request and Denial; the
    follow-up and appeal clocks are recomputed."""
    sessions = list(sessions)
    if any(session.case_id != case.pk for session in sessions):
        raise ValidationError({"sessions": _("Please pick sessions of this case.")})
    if claim.eob is not None and claim.eob.case_id != case.pk:
        raise ValidationError({"eob": _("Please pick a document of this case.")})
    if claim.pk is not None:
        # One save of a claim at a time: the denial it opens is opened once.
        locked = OutOfNetworkClaim.objects.select_for_update().get(pk=claim.pk, case=case)
        claim.pa_request_id = locked.pa_request_id
    if eob_upload is not None:
        claim.eob = document_upload(
            case=case,
            category=SupportingDocument.Category.EOB,
            upload=eob_upload,
            by=by,
            title=_("Explanation of benefits"),
        )
    claim.case = case
    claim.full_clean()
    claim.save()
    claim.sessions.set(sessions)
    _claim_denial_sync(claim=claim, reason=denial_reason)
    deadlines_refresh(case=case)
    return claim


def _claim_denial_sync(*, claim: OutOfNetworkClaim, reason: str) -> None:
    """Keep the claim's post-service request and Denial in step with its answer.

    Denied: the request (kind "claim", denied on the answer's date) and its Denial (notice date =
    the answer's date) exist once, updated on every save. Changed away from denied:
    - no appeal filed on the denial and nothing drafted or made for it: it was a slip, and
      goes, so no stale denial or appeal clock is left behind;
    - an appeal on file, or a letter or packet made for it (the patient's work, which a delete
      would take with it): the denial is history (it was denied, then appealed); the request now
      says what the insurer paid (approved, or partly), as a won appeal would. Back to "waiting
      for an answer" is refused then: the appeal's outcome is recorded at step 6.
    """
    request = None
    if claim.pa_request_id is not None:
        request = PriorAuthorizationRequest.objects.select_for_update().get(pk=claim.pa_request_id)
    if claim.status == Status.DENIED:
        if request is None:
            request = PriorAuthorizationRequest(
                case=claim.case,
                kind=PriorAuthorizationRequest.Kind.CLAIM,
                submitted_by=PriorAuthorizationRequest.SubmittedBy.PATIENT,
            )
        request.submitted_on = claim.submitted_on
        request.reference_number = claim.reference_number
        request.decision = Decision.DENIED
        request.decided_on = claim.answered_on
        request.full_clean()
        request.save()
        denial = Denial.objects.filter(pa_request=request).first() or Denial(pa_request=request)
        denial.notice_date = claim.answered_on
        if denial.received_on and claim.answered_on and denial.received_on < claim.answered_on:
            denial.received_on = None  # entered for an earlier answer date: counted from notice
        if reason or denial.pk is None:
            denial.reason = reason or Denial.Reason.OTHER
        denial.full_clean()
        denial.save()
        if claim.pa_request_id != request.pk:
            claim.pa_request = request
            claim.save(update_fields=["pa_request", "updated_at"])
        return
    if request is None:
        return
    denied = Denial.objects.filter(pa_request=request).first()
    drafted = denied is not None and (denied.letters.exists() or denied.packets.exists())
    if denied is None or not (denied.appeals.exists() or drafted):
        claim.pa_request = None
        claim.save(update_fields=["pa_request", "updated_at"])
        request.delete()  # its Denial goes with it: nothing was drafted or made for it
        return
    if claim.status == Status.SUBMITTED:
        raise ValidationError(
            {
                "status": _(
                    "This claim's denial has an appeal on file, so it cannot go back to waiting "
                    "for an answer. Record the appeal's outcome at step 6 instead."
                )
                if denied.appeals.exists()
                else _(
                    "Letters or packets were made for this claim's denial, so it cannot go back "
                    "to waiting for an answer. Record the insurer's answer instead."
                )
            }
        )
    paid_in_full = claim.status == Status.PAID
    request.decision = Decision.APPROVED if paid_in_full else Decision.PARTIALLY_APPROVED
    request.full_clean()
    request.save(update_fields=["decision", "updated_at"])


# --- the network-gap request ------------------------------------------------------------------


@transaction.atomic
def network_check_save(*, case: CoverageCase, check: NetworkProviderCheck) -> NetworkProviderCheck:
    """Add or correct an in-network provider the patient asked about the treatment."""
    check.case = case
    check.full_clean()
    check.save()
    return check


@transaction.atomic
def network_check_delete(*, check: NetworkProviderCheck) -> None:
    """Remove a provider from the list (the drafted letter keeps its text until drafted again)."""
    check.delete()


def _refuse_without_providers(case: CoverageCase) -> None:
    if not case.network_checks.exists():
        raise CaseStateError(
            _(
                "Please list at least one in-network provider you asked first: the letter is "
                "built only from what they told you."
            )
        )


@transaction.atomic
def network_gap_letter_draft(*, case: CoverageCase, by: User) -> Letter:
    """Draft the request letter from the providers listed now; an earlier draft (and the edits
    made to it) is replaced."""
    CoverageCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _refuse_without_providers(case)
    letter = Letter.objects.filter(case=case, kind=Letter.Kind.NETWORK_GAP, denial=None).first()
    if letter is None:
        return letter_get_or_draft(case=case, kind=Letter.Kind.NETWORK_GAP)
    try:
        letter.text = draft_letter(kind=Letter.Kind.NETWORK_GAP, case=case)
    except NoProvidersListed as error:  # the list emptied meanwhile
        raise CaseStateError(str(error)) from error
    letter.edited_by = by
    letter.source_digest = network_checks_digest(case.network_checks.all())
    letter.full_clean()
    letter.save(update_fields=["text", "edited_by", "source_digest", "updated_at"])
    return letter


@transaction.atomic
def network_gap_packet_request(*, case: CoverageCase, by: User) -> Packet:
    """Queue a PDF of the request letter (drafted first if needed); refused with no providers."""
    _refuse_without_providers(case)
    return packet_request(case=case, kind=Packet.Kind.NETWORK_GAP, by=by)
