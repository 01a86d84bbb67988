"""The records a case is built from: the patient's history (through patients.services), calls,
the referral, documents, requests, the insurer's decision, denials and appeals.

Every write that can change what a packet shows ends with approval_withdraw_if_stale, and every
write of a date the clocks read ends with deadlines_refresh.
"""

import hashlib
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from patients import services as patient_services
from patients.models import Diagnosis, Patient, Provider, SymptomScore, TreatmentTrial, User

from ..models import (
    Appeal,
    CoverageCase,
    Denial,
    InsurerCall,
    PriorAuthorizationRequest,
    Referral,
    SupportingDocument,
    TreatmentRequest,
    appeal_levels_for,
)
from ..uploads import CleanUpload, clean_upload
from .approvals import approval_withdraw_if_stale, approvals_withdraw_if_stale
from .deadlines import deadlines_refresh
from .packets import MAX_PACKET_UPLOADED_PAGES

# --- the patient's history, shared by all their cases ---------------------------------------


@transaction.atomic
def history_diagnosis_save(
    *,
    patient: Patient,
    diagnosis: Diagnosis | None = None,
    icd10_code: str = "",
    description: str = "",
    is_primary: bool = False,
    diagnosed_on: date | None = None,
) -> Diagnosis:
    """Add or change a diagnosis (patients.services.diagnosis_save)."""
    saved = patient_services.diagnosis_save(
        patient=patient,
        diagnosis=diagnosis,
        icd10_code=icd10_code,
        description=description,
        is_primary=is_primary,
        diagnosed_on=diagnosed_on,
    )
    approvals_withdraw_if_stale(patient=patient)
    return saved


@transaction.atomic
def history_trial_save(*, trial: TreatmentTrial) -> TreatmentTrial:
    """Add or change a treatment trial (patients.services.treatment_trial_save)."""
    trial = patient_services.treatment_trial_save(trial=trial)
    approvals_withdraw_if_stale(patient=trial.patient)
    return trial


@transaction.atomic
def history_score_record(
    *,
    patient: Patient,
    instrument: str,
    taken_on: date,
    total: int | None = None,
    item_answers: list[int] | None = None,
    instrument_other: str = "",
    administered_by_clinician: bool = False,
    given_by: str = "",
) -> SymptomScore:
    """Record a questionnaire result (patients.services.symptom_score_record): a total, or the
    answers to a questionnaire the patient filled in here."""
    score = patient_services.symptom_score_record(
        patient=patient,
        instrument=instrument,
        taken_on=taken_on,
        total=total,
        item_answers=item_answers,
        instrument_other=instrument_other,
        administered_by_clinician=administered_by_clinician,
        given_by=given_by,
    )
    approvals_withdraw_if_stale(patient=patient)
    return score


@transaction.atomic
def questionnaire_record(*, patient: Patient, instrument: str, answers: list[int]) -> SymptomScore:
    """A questionnaire the patient filled in here, item by item (PHQ-9, GAD-7), dated today."""
    return history_score_record(
        patient=patient,
        instrument=instrument,
        taken_on=timezone.localdate(),
        item_answers=answers,
    )


@transaction.atomic
def history_record_delete(*, record: Diagnosis | TreatmentTrial | SymptomScore) -> None:
    """Remove a diagnosis, trial or score from the patient's history."""
    patient = record.patient
    patient_services.history_record_delete(record=record)
    approvals_withdraw_if_stale(patient=patient)


# --- step 1: calls to the insurer -------------------------------------------------------------


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
def insurer_call_delete(*, call: InsurerCall) -> None:
    """Remove a call from the case's call log."""
    case = call.case
    call.delete()
    approval_withdraw_if_stale(case=case)


# --- step 3: the referral ---------------------------------------------------------------------


@transaction.atomic
def referral_provider_add(*, case: CoverageCase, provider: Provider) -> Provider:
    """Add a provider to the patient's list; a case without a referral yet asks this one."""
    provider = patient_services.provider_save(patient=case.patient, provider=provider)
    if not case.referrals.exists():
        case_record_save(case=case, record=Referral(case=case, provider=provider))
    return provider


# --- records that belong to the case ----------------------------------------------------------

CaseRecord = Referral | PriorAuthorizationRequest


@transaction.atomic
def case_record_save(*, case: CoverageCase, record: CaseRecord) -> CaseRecord:
    """Save a record that belongs to the case (the referral, a pre-authorization request)."""
    record.case = case
    record.full_clean()
    record.save()
    if isinstance(record, PriorAuthorizationRequest):
        deadlines_refresh(case=case)
    approval_withdraw_if_stale(case=case)
    return record


# --- step 5: what is requested ---------------------------------------------------------------


@transaction.atomic
def treatment_request_save(*, case: CoverageCase, request: TreatmentRequest) -> TreatmentRequest:
    """Save what the case asks the insurer for (one per case); the packet states it."""
    prescriber = request.prescriber
    if prescriber is not None and prescriber.patient_id != case.patient_id:
        raise ValidationError({"prescriber": _("Please pick one of your own providers.")})
    request.case = case
    request.full_clean()
    request.save()
    approval_withdraw_if_stale(case=case)
    return request


# --- step 4: documents ------------------------------------------------------------------------


# Far more than any request needs (a typical packet encloses 5 to 15), few enough to review.
MAX_DOCUMENTS_PER_CASE = 100


