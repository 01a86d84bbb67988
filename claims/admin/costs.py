"""The cost estimate in admin (issue 16): the patient's own inputs for what a series may cost
them, shown to the clinic the case is shared with. The patient edits them on their page
(claims:cost_estimate), so admin only shows them."""

from django.contrib import admin

from ..models import CostEstimate
from .base import READONLY, CaseRecordAdmin


@admin.register(CostEstimate)
class CostEstimateAdmin(CaseRecordAdmin):
    # No money in the list: the amounts are the patient's, on the change page only.
    list_display = ["__str__", "case", "network", "sessions", "updated_at"]
    list_filter = ["network"]
    readonly_fields = [*READONLY, "case"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
