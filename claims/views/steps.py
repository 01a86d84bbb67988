"""The six steps of the wizard. Each step page binds the form its POST names (`action`), calls
one service, and redirects; a refused form is shown again with everything typed."""

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients import icd10
from patients.decorators import patient_required
from patients.models import TreatmentTrial
from patients.partial_dates import format_partial_date

from .. import guidance, services, timeline
from ..forms import (
    AppealForm,
    DeadlineLetterDateForm,
    DecisionForm,
    DenialForm,
    DiagnosisForm,
    DocumentUploadForm,
    EpisodeForm,
    InsurancePolicyForm,
    InsurerCallForm,
    PARequestForm,
    PolicyChoiceForm,
    ProviderForm,
    ReferralForm,
    SendToClinicForm,
    SymptomScoreForm,
    TreatmentRequestForm,
    TreatmentTrialForm,
)
from ..models import CoverageCase, PriorAuthorizationRequest
from ..progress import STEP_SLUGS
from ..selectors import (
    CaseRecords,
    criteria_check_for,
    denial_page,
    denials_of,
    packet_missing_facts,
    pre_authorizations,
    treatment_request_for,
)
from .base import (
    bound,
    case_for,
    denial_for,
    denial_label,
    item_or_404,
    offer_together,
    posted,
    save_once,
    saved,
    step_page,
    with_denial,
)


