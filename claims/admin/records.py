"""Admin pages of a case's records and audit rows, held to the cases this user may see."""

from django.contrib import admin

from patients.admin import NoEditAdminMixin

from .. import services
from ..models import (
    Appeal,
    Deadline,
    Denial,
    FormSubmission,
    InsurerCall,
    PriorAuthorizationRequest,
    Referral,
    ReminderSent,
    ReviewEvent,
    SupportingDocument,
    TreatmentRequest,
)
from .base import (
    READONLY,
    CaseRecordAdmin,
    ScopedAdmin,
    ScopedMixin,
    review_events_of_own_clinics,
)


@admin.register(InsurerCall)
class InsurerCallAdmin(CaseRecordAdmin):
    list_display = ["__str__", "case", "representative", "reference_number"]
    search_fields = ["reference_number", "representative"]
    date_hierarchy = "called_at"


@admin.register(Referral)
class ReferralAdmin(CaseRecordAdmin):
    list_display = ["__str__", "case", "status", "requested_on", "received_on"]
    list_filter = ["status"]
    list_select_related = ["case__patient__user", "provider"]
    search_fields = ["provider__name", "provider__npi"]
    autocomplete_fields = ["case", "provider"]


@admin.register(SupportingDocument)
class SupportingDocumentAdmin(CaseRecordAdmin):
    list_display = ["__str__", "case", "category", "content_type", "page_count", "created_at"]
    list_filter = ["category", "content_type"]
    search_fields = ["title", "original_name"]
    # The file itself is only reachable through the authorized download view, never a media URL;
    # documents come in through the patient's upload, which checks and cleans them.
    exclude = ["file"]

    def has_add_permission(self, request):
        return False

    readonly_fields = [
        *READONLY,
        "original_name",
        "content_type",
        "extension",
        "size",
        "page_count",
        "sha256",
        "uploaded_by",
    ]


@admin.register(PriorAuthorizationRequest)
class PriorAuthorizationRequestAdmin(CaseRecordAdmin):
    list_display = ["__str__", "case", "kind", "submitted_on", "urgency", "decision", "decided_on"]
    list_filter = ["decision", "kind", "urgency", "submitted_by", "method"]
    search_fields = ["reference_number"]


@admin.register(TreatmentRequest)
class TreatmentRequestAdmin(CaseRecordAdmin):
    """What the case asks for. Reviewers may answer what the clinic knows (PDMP check, substance-
    use screen, REMS, site and prescriber details); saves go through the same service as the
    patient's, so a stale approval is withdrawn."""

    list_display = ["__str__", "case", "product", "sessions", "start_date", "end_date"]
    list_filter = ["product", "phase"]
    list_select_related = ["case__patient__user", "prescriber"]
    readonly_fields = [*READONLY, "case", "prescriber"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.treatment_request_save(case=obj.case, request=obj)


@admin.register(Denial)
class DenialAdmin(ScopedAdmin):
    case_path = "pa_request__case"

    list_display = ["__str__", "pa_request", "notice_date", "received_on", "reference_number"]
    list_filter = ["reason"]
    list_select_related = ["pa_request__case__patient__user"]
    search_fields = ["reference_number", "pa_request__reference_number"]
    raw_id_fields = ["pa_request", "letter"]
    readonly_fields = READONLY


@admin.register(Appeal)
class AppealAdmin(ScopedAdmin):
    case_path = "denial__pa_request__case"

    list_display = ["__str__", "denial", "level", "filed_on", "outcome", "decided_on"]
    list_filter = ["level", "outcome", "expedited"]
    list_select_related = ["denial__pa_request__case"]
    search_fields = ["reference_number"]
    raw_id_fields = ["denial"]
    readonly_fields = READONLY


@admin.register(FormSubmission)
class FormSubmissionAdmin(admin.ModelAdmin):
    """One-time form tokens (double-submit guard): for debugging, superusers only."""

    list_display = ["token", "user", "created_at"]
    search_fields = ["=token"]
    list_select_related = ["user"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Deadline)
class DeadlineAdmin(CaseRecordAdmin):
    list_display = ["kind", "due_on", "case", "level", "check_letter", "met_at", "rule_id"]
    list_filter = ["kind", "check_letter", ("met_at", admin.EmptyFieldListFilter)]
    search_fields = ["rule_id"]
    date_hierarchy = "due_on"
    readonly_fields = [
        *READONLY,
        "key",
        "computed_due_on",
        "rule_id",
        "rule_version",
        "rule_source",
        "check_letter",
        "met_at",
    ]


@admin.register(ReminderSent)
class ReminderSentAdmin(ScopedMixin, admin.ModelAdmin):
    case_path = "deadline__case"
    list_display = ["deadline", "days_before", "sent_at"]
    list_select_related = ["deadline"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReviewEvent)
class ReviewEventAdmin(ScopedMixin, NoEditAdminMixin, admin.ModelAdmin):
    """The review trail: read-only for everyone, superusers included."""

    list_display = ["at", "case", "from_status", "to_status", "by"]
    list_filter = ["to_status"]
    list_select_related = ["case", "by"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return review_events_of_own_clinics(super().get_queryset(request), request.user)
