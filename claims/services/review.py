"""The clinic's review: submitted → in review → changes requested or approved to send → sent.
Guarded transitions (claims.services.transitions), each with an event on record; approval is
of one packet version."""

from datetime import date
from functools import partial
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from patients.emails import send_email
from patients.models import User

from ..models import CoverageCase, Letter, Packet, PriorAuthorizationRequest
from ..selectors import packet_is_out_of_date
from .errors import CaseStateError
from .letters import case_attach_signed_letter
from .records import case_record_save
from .transitions import Review, review_transition


@transaction.atomic
def case_review_start(*, case: CoverageCase, by: User, note: str = "") -> CoverageCase:
    """A reviewer takes a submitted case."""
    return review_transition(
        case=case, allowed_from=[Review.SUBMITTED], to=Review.IN_REVIEW, by=by, note=note
    )


@transaction.atomic
def case_request_changes(*, case: CoverageCase, by: User, note: str) -> CoverageCase:
    """Send the case back to the patient with a note; the patient gets an email (no health
    information in it) and sees the note on their dashboard."""
    if not note.strip():
        raise ValidationError({"note": _("Say what the patient should change.")})
    case = review_transition(
        case=case,
        allowed_from=[Review.SUBMITTED, Review.IN_REVIEW, Review.APPROVED_TO_SEND],
        to=Review.CHANGES_REQUESTED,
        by=by,
        note=note.strip(),
        approved_packet=None,
    )
    transaction.on_commit(
        partial(
            send_email,
            to=case.patient.user.email,
            template="review_update",
            context={},
            language=case.patient.preferred_language,
        )
    )
    return case


def _newest_current_packet(case: CoverageCase) -> Packet:
    packet = case.packets.filter(kind=Packet.Kind.PRIOR_AUTHORIZATION, is_newest=True).first()
    if packet is None or packet.status != Packet.Status.READY:
        raise CaseStateError(
            _("Make the pre-authorization packet first, and wait until it is ready.")
        )
    if packet_is_out_of_date(packet):
        raise CaseStateError(_("The case changed after the newest packet: make a new one first."))
    return packet


@transaction.atomic
def case_approve_to_send(*, case: CoverageCase, by: User, note: str = "") -> CoverageCase:
    """Approve the newest packet for sending. Needs the provider's signed letter of medical
    necessity; the approval is tied to that packet version."""
    # Lock the case so a patient's edit cannot slip between the checks and the update.
    CoverageCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    letter = case.letters.filter(kind=Letter.Kind.MEDICAL_NECESSITY).first()
    signed = letter.signed_copy if letter is not None else None
    if signed is None:
        raise CaseStateError(_("Attach the signed letter of medical necessity first."))
    packet = _newest_current_packet(case)
    if signed.updated_at > packet.created_at:
        raise CaseStateError(_("The signed letter came after the newest packet: make a new one."))
    return review_transition(
        case=case,
        allowed_from=[Review.IN_REVIEW],
        to=Review.APPROVED_TO_SEND,
        by=by,
        note=note,
        packet=packet,
        approved_packet=packet,
    )


@transaction.atomic
def case_mark_sent(
    *,
    case: CoverageCase,
    by: User,
    method: str,
    submitted_on: date,
    reference_number: str = "",
    urgency: str = PriorAuthorizationRequest.Urgency.STANDARD,
    note: str = "",
) -> PriorAuthorizationRequest:
    """Record that the approved packet went to the insurer: writes the request record."""
    case = (
        CoverageCase.objects.select_related("approved_packet")
        .select_for_update(of=("self",))
        .get(pk=case.pk)
    )
    if case.approved_packet is None or packet_is_out_of_date(case.approved_packet):
        raise CaseStateError(_("The approved packet is no longer current: review the case again."))
    # A denied out-of-network claim's request (issue 16) is no earlier pre-authorization.
    earlier = case.pa_requests.exclude(kind=PriorAuthorizationRequest.Kind.CLAIM).exists()
    review_transition(
        case=case,
        allowed_from=[Review.APPROVED_TO_SEND],
        to=Review.SENT,
        by=by,
        note=note,
        packet=case.approved_packet,
    )
    request = PriorAuthorizationRequest(
        case=case,
        kind=PriorAuthorizationRequest.Kind.RESUBMISSION
        if earlier
        else PriorAuthorizationRequest.Kind.INITIAL,
        submitted_by=PriorAuthorizationRequest.SubmittedBy.CLINIC,
        method=method,
        submitted_on=submitted_on,
        reference_number=reference_number,
        urgency=urgency,
    )
    case_record_save(case=case, record=request)
    return request


REVIEW_STEPS = ("start", "request_changes", "attach_signed", "approve", "sent")


@transaction.atomic
def review_apply(*, case: CoverageCase, by: User, step: str, **data: Any) -> None:
    """One step of the review, as the reviewer's panel in admin asks for it (claims.forms
    ReviewForm validates `data` for the step)."""
    note = data.get("note", "")
    if step == "start":
        case_review_start(case=case, by=by, note=note)
    elif step == "request_changes":
        case_request_changes(case=case, by=by, note=note)
    elif step == "attach_signed":
        case_attach_signed_letter(case=case, document=data["signed_document"])
    elif step == "approve":
        case_approve_to_send(case=case, by=by, note=note)
    elif step == "sent":
        case_mark_sent(
            case=case,
            by=by,
            method=data["method"],
            submitted_on=data["submitted_on"],
            reference_number=data.get("reference_number", ""),
            urgency=data.get("urgency") or PriorAuthorizationRequest.Urgency.STANDARD,
            note=note,
        )
    else:
        raise ValueError(f"unknown review step: {step}")


# --- roles ------------------------------------------------------------------------------------

REVIEWER_GROUP = "reviewer"


def reviewer_group_ensure() -> Group:
    """The "reviewer" group: read every patient and case record (of cases shared with the
    reviewer's clinic), open documents, edit letters and the clinic's answers on a treatment
    request, enter treatment sessions, and move cases through the review.
    Staff outside it can sign in but cannot open documents or review."""
    group, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    permissions = Permission.objects.filter(
        Q(content_type__app_label__in=["patients", "claims"], codename__startswith="view_")
        | Q(
            content_type__app_label="claims",
            codename__in=["review_case", "change_letter", "change_treatmentrequest"],
        )
        # Staff enter the sessions a patient received at the clinic (issue 16).
        | Q(
            content_type__app_label="claims",
            content_type__model__in=["treatmentsession", "sessionline"],
        )
    ).exclude(codename__in=["view_formsubmission", "view_user", "view_consent", "view_accesslog"])
    group.permissions.set(permissions)
    return group
