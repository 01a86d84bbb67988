"""Paying for treatment (issue 16): a case's costs page (its cost estimate beside the other ways
to pay), the estimate's form with its arithmetic, and the general "Other ways to pay" page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from patients.decorators import patient_required

from .. import services
from ..forms import CostEstimateForm
from ..selectors import (
    cases_visible_to,
    cost_estimate_for,
    cost_estimate_result,
    savings_program_may_apply,
)
from .base import bound, case_for, posted


@patient_required
def financing(request):
    """The general page of other ways to pay. A patient with one case gets that case's own
    page (its estimate beside the same ways to pay); with several, the page lists them."""
    cases = list(cases_visible_to(request.user).order_by("-updated_at"))
    if len(cases) == 1:
        return redirect("claims:costs", coveragecase_id=cases[0].public_id)
    return render(request, "claims/financing.html", {"cases": cases})


@patient_required
def costs(request, coveragecase_id):
    case = case_for(request, coveragecase_id)
    estimate, _filled = cost_estimate_for(case)
    return render(
        request,
        "claims/costs.html",
        {
            "case": case,
            "estimate": cost_estimate_result(estimate),
            "saved": estimate.pk is not None,
            "savings_program": savings_program_may_apply(case),
        },
    )


@patient_required
def cost_estimate(request, coveragecase_id):
    case = case_for(request, coveragecase_id)
    estimate, filled = cost_estimate_for(case)
    # The estimate as last saved: a refused form shows its errors beside the old figures.
    result = cost_estimate_result(estimate)
    form = CostEstimateForm(bound(posted(request), "estimate"), instance=estimate)
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            services.cost_estimate_save(case=case, estimate=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved. Your estimate below uses these numbers."))
            url = reverse("claims:cost_estimate", kwargs={"coveragecase_id": case.public_id})
            return redirect(f"{url}#estimate")
    return render(
        request,
        "claims/cost_estimate.html",
        {
            "case": case,
            "form": form,
            "estimate": result,
            "filled": [form[name].label for name in filled] if not form.is_bound else [],
            "network": estimate.get_network_display(),
        },
    )