@patient_required
def step_policy(request, coveragecase_id):
    case = case_for(request, coveragecase_id, for_wizard=True)
    patient = case.patient
    data = posted(request)
    action = data.get("action") if data is not None else None
    calls = list(case.calls.all())
    call = item_or_404(
        calls, (data or {}).get("id") if action == "call" else request.GET.get("call")
    )
    forms: dict[str, Any] = {
        "choose_policy": PolicyChoiceForm(
            bound(data, "choose_policy"), patient=patient, initial={"policy": case.policy_id}
        ),
        "policy": InsurancePolicyForm(bound(data, "policy"), instance=case.policy),
        "call": InsurerCallForm(bound(data, "call"), instance=call),
    }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        try:
            if action == "choose_policy":
                services.case_choose_policy(case=case, policy=form.cleaned_data["policy"])
            elif action == "policy":
                services.policy_save(case=case, policy=form.save(commit=False))
            elif action == "call":
                save_once(
                    request,
                    form,
                    lambda: services.insurer_call_save(
                        case=case,
                        call=form.save(commit=False),
                        questions_and_answers=form.questions_and_answers(),
                    ),
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return saved(request, case, "policy")
    return step_page(
        request,
        case,
        "policy",
        "claims/step_policy.html",
        {
            "forms": forms,
            "calls": calls,
            "editing_call": call,
            "questions": guidance.INSURER_QUESTIONS,
            "has_policies": patient.policies.exists(),
        },
    )


@patient_required
def question_script(request, coveragecase_id):
    case = case_for(request, coveragecase_id)
    return render(
        request,
        "claims/question_script.html",
        {"case": case, "policy": case.policy, "questions": guidance.INSURER_QUESTIONS},
    )


@patient_required
@require_POST
def call_delete(request, coveragecase_id, insurercall_id):
    case = case_for(request, coveragecase_id)
    services.insurer_call_delete(call=item_or_404(case.calls.all(), insurercall_id))
    messages.success(request, _("The call was removed."))
    return redirect("claims:step_policy", coveragecase_id=case.public_id)


@patient_required
def step_history(request, coveragecase_id):
    case = case_for(request, coveragecase_id, for_wizard=True)
    patient = case.patient
    records = CaseRecords(case)
    data = posted(request)
    action = data.get("action") if data is not None else None
    posted_id = (data or {}).get("id")
    diagnosis = item_or_404(
        records.diagnoses,
        posted_id if action == "diagnosis" else request.GET.get("diagnosis"),
    )
    trial = item_or_404(
        records.trials, posted_id if action == "trial" else request.GET.get("trial")
    )
    forms: dict[str, Any] = {
        "diagnosis": DiagnosisForm(
            bound(data, "diagnosis"),
            initial=(
                {
                    "search": diagnosis.description,
                    "icd10_code": diagnosis.icd10_code,
                    "is_primary": diagnosis.is_primary,
                    "diagnosed_on": diagnosis.diagnosed_on,
                }
                if diagnosis
                else None
            ),
        ),
        "trial": TreatmentTrialForm(
            bound(data, "trial"), instance=trial or TreatmentTrial(patient=patient)
        ),
        "score": SymptomScoreForm(bound(data, "score")),
        "episode": EpisodeForm(
            bound(data, "episode"),
            initial={
                "since": format_partial_date(case.episode_since, case.episode_since_precision)
            },
        ),
    }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        try:
            if action == "diagnosis":
                services.history_diagnosis_save(
                    patient=patient,
                    diagnosis=diagnosis,
                    icd10_code=form.cleaned_data["icd10_code"],
                    description=form.cleaned_data["search"],
                    is_primary=form.cleaned_data["is_primary"],
                    diagnosed_on=form.cleaned_data["diagnosed_on"],
                )
            elif action == "trial":
                services.history_trial_save(trial=form.instance)
            elif action == "episode":
                services.case_set_episode_start(
                    case=case,
                    since=form.cleaned_data["since"],
                    precision=form.cleaned_data.get("precision", "day"),
                )
            elif action == "score":
                values = form.cleaned_data
                save_once(
                    request,
                    form,
                    lambda: services.history_score_record(
                        patient=patient,
                        instrument=values["instrument"],
                        instrument_other=values["instrument_other"],
                        taken_on=values["taken_on"],
                        total=values["total"],
                        administered_by_clinician=values["administered_by_clinician"],
                        given_by=values["given_by"],
                    ),
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return saved(request, case, "history")
    query = request.GET.get("q", "").strip()
    trials, scores = records.trials, records.scores
    return step_page(
        request,
        case,
        "history",
        "claims/step_history.html",
        {
            "forms": forms,
            "diagnoses": records.diagnoses,
            "trials": trials,
            "scores": scores,
            # Scores over time, with the trials they followed (the packet's figure).
            "timeline_svg": timeline.trials_timeline_svg(trials, scores, today=timezone.localdate())
            if scores
            else "",
            "editing_diagnosis": diagnosis,
            "editing_trial": trial,
            "query": query,
            "code_results": icd10.search(query, limit=8) if query else [],
            "code_miswritten": icd10.is_miswritten_code(query),
            "criteria": criteria_check_for(case, today=timezone.localdate(), records=records),
        },
    )


def _history_item_delete(request, coveragecase_id, related: str, item_id):
    case = case_for(request, coveragecase_id)
    services.history_record_delete(
        record=item_or_404(getattr(case.patient, related).all(), item_id)
    )
    messages.success(request, _("Removed."))
    return redirect("claims:step_history", coveragecase_id=case.public_id)


@patient_required
@require_POST
def diagnosis_delete(request, coveragecase_id, diagnosis_id):
    return _history_item_delete(request, coveragecase_id, "diagnoses", diagnosis_id)


@patient_required
@require_POST
def trial_delete(request, coveragecase_id, treatmenttrial_id):
    return _history_item_delete(request, coveragecase_id, "treatment_trials", treatmenttrial_id)


@patient_required
@require_POST
def score_delete(request, coveragecase_id, symptomscore_id):
    return _history_item_delete(request, coveragecase_id, "symptom_scores", symptomscore_id)


@patient_required
def step_referral(request, coveragecase_id):
    case = case_for(request, coveragecase_id, for_wizard=True)
    patient = case.patient
    data = posted(request)
    action = data.get("action") if data is not None else None
    referral = case.referrals.select_related("provider").first()
    forms: dict[str, Any] = {
        "referral": ReferralForm(bound(data, "referral"), instance=referral, patient=patient),
        "provider": ProviderForm(bound(data, "provider")),
    }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        try:
            if action == "provider":
                services.referral_provider_add(case=case, provider=form.save(commit=False))
            elif action == "referral" and referral:
                services.case_record_save(case=case, record=form.save(commit=False))
            elif action == "referral":
                save_once(
                    request,
                    form,
                    lambda: services.case_record_save(case=case, record=form.save(commit=False)),
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return saved(request, case, "referral")
    return step_page(
        request,
        case,
        "referral",
        "claims/step_referral.html",
        {"forms": forms, "referral": referral, "asks": guidance.REFERRAL_ASKS},
    )


@patient_required
def step_documents(request, coveragecase_id):
    case = case_for(request, coveragecase_id, for_wizard=True)
    data = posted(request)
    form = DocumentUploadForm(
        bound(data, "upload"), request.FILES if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            document = save_once(
                request,
                form,
                lambda: services.document_upload(
                    case=case,
                    category=values["category"],
                    title=values["title"],
                    upload=values["file"],
                    by=request.user,
                ),
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            uploaded = _("Your document is uploaded.") if document else None
            return saved(request, case, "documents", uploaded)
    documents = case.documents.all()
    have = {d.category for d in documents}
    return step_page(
        request,
        case,
        "documents",
        "claims/step_documents.html",
        {
            "form": form,
            "documents": documents,
            "checklist": [(item, item.category in have) for item in guidance.DOCUMENT_CHECKLIST],
        },
    )


@patient_required
@require_POST
def document_delete(request, coveragecase_id, supportingdocument_id):
    case = case_for(request, coveragecase_id)
    services.document_delete(document=item_or_404(case.documents.all(), supportingdocument_id))
    messages.success(request, _("The document was deleted."))
    return redirect("claims:step_documents", coveragecase_id=case.public_id)


@patient_required
def step_submit(request, coveragecase_id):
    case = case_for(request, coveragecase_id, for_wizard=True)
    records = CaseRecords(case)
    data = posted(request)
    action = data.get("action") if data is not None else None
    # A denied claim's request is step 6's (issue 16): pre_authorizations leaves it out.
    pa_requests = records.pre_authorizations
    pa_request = item_or_404(
        pa_requests,
        (data or {}).get("id") if action == "pa_request" else request.GET.get("request"),
    )
    latest = pa_request or (copy.copy(pa_requests[0]) if pa_requests else None)
    forms: dict[str, Any] = {
        "treatment_request": TreatmentRequestForm(
            bound(data, "treatment_request"),
            # A copy: the checks below read the request as saved, not as typed.
            instance=copy.copy(treatment_request_for(case, records=records)),
            patient=case.patient,
        ),
        "send": SendToClinicForm(bound(data, "send"), case=case),
        "pa_request": PARequestForm(bound(data, "pa_request"), instance=pa_request),
        "decision": DecisionForm(bound(data, "decision"), instance=latest),
    }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        try:
            if action == "send":
                services.case_send_to_clinic(case=case, clinic=form.cleaned_data["clinic"])
                message = _("Sent. Your clinic will review your case and get back to you.")
                return saved(request, case, "submit", message)
            if action == "treatment_request":
                services.treatment_request_save(case=case, request=form.save(commit=False))
            elif action == "pa_request" and pa_request:
                services.case_record_save(case=case, record=form.save(commit=False))
            elif action == "pa_request":
                save_once(
                    request,
                    form,
                    lambda: services.case_record_save(case=case, record=form.save(commit=False)),
                )
            elif action == "decision" and latest is not None:
                values = form.cleaned_data
                services.pa_request_record_decision(
                    pa_request=latest,
                    decision=values["decision"],
                    decided_on=values["decided_on"],
                    received_on=values["decision_received_on"],
                    approved_sessions=values["approved_sessions"],
                    valid_from=values["valid_from"],
                    valid_until=values["valid_until"],
                )
        except services.CaseStateError as error:
            messages.error(request, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return saved(request, case, "submit")
    Review = CoverageCase.ReviewStatus
    can_send = case.review_status in (Review.NOT_SHARED, Review.CHANGES_REQUESTED)
    # The providers to prescribe, and the clinics when the send form shows: one query.
    choices = [forms["treatment_request"].fields["prescriber"]]
    offer_together(*choices, *([forms["send"].fields["clinic"]] if can_send else []))
    return step_page(
        request,
        case,
        "submit",
        "claims/step_submit.html",
        {
            "forms": forms,
            "pa_requests": pa_requests,
            "editing_request": pa_request,
            "latest": latest,
            "can_send": can_send,
            "is_resubmission": case.review_status == Review.CHANGES_REQUESTED,
            "missing": packet_missing_facts(case, records=records),
            "criteria": criteria_check_for(case, today=timezone.localdate(), records=records),
        },
    )


@patient_required
def step_appeal(request, coveragecase_id):
    case = case_for(request, coveragecase_id, for_wizard=True)
    data = posted(request)
    # A case may have several denials (issue 16: the pre-authorization, then a claim): the one
    # picked (?denial=, and every form's hidden field), else the newest.
    denials = list(denials_of(case))
    denial = denial_for(
        case,
        (data or {}).get("denial") if data is not None else request.GET.get("denial"),
        denials,
    )
    action = data.get("action") if data is not None else None
    appeal = item_or_404(denial.appeals.all(), (data or {}).get("id")) if denial else None
    plan_type = case.policy.plan_type if case.policy else None
    forms: dict[str, Any] = {}
    if denial is not None:
        forms = {
            "denial": DenialForm(bound(data, "denial"), instance=denial),
            "appeal": AppealForm(
                bound(data, "appeal"),
                instance=appeal,
                plan_type=plan_type,
                post_service=denial.pa_request.kind == PriorAuthorizationRequest.Kind.CLAIM,
            ),
        }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        try:
            if action == "denial":
                services.denial_save(denial=form.save(commit=False))
            elif action == "appeal" and appeal is not None:
                services.appeal_save(appeal=form.save(commit=False))
            elif action == "appeal" and denial is not None:
                values = form.cleaned_data
                save_once(
                    request,
                    form,
                    lambda: services.appeal_file(
                        denial=denial,
                        level=values["level"],
                        filed_on=values["filed_on"],
                        expedited=values.get("expedited", False),
                        reference_number=values["reference_number"],
                        outcome=values["outcome"],
                        decided_on=values["decided_on"],
                    ),
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return with_denial(saved(request, case, "appeal"), case, denial)
    page = denial_page(case, denial, denials) if denial else None
    return step_page(
        request,
        case,
        "appeal",
        "claims/step_appeal.html",
        {
            "forms": forms,
            "denial": denial,
            "denial_page": page,
            "denial_choices": [(d, denial_label(d)) for d in denials] if len(denials) > 1 else [],
            "appeals": page.appeals if page else [],
            "ladder": page.ladder if page else None,
            "escalations": page.escalations if page else [],
            "escalation_purposes": guidance.ESCALATION_PURPOSES,
            "peer_to_peer": guidance.PEER_TO_PEER,
            "appeal_tips": guidance.APPEAL_TIPS,
            # Shown only while nothing is denied.
            "decision_pending": denial is None
            and pre_authorizations(case)
            .filter(decision=PriorAuthorizationRequest.Decision.PENDING)
            .exists(),
        },
    )


@patient_required
@require_POST
def deadline_letter_date(request, coveragecase_id, deadline_id):
    case = case_for(request, coveragecase_id)
    deadline = item_or_404(case.deadlines.all(), deadline_id)
    form = DeadlineLetterDateForm(request.POST)
    back = request.POST.get("step") if request.POST.get("step") in STEP_SLUGS else "submit"
    if form.is_valid():
        services.deadline_set_letter_date(
            deadline=deadline, letter_due_on=form.cleaned_data["letter_due_on"]
        )
        messages.success(request, _("Saved. We will use the date from your letter."))
    else:
        messages.error(request, _("Please enter the date as it appears in your letter."))
    return redirect(f"claims:step_{back}", coveragecase_id=case.public_id)