@transaction.atomic
def document_upload(
    *,
    case: CoverageCase,
    category: str,
    upload: UploadedFile | CleanUpload,
    by: User,
    title: str = "",
) -> SupportingDocument:
    """Check and clean an uploaded file (claims/uploads.py; a form may have done it already, out
    of the transaction), then store it privately.

    A case holds at most MAX_DOCUMENTS_PER_CASE documents and, together, as many pages as a packet
    may enclose (issue 14, finding 6); beyond that the upload is refused with what to do.
    """
    # One upload at a time per case, so two at once cannot both pass the limits.
    CoverageCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    held = case.documents.aggregate(count=Count("pk"), pages=Sum("page_count"))
    if held["count"] >= MAX_DOCUMENTS_PER_CASE:
        raise ValidationError(
            _(
                "This case already has %(max)d documents, the most it can hold. Please remove "
                "the ones the insurer does not need (older copies, duplicates), then add this one."
            ),
            code="too_many_documents",
            params={"max": MAX_DOCUMENTS_PER_CASE},
        )
    clean = upload if isinstance(upload, CleanUpload) else clean_upload(upload)
    if (held["pages"] or 0) + clean.page_count > MAX_PACKET_UPLOADED_PAGES:
        raise ValidationError(
            _(
                "With this file, your documents would have more than %(max)d pages, more than "
                "one packet can hold. Please upload only the pages that matter for this request, "
                "or remove documents the insurer does not need."
            ),
            code="too_many_pages",
            params={"max": MAX_PACKET_UPLOADED_PAGES},
        )
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
    approval_withdraw_if_stale(case=case)
    return document


@transaction.atomic
def document_delete(*, document: SupportingDocument) -> None:
    """Delete an uploaded document and, once the deletion is committed, its file."""
    case = document.case
    storage, name = document.file.storage, document.file.name
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
    approval_withdraw_if_stale(case=case)


# --- step 5 and 6: the insurer's decision, denials, appeals -----------------------------------


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
    if decided_on and received_on and received_on < decided_on:
        raise ValidationError(
            {"decision_received_on": _("The letter cannot arrive before the date printed on it.")}
        )
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
    deadlines_refresh(case=pa_request.case)
    approval_withdraw_if_stale(case=pa_request.case)
    return pa_request


@transaction.atomic
def denial_save(*, denial: Denial) -> Denial:
    """Save what the denial letter says; its dates start the appeal clocks."""
    denial.full_clean()
    denial.save()
    deadlines_refresh(case=denial.pa_request.case)
    approval_withdraw_if_stale(case=denial.pa_request.case)
    return denial


WON_OUTCOMES = (Appeal.Outcome.OVERTURNED, Appeal.Outcome.PARTIALLY_OVERTURNED)
# The request's history marks the decisions a won appeal set, so a correction can find the one
# before.
DECIDED_BY_APPEAL = "decided by a won appeal"


@transaction.atomic
def appeal_file(
    *,
    denial: Denial,
    level: str,
    filed_on: date | None = None,
    expedited: bool = False,
    reference_number: str = "",
    outcome: str = Appeal.Outcome.PENDING,
    decided_on: date | None = None,
) -> Appeal:
    """Record an appeal of a denial at a level that fits the case's plan type (with its outcome,
    when the patient logs one already decided)."""
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
        outcome=outcome,
        decided_on=decided_on,
    )
    appeal.full_clean()
    appeal.save()
    _request_decided_by_a_won_appeal(appeal)
    deadlines_refresh(case=denial.pa_request.case)
    return appeal


@transaction.atomic
def appeal_save(*, appeal: Appeal) -> Appeal:
    """Save changes to an appeal (its outcome, dates, reference) and recompute deadlines."""
    was_won = Appeal.objects.filter(pk=appeal.pk, outcome__in=WON_OUTCOMES).exists()
    appeal.full_clean()
    appeal.save()
    if was_won and appeal.outcome not in WON_OUTCOMES:
        _request_decision_back_to_the_denial(appeal.denial)
    _request_decided_by_a_won_appeal(appeal)
    deadlines_refresh(case=appeal.denial.pa_request.case)
    return appeal


def _request_decided_by_a_won_appeal(appeal: Appeal) -> None:
    """A won appeal closes the ladder (issue 15): the request it answered is now approved (or
    partly). Its decision date stays the denial's: the denial and its appeal clocks count from it,
    and the appeal's own decision date is the approval's."""
    decision = {
        Appeal.Outcome.OVERTURNED: PriorAuthorizationRequest.Decision.APPROVED,
        Appeal.Outcome.PARTIALLY_OVERTURNED: PriorAuthorizationRequest.Decision.PARTIALLY_APPROVED,
    }.get(Appeal.Outcome(appeal.outcome))
    if decision is None:
        return
    request = appeal.denial.pa_request
    request.decision = decision
    request.full_clean()
    request._change_reason = DECIDED_BY_APPEAL  # type: ignore[attr-defined]
    request.save(update_fields=["decision", "updated_at"])


def _request_decision_back_to_the_denial(denial: Denial) -> None:
    """An appeal corrected away from "won": unless another appeal of the denial was won, the
    request goes back to the decision the denial recorded (denied, or partly approved)."""
    if denial.appeals.filter(outcome__in=WON_OUTCOMES).exists():
        return
    Decision = PriorAuthorizationRequest.Decision
    request = denial.pa_request
    before = (
        request.history.filter(decision__in=[Decision.DENIED, Decision.PARTIALLY_APPROVED])
        .exclude(history_change_reason=DECIDED_BY_APPEAL)
        .order_by("-history_date", "-history_id")
        .values_list("decision", flat=True)
        .first()
    )
    request.decision = before if before == Decision.PARTIALLY_APPROVED else Decision.DENIED
    request.full_clean()
    request.save(update_fields=["decision", "updated_at"])
