"""Writes for coverage cases and their records."""

import hashlib
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Clinic, InsurancePolicy, Patient, User

from .models import (
    Appeal,
    CoverageCase,
    Denial,
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
