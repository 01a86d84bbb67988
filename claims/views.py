"""The coverage wizard. Views are thin: find the case (get_case_for_user), bind the form the
patient posted (or the one kept while their session had expired), call a service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients import icd10
from patients import services as patient_services
from patients.decorators import patient_required, restored_post
from patients.models import AccessLog, TreatmentTrial

from . import guidance, services
from .forms import (
    AppealForm,
    CaseStartForm,
    DeadlineLetterDateForm,
    DecisionForm,
    DenialForm,
    DiagnosisForm,
    DocumentUploadForm,
    InsurancePolicyForm,
    InsurerCallForm,
    LetterForm,
    PARequestForm,
    PolicyChoiceForm,
    ProviderForm,
    ReferralForm,
    SendToClinicForm,
    SymptomScoreForm,
    TreatmentTrialForm,
)
from .models import CoverageCase, Letter, Packet, PriorAuthorizationRequest
from .progress import STEP_SLUGS, next_step, steps_of, with_step_states
from .selectors import (
    approval_was_withdrawn,
    cases_visible_to,
    get_case_for_user,
    latest_denial,
    open_deadlines,
    open_deadlines_prefetch,
    packet_is_out_of_date,
    review_notes_prefetch,
)

# --- helpers ---


def _case(request, coveragecase_id) -> CoverageCase:
    return get_case_for_user(request.user, coveragecase_id)


def _posted(request):
    """What the patient sent: this POST, or a form kept while their session had expired."""
    if request.method == "POST":
        return request.POST
    return restored_post(request)


def _bound(data, action: str):
    """The posted data if it is for this form (each form posts its own `action`), else None."""
    return data if data is not None and data.get("action") == action else None


def _item(queryset, public_id):
    if not public_id:
        return None
    try:
        return queryset.get(public_id=public_id)
    except (queryset.model.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc


def _saved(request, case: CoverageCase, slug: str, message: str | None = None):
    """Where to go after a save: the next step, the dashboard ("come back later"), or back.

    The services withdrew an approval the save made stale; the patient is told here."""
    if approval_was_withdrawn(case):
        messages.info(request, _("Your clinic will look at your case again, as it changed."))
    after = request.POST.get("after")
    if after == "later":
        messages.success(request, _("Saved. You can stop here and come back any time."))
        return redirect("claims:dashboard")
    messages.success(request, message or _("Saved."))
    if after == "continue" and slug != STEP_SLUGS[-1]:
        following = STEP_SLUGS[STEP_SLUGS.index(slug) + 1]
        return redirect(f"claims:step_{following}", coveragecase_id=case.public_id)
    return redirect(f"claims:step_{slug}", coveragecase_id=case.public_id)


def _once(request, form) -> bool:
    """False when this exact form was already saved (a double click, a re-sent page)."""
    token = form.cleaned_data.get("submission_id")
    first = services.form_submission_claim(token=token, user=request.user)
    if not first:
        messages.info(request, _("That was already saved."))
    return first


def _step_page(request, case, slug: str, template: str, context: dict):
    steps = steps_of(case)
    index = STEP_SLUGS.index(slug)
    if slug in ("submit", "appeal"):
        context["deadlines"] = open_deadlines(case.deadlines.all(), timezone.localdate())
        context["letter_date_form"] = DeadlineLetterDateForm()
        kind = Packet.Kind.PRIOR_AUTHORIZATION if slug == "submit" else Packet.Kind.APPEAL
        packets = list(case.packets.filter(kind=kind))
        newest = next((p for p in packets if p.is_newest), None)
        context["packets"] = packets
        context["packet_kind"] = kind
        context["packet_out_of_date"] = bool(
            newest and newest.status == Packet.Status.READY and packet_is_out_of_date(newest)
        )
        context["letters"] = case.letters.filter(
            kind=Letter.Kind.MEDICAL_NECESSITY if slug == "submit" else Letter.Kind.APPEAL
        )
    return render(
        request,
        template,
        {
            "case": case,
            "step": guidance.STEPS_BY_SLUG[slug],
            "steps": [(guidance.STEPS_BY_SLUG[s.slug], s) for s in steps],
            "state": next(s for s in steps if s.slug == slug),
            "is_last": slug == STEP_SLUGS[-1],
            "prev_slug": STEP_SLUGS[index - 1] if index else "",
            "next_slug": STEP_SLUGS[index + 1] if index + 1 < len(STEP_SLUGS) else "",
            **context,
        },
    )


# --- dashboard, new case, overview, financing ---


@login_required
def dashboard(request):
    if not request.user.is_patient:
        return redirect("admin:index")  # the landing page after login; staff work in admin
    cases = (
        with_step_states(cases_visible_to(request.user).select_related("policy__payer", "clinic"))
        .prefetch_related(open_deadlines_prefetch(), review_notes_prefetch())
        .order_by("-updated_at")
    )
    today = timezone.localdate()
    rows = []
    for case in cases:
        upcoming = next_step(case)
        due = open_deadlines(case.prefetched_open_deadlines, today)
        rows.append(
            {
                "case": case,
                "steps": [(guidance.STEPS_BY_SLUG[s.slug], s) for s in steps_of(case)],
                "next": guidance.STEPS_BY_SLUG[upcoming.slug] if upcoming else None,
                "deadline": due[0] if due else None,
                "clinic_note": case.changes_requested_events[0].note
                if case.review_status == CoverageCase.ReviewStatus.CHANGES_REQUESTED
                and case.changes_requested_events
                else "",
            }
        )
    return render(request, "claims/dashboard.html", {"rows": rows})


@patient_required
def case_start(request):
    patient = request.user.patient
    form = CaseStartForm(_posted(request), patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = services.case_start(
            patient=patient,
            treatment=data["treatment"],
            treatment_other=data["treatment_other"],
            condition=data["condition"],
            condition_other=data["condition_other"],
            policy=data["policy"],
            clinic=data["clinic"] or None,
        )
        messages.success(request, _("Your case is started. Step 1 is about your insurance."))
        return redirect("claims:case_overview", coveragecase_id=case.public_id)
    return render(request, "claims/case_start.html", {"form": form})


@patient_required
def case_overview(request, coveragecase_id):
    case = _case(request, coveragecase_id)
    upcoming = next_step(case)
    return render(
        request,
        "claims/case_overview.html",
        {
            "case": case,
            "overview": guidance.CASE_OVERVIEW,
            "steps": [(guidance.STEPS_BY_SLUG[s.slug], s) for s in steps_of(case)],
            "next": guidance.STEPS_BY_SLUG[upcoming.slug] if upcoming else None,
        },
    )


@patient_required
def financing(request):
    return render(request, "claims/financing.html", {"cases": cases_visible_to(request.user)})


# --- step 1: research your policy ---


@patient_required
def step_policy(request, coveragecase_id):
    case = _case(request, coveragecase_id)
    patient = case.patient
    data = _posted(request)
    action = data.get("action") if data is not None else None
    call = _item(
        case.calls.all(), (data or {}).get("id") if action == "call" else request.GET.get("call")
    )
    forms = {
        "choose_policy": PolicyChoiceForm(
            _bound(data, "choose_policy"), patient=patient, initial={"policy": case.policy_id}
        ),
        "policy": InsurancePolicyForm(_bound(data, "policy"), instance=case.policy),
        "call": InsurerCallForm(_bound(data, "call"), instance=call),
    }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        if action == "choose_policy":
            services.case_choose_policy(case=case, policy=form.cleaned_data["policy"])
        elif action == "policy":
            services.policy_save(case=case, policy=form.save(commit=False))
        elif action == "call" and _once(request, form):
            services.insurer_call_save(
                case=case,
                call=form.save(commit=False),
                questions_and_answers=form.questions_and_answers(),
            )
        return _saved(request, case, "policy")
    return _step_page(
        request,
        case,
        "policy",
        "claims/step_policy.html",
        {
            "forms": forms,
            "calls": case.calls.all(),
            "editing_call": call,
            "questions": guidance.INSURER_QUESTIONS,
            "has_policies": patient.policies.exists(),
        },
    )


@patient_required
def question_script(request, coveragecase_id):
    case = _case(request, coveragecase_id)
    return render(
        request,
        "claims/question_script.html",
        {"case": case, "policy": case.policy, "questions": guidance.INSURER_QUESTIONS},
    )


@patient_required
@require_POST
def call_delete(request, coveragecase_id, insurercall_id):
    case = _case(request, coveragecase_id)
    services.insurer_call_delete(call=_item(case.calls.all(), insurercall_id))
    messages.success(request, _("The call was removed."))
    return redirect("claims:step_policy", coveragecase_id=case.public_id)


# --- step 2: document your medical history ---


@patient_required
def step_history(request, coveragecase_id):
    case = _case(request, coveragecase_id)
    patient = case.patient
    data = _posted(request)
    action = data.get("action") if data is not None else None
    posted_id = (data or {}).get("id")
    diagnosis = _item(
        patient.diagnoses.all(),
        posted_id if action == "diagnosis" else request.GET.get("diagnosis"),
    )
    trial = _item(
        patient.treatment_trials.all(), posted_id if action == "trial" else request.GET.get("trial")
    )
    forms = {
        "diagnosis": DiagnosisForm(
            _bound(data, "diagnosis"),
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
            _bound(data, "trial"), instance=trial or TreatmentTrial(patient=patient)
        ),
        "score": SymptomScoreForm(_bound(data, "score")),
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
            elif action == "score" and _once(request, form):
                services.history_score_record(
                    patient=patient,
                    instrument=form.cleaned_data["instrument"],
                    instrument_other=form.cleaned_data["instrument_other"],
                    taken_on=form.cleaned_data["taken_on"],
                    total=form.cleaned_data["total"],
                    administered_by_clinician=form.cleaned_data["administered_by_clinician"],
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, case, "history")
    query = request.GET.get("q", "").strip()
    return _step_page(
        request,
        case,
        "history",
        "claims/step_history.html",
        {
            "forms": forms,
            "diagnoses": patient.diagnoses.all(),
            "trials": patient.treatment_trials.all(),
            "scores": patient.symptom_scores.all(),
            "editing_diagnosis": diagnosis,
            "editing_trial": trial,
            "query": query,
            "code_results": icd10.search(query, limit=8) if query else [],
        },
    )


def _history_item_delete(request, coveragecase_id, related: str, item_id):
    case = _case(request, coveragecase_id)
    services.history_record_delete(record=_item(getattr(case.patient, related).all(), item_id))
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


# --- step 3: obtain a referral ---


@patient_required
def step_referral(request, coveragecase_id):
    case = _case(request, coveragecase_id)
    patient = case.patient
    data = _posted(request)
    action = data.get("action") if data is not None else None
    referral = case.referrals.select_related("provider").first()
    forms = {
        "referral": ReferralForm(_bound(data, "referral"), instance=referral, patient=patient),
        "provider": ProviderForm(_bound(data, "provider")),
    }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        if action == "provider":
            services.referral_provider_add(case=case, provider=form.save(commit=False))
        elif action == "referral" and (referral or _once(request, form)):
            services.case_record_save(case=case, record=form.save(commit=False))
        return _saved(request, case, "referral")
    return _step_page(
        request,
        case,
        "referral",
        "claims/step_referral.html",
        {"forms": forms, "referral": referral, "asks": guidance.REFERRAL_ASKS},
    )


# --- step 4: gather supporting documentation ---


@patient_required
def step_documents(request, coveragecase_id):
    case = _case(request, coveragecase_id)
    data = _posted(request)
    form = DocumentUploadForm(
        _bound(data, "upload"), request.FILES if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid() and _once(request, form):
        try:
            services.document_upload(
                case=case,
                category=form.cleaned_data["category"],
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return _saved(request, case, "documents", _("Your document is uploaded."))
    documents = case.documents.all()
    have = {d.category for d in documents}
    return _step_page(
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


def _staff_may_open_files(request) -> None:
    """Clinic staff open documents and packets only with the reviewer role's permission, and
    only in a session verified by their second factor, as admin requires."""
    user = request.user
    if user.is_patient:
        return
    verified = getattr(user, "is_verified", lambda: False)()
    if not verified or not user.has_perm("claims.view_supportingdocument"):
        raise Http404


@login_required
def document_download(request, coveragecase_id, supportingdocument_id):
    """A document, for the patient or reviewers of the clinic the case is shared with."""
    case = _case(request, coveragecase_id)
    _staff_may_open_files(request)
    document = _item(case.documents.all(), supportingdocument_id)
    patient_services.access_log_record(
        actor=request.user, action=AccessLog.Action.DOWNLOAD, obj=document
    )
    filename = f"{document.get_category_display()}{document.extension}"
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@patient_required
@require_POST
def document_delete(request, coveragecase_id, supportingdocument_id):
    case = _case(request, coveragecase_id)
    services.document_delete(document=_item(case.documents.all(), supportingdocument_id))
    messages.success(request, _("The document was deleted."))
    return redirect("claims:step_documents", coveragecase_id=case.public_id)


# --- step 5: submit a pre-authorization request ---------------------------------------------------


@patient_required
def step_submit(request, coveragecase_id):
    case = _case(request, coveragecase_id)
    data = _posted(request)
    action = data.get("action") if data is not None else None
    pa_request = _item(
        case.pa_requests.all(),
        (data or {}).get("id") if action == "pa_request" else request.GET.get("request"),
    )
    latest = pa_request or case.pa_requests.first()
    forms = {
        "send": SendToClinicForm(_bound(data, "send"), case=case),
        "pa_request": PARequestForm(_bound(data, "pa_request"), instance=pa_request),
        "decision": DecisionForm(_bound(data, "decision"), instance=latest),
    }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        try:
            if action == "send":
                services.case_send_to_clinic(case=case, clinic=form.cleaned_data["clinic"])
                message = _("Sent. Your clinic will review your case and get back to you.")
                return _saved(request, case, "submit", message)
            if action == "pa_request" and (pa_request or _once(request, form)):
                services.case_record_save(case=case, record=form.save(commit=False))
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
            return _saved(request, case, "submit")
    Review = CoverageCase.ReviewStatus
    return _step_page(
        request,
        case,
        "submit",
        "claims/step_submit.html",
        {
            "forms": forms,
            "pa_requests": case.pa_requests.all(),
            "editing_request": pa_request,
            "latest": latest,
            "can_send": case.review_status in (Review.NOT_SHARED, Review.CHANGES_REQUESTED),
            "is_resubmission": case.review_status == Review.CHANGES_REQUESTED,
        },
    )


# --- step 6: appeal if necessary ---


@patient_required
def step_appeal(request, coveragecase_id):
    case = _case(request, coveragecase_id)
    denial = latest_denial(case)
    data = _posted(request)
    action = data.get("action") if data is not None else None
    appeal = _item(denial.appeals.all(), (data or {}).get("id")) if denial else None
    plan_type = case.policy.plan_type if case.policy_id else None
    forms = {}
    if denial is not None:
        forms = {
            "denial": DenialForm(_bound(data, "denial"), instance=denial),
            "appeal": AppealForm(_bound(data, "appeal"), instance=appeal, plan_type=plan_type),
        }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        form = forms[action]
        try:
            if action == "denial":
                services.denial_save(denial=form.save(commit=False))
            elif action == "appeal" and appeal is not None:
                services.appeal_save(appeal=form.save(commit=False))
            elif action == "appeal" and _once(request, form):
                services.appeal_file(
                    denial=denial,
                    level=form.cleaned_data["level"],
                    filed_on=form.cleaned_data["filed_on"],
                    expedited=form.cleaned_data["expedited"],
                    reference_number=form.cleaned_data["reference_number"],
                    outcome=form.cleaned_data["outcome"],
                    decided_on=form.cleaned_data["decided_on"],
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, case, "appeal")
    return _step_page(
        request,
        case,
        "appeal",
        "claims/step_appeal.html",
        {
            "forms": forms,
            "denial": denial,
            "appeals": denial.appeals.all() if denial else [],
            "peer_to_peer": guidance.PEER_TO_PEER,
            "appeal_tips": guidance.APPEAL_TIPS,
            "decision_pending": case.pa_requests.filter(
                decision=PriorAuthorizationRequest.Decision.PENDING
            ).exists(),
        },
    )


# --- deadlines ---


@patient_required
@require_POST
def deadline_letter_date(request, coveragecase_id, deadline_id):
    case = _case(request, coveragecase_id)
    deadline = _item(case.deadlines.all(), deadline_id)
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


# --- letters and packets ---


@patient_required
def letter_edit(request, coveragecase_id, letter_id):
    case = _case(request, coveragecase_id)
    letter = _item(case.letters.all(), letter_id)
    form = LetterForm(_posted(request), initial={"text": letter.text})
    back = "appeal" if letter.kind == Letter.Kind.APPEAL else "submit"
    if request.method == "POST" and form.is_valid():
        services.letter_save(letter=letter, text=form.cleaned_data["text"], by=request.user)
        messages.success(request, _("Your letter is saved. Make a new packet to use it."))
        return redirect(f"claims:step_{back}", coveragecase_id=case.public_id)
    return render(
        request,
        "claims/letter_edit.html",
        {"case": case, "letter": letter, "form": form, "back": back},
    )


@patient_required
@require_POST
def packet_create(request, coveragecase_id):
    case = _case(request, coveragecase_id)
    kind = request.POST.get("kind")
    if kind not in Packet.Kind.values:
        raise Http404
    denial = None
    if kind == Packet.Kind.APPEAL:
        denial = latest_denial(case)
    try:
        services.packet_request(case=case, kind=kind, by=request.user, denial=denial)
    except services.CaseStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("We are making your packet. This page will update by itself."))
    back = "appeal" if kind == Packet.Kind.APPEAL else "submit"
    return redirect(f"claims:step_{back}", coveragecase_id=case.public_id)


@login_required
def packet_status(request, coveragecase_id, packet_id):
    """For the page that waits for a packet: its state, no health data."""
    case = _case(request, coveragecase_id)
    _staff_may_open_files(request)
    packet = _item(case.packets.all(), packet_id)
    return JsonResponse({"status": packet.status})


@login_required
def packet_download(request, coveragecase_id, packet_id):
    """The packet PDF, for the patient or reviewers of the clinic the case is shared with."""
    case = _case(request, coveragecase_id)
    _staff_may_open_files(request)
    packet = _item(case.packets.filter(status=Packet.Status.READY), packet_id)
    patient_services.access_log_record(
        actor=request.user, action=AccessLog.Action.DOWNLOAD, obj=packet
    )
    kind = "appeal" if packet.kind == Packet.Kind.APPEAL else "preauthorization"
    response = FileResponse(
        packet.file.open("rb"),
        as_attachment=True,
        filename=f"{kind}-packet-v{packet.version}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    return response
