"""Writes for coverage cases and their records."""

import hashlib
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Clinic, InsurancePolicy, Patient, User

from .models import (
    Appeal,
    CoverageCase,
    Denial,
    FormSubmission,
    InsurerCall,
    PriorAuthorizationRequest,
    SupportingDocument,
    appeal_levels_for,
)
from .uploads import clean_upload


@transaction.atomic
def case_start(
    *,
    patient: Patient,
    treatment: str,
    condition: str,
    policy: InsurancePolicy | None = None,
    treatment_other: str = "",
    condition_other: str = "",
) -> CoverageCase:
    """Open a new coverage case for a patient, under one of their own policies."""
    if policy is not None and policy.patient_id != patient.pk:
        raise ValidationError({"policy": _("Please pick one of your own insurance policies.")})
    case = CoverageCase(
        patient=patient,
        treatment=treatment,
        treatment_other=treatment_other,
        condition=condition,
        condition_other=condition_other,
        policy=policy,
    )
    case.full_clean()
    case.save()
    return case


@transaction.atomic
def case_share_with_clinic(*, case: CoverageCase, clinic: Clinic) -> CoverageCase:
    """Share a case with a clinic, recording the moment the patient agreed to it."""
    case.clinic = clinic
    case.clinic_consent_at = timezone.now()
    case.full_clean()
    case.save(update_fields=["clinic", "clinic_consent_at", "updated_at"])
    return case


@transaction.atomic
def document_upload(
    *, case: CoverageCase, category: str, upload, by: User, title: str = ""
) -> SupportingDocument:
    """Check and clean an uploaded file (claims/uploads.py), then store it privately."""
    clean = clean_upload(upload)
    document = SupportingDocument(
        case=case,
        category=category,
        title=title,
        original_name=clean.original_name,
        content_type=clean.content_type,
        extension=clean.extension,
        size=len(clean.content),
        page_count=clean.page_count,
        sha256=hashlib.sha256(clean.content).hexdigest(),
        uploaded_by=by,
    )
    document.file.save("upload", ContentFile(clean.content), save=False)
    try:
        document.full_clean()
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def pa_request_record_decision(
    *,
    pa_request: PriorAuthorizationRequest,
    decision: str,
    decided_on: date | None,
    received_on: date | None = None,
    approved_sessions: int | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> PriorAuthorizationRequest:
    """Record the insurer's decision. A denial, or a partial approval, opens a Denial record for
    the patient to complete from the letter."""
    pa_request.decision = decision
    pa_request.decided_on = decided_on
    pa_request.decision_received_on = received_on
    pa_request.approved_sessions = approved_sessions
    pa_request.valid_from = valid_from
    pa_request.valid_until = valid_until
    pa_request.full_clean()
    pa_request.save()
    Decision = PriorAuthorizationRequest.Decision
    if decision in (Decision.DENIED, Decision.PARTIALLY_APPROVED):
        Denial.objects.get_or_create(
            pa_request=pa_request,
            defaults={"notice_date": decided_on, "received_on": received_on or decided_on},
        )
    return pa_request


@transaction.atomic
def appeal_file(
    *,
    denial: Denial,
    level: str,
    filed_on: date | None = None,
    expedited: bool = False,
    reference_number: str = "",
) -> Appeal:
    """Record an appeal of a denial at a level that fits the case's plan type."""
    policy = denial.pa_request.case.policy
    allowed = appeal_levels_for(policy.plan_type if policy else None)
    if level not in allowed:
        labels = ", ".join(str(Appeal.Level(v).label) for v in allowed)
        raise ValidationError(
            {
                "level": _("This level does not apply to this kind of plan. Choose one of: %(l)s.")
                % {"l": labels}
            }
        )
    appeal = Appeal(
        denial=denial,
        level=level,
        filed_on=filed_on,
        expedited=expedited,
        reference_number=reference_number,
    )
    appeal.full_clean()
    appeal.save()
    return appeal


class CaseStateError(Exception):
    """A step that the case's current state does not allow; the message is for the patient."""


def form_submission_claim(*, token, user: User) -> bool:
    """True the first time a form token is seen; False for a double click or a re-sent form."""
    if token is None:
        return True
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, user=user)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def case_choose_policy(*, case: CoverageCase, policy: InsurancePolicy) -> CoverageCase:
    """Pursue the case under one of the patient's own policies."""
    if policy.patient_id != case.patient_id:
        raise ValidationError({"policy": _("Please pick one of your own insurance policies.")})
    case.policy = policy
    case.save(update_fields=["policy", "updated_at"])
    return case


@transaction.atomic
def insurer_call_save(
    *, case: CoverageCase, call: InsurerCall, questions_and_answers: list[dict[str, str]]
) -> InsurerCall:
    """Log (or correct) a call to the insurer, with the answers to the question script."""
    call.case = case
    call.questions_and_answers = questions_and_answers
    call.full_clean()
    call.save()
    return call


@transaction.atomic
def case_record_save(*, case: CoverageCase, record):
    """Save a record that belongs to the case (referral, pre-authorization request, appeal...)."""
    record.case = case
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def case_send_to_clinic(*, case: CoverageCase, clinic: Clinic) -> CoverageCase:
    """Share the case with a clinic (the patient's consent, timestamped) and ask it to review.

    Allowed while not yet shared, or after the clinic asked for changes (a resubmission).
    """
    Review = CoverageCase.ReviewStatus
    updated = CoverageCase.objects.filter(
        pk=case.pk, review_status__in=[Review.NOT_SHARED, Review.CHANGES_REQUESTED]
    ).update(
        clinic=clinic,
        clinic_consent_at=timezone.now(),
        review_status=Review.SUBMITTED,
        updated_at=timezone.now(),
    )
    if updated != 1:
        raise CaseStateError(_("This case is already with your clinic."))
    case.refresh_from_db()
    return case


@transaction.atomic
def document_delete(*, document: SupportingDocument) -> None:
    """Delete an uploaded document and, once the deletion is committed, its file."""
    storage, name = document.file.storage, document.file.name
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
