"""Out-of-network claims and the in-network providers a patient checked (issue 16), shown to
staff of the clinic a case is shared with. Patients enter and correct them on their own pages,
whose service keeps a denied claim's post-service request and denial in step; admin only shows
them, so no save here can bypass that."""

from django.contrib import admin

from ..models import NetworkProviderCheck, OutOfNetworkClaim
from .base import READONLY, CaseRecordAdmin, ScopedMixin


class ShownOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutOfNetworkClaim)
class OutOfNetworkClaimAdmin(ShownOnlyMixin, CaseRecordAdmin):
    list_display = ["__str__", "case", "submitted_on", "status", "answered_on", "amount_claimed"]
    list_filter = ["status"]
    search_fields = ["=reference_number"]
    date_hierarchy = "submitted_on"
    readonly_fields = [*READONLY, "eob", "pa_request"]


@admin.register(NetworkProviderCheck)
class NetworkProviderCheckAdmin(ShownOnlyMixin, ScopedMixin, admin.ModelAdmin):
    """Scoped like CaseRecordAdmin, but with Django's own history page: the model keeps no
    history table, so django-simple-history's page would fail (issue 16 review)."""

    list_select_related = CaseRecordAdmin.list_select_related
    autocomplete_fields = CaseRecordAdmin.autocomplete_fields
    readonly_fields = READONLY
    show_full_result_count = False
    list_display = ["name", "case", "answer", "distance_miles", "checked_on"]
    list_filter = ["answer"]
    search_fields = ["name"]
