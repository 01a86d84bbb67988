"""Paying for treatment (issue 16): the inputs of the case's cost estimate. The arithmetic is
claims/estimate.py and runs when the page is shown, so nothing typed is ever lost to it."""

from django.db import transaction

from ..models import CostEstimate, CoverageCase


@transaction.atomic
def cost_estimate_save(*, case: CoverageCase, estimate: CostEstimate) -> CostEstimate:
    """Keep the patient's cost-estimate inputs, one row per case. A save from another tab (or a
    double click on the first save) that finds a row already there replaces it, as an edit."""
    CoverageCase.objects.select_for_update().filter(pk=case.pk).first()  # one save at a time
    existing = CostEstimate.objects.filter(case=case).first()
    if existing is not None and estimate.pk != existing.pk:
        estimate.pk, estimate.public_id = existing.pk, existing.public_id
        estimate.created_at = existing.created_at
        estimate._state.adding = False
    estimate.case = case
    estimate.full_clean()
    estimate.save()
    return estimate
