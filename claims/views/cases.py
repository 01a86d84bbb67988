"""The dashboard, starting a case and the case overview (the financing page is in costs)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.decorators import patient_required
from patients.selectors import safety_alert_for, shares_with_a_clinic

from .. import guidance, services
from ..forms import (
    CaseStartForm,
    CriteriaPolicyForm,
)
from ..models import CoverageCase
from ..progress import next_step, steps_of
from ..selectors import (
    cases_for_dashboard,
    criteria_check_for,
    criteria_sets_for,
    open_deadlines,
)
from .base import (
    case_for,
    posted,
)


def _clinic_note(case: CoverageCase) -> str:
    """The clinic's latest note asking for changes (review_notes_prefetch's to_attr)."""
    notes = getattr(case, "changes_requested_events", [])
    asked = case.review_status == CoverageCase.ReviewStatus.CHANGES_REQUESTED
    return notes[0].note if asked and notes else ""


@login_required
def dashboard(request):
    if not request.user.is_patient:
        return redirect("admin:index")  # the landing page after login; staff work in admin
    today = timezone.localdate()
    rows = []
    for case in cases_for_dashboard(request.user):
        upcoming = next_step(case)
        due = open_deadlines(getattr(case, "prefetched_open_deadlines"), today)  # noqa: B009 - Prefetch to_attr
        rows.append(
            {
                "case": case,
                "steps": [(guidance.STEPS_BY_SLUG[s.slug], s) for s in steps_of(case)],
                "next": guidance.STEPS_BY_SLUG[upcoming.slug] if upcoming else None,
                "deadline": due[0] if due else None,
                "clinic_note": _clinic_note(case),
            }
        )
    patient = request.user.patient
    context = {
        "rows": rows,
        "patient": patient,
        # Crisis resources stay here for two weeks after PHQ-9 item 9 above zero (issue 13).
        "safety_alert": safety_alert_for(patient, now=timezone.now()),
        "shared": shares_with_a_clinic(patient),
    }
    return render(request, "claims/dashboard.html", context)


@patient_required
def case_start(request):
    patient = request.user.patient
    form = CaseStartForm(posted(request), patient=patient)
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
    case = case_for(request, coveragecase_id, for_wizard=True)
    upcoming = next_step(case)
    return render(
        request,
        "claims/case_overview.html",
        {
            "case": case,
            "overview": guidance.CASE_OVERVIEW,
            "steps": [(guidance.STEPS_BY_SLUG[s.slug], s) for s in steps_of(case)],
            "next": guidance.STEPS_BY_SLUG[upcoming.slug] if upcoming else None,
            "criteria": criteria_check_for(case, today=timezone.localdate()),
        },
    )


# The pages that show the criteria check, where picking a policy returns to.
_CRITERIA_PAGES = {
    "overview": "claims:case_overview",
    "history": "claims:step_history",
    "submit": "claims:step_submit",
}


@patient_required
@require_POST
def criteria_policy_choose(request, coveragecase_id):
    """The patient picks the coverage policy to check the case against."""
    case = case_for(request, coveragecase_id)
    form = CriteriaPolicyForm(
        request.POST, policies=criteria_sets_for(case.treatment, case.condition)
    )
    if form.is_valid():
        services.case_choose_criteria_policy(case=case, policy_key=form.cleaned_data["policy_key"])
        messages.success(request, _("Saved. The check below now follows that policy."))
    else:
        messages.error(request, _("Please pick a policy from the list."))
    page = _CRITERIA_PAGES.get(request.POST.get("page", ""), "claims:case_overview")
    return redirect(page, coveragecase_id=case.public_id)
