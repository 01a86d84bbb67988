"""Admin for coverage cases. Staff see only the cases patients shared with their clinic(s), and
those cases' records (claims.selectors.cases_visible_to); the review workflow comes later."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Appeal,
    CoverageCase,
    Deadline,
    Denial,
    FormSubmission,
    InsurerCall,
    Letter,
    Packet,
    PriorAuthorizationRequest,
    Referral,
    ReminderSent,
    SupportingDocument,
)
from .progress import STATE_LABELS, STEP_SLUGS, with_step_states
from .selectors import cases_visible_to

READONLY = ["public_id", "created_at", "updated_at"]


class ScopedMixin:
    """Rows reachable from a case this user may see; `case_path` leads from the row to its case."""

    case_path = "case"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.case_path}__in": cases_visible_to(request.user)})


class ScopedAdmin(ScopedMixin, SimpleHistoryAdmin):
    """Scoped, with the change history of models that keep one."""


class CaseRecordAdmin(ScopedAdmin):
    list_select_related = ["case__patient__user"]
    autocomplete_fields = ["case"]
    readonly_fields = READONLY
    show_full_result_count = False


def step_state_filter(slug: str) -> type[admin.SimpleListFilter]:
    """A changelist filter on one wizard step's state (claims/progress.py), evaluated in SQL."""

    class StepStateFilter(admin.SimpleListFilter):
        title = _("step %(slug)s") % {"slug": slug}
        parameter_name = f"step_{slug}"

        def lookups(self, request, model_admin):
            return [(state, label) for state, label in STATE_LABELS.items()]

        def queryset(self, request, queryset):
            value = self.value()
            return queryset.filter(**{f"step_{slug}": value}) if value else queryset

    return StepStateFilter


def step_state_column(slug: str):
    def column(obj):
        return STATE_LABELS[getattr(obj, f"step_{slug}")]

    column.short_description = slug
    column.admin_order_field = f"step_{slug}"
    return column


@admin.register(CoverageCase)
class CoverageCaseAdmin(ScopedAdmin):
    case_path = "pk"

    list_display = [
        "__str__",
        "patient",
        "clinic",
        "review_status",
        *[step_state_column(slug) for slug in STEP_SLUGS],
        "updated_at",
    ]
    list_filter = [
        "review_status",
        "status",
        "treatment",
        "condition",
        step_state_filter("submit"),
        step_state_filter("appeal"),
    ]
    list_select_related = ["patient__user", "clinic", "policy__payer"]
    search_fields = ["patient__legal_last_name", "patient__user__email", "policy__member_id"]
    autocomplete_fields = ["patient", "policy", "clinic"]
    readonly_fields = [*READONLY, "clinic_consent_at"]
    show_full_result_count = False

    def get_queryset(self, request):
        return with_step_states(super().get_queryset(request))


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


@admin.register(Letter)
class LetterAdmin(CaseRecordAdmin):
    list_display = ["kind", "case", "denial", "signed_copy", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["case__patient__legal_last_name"]
    raw_id_fields = ["denial", "signed_copy"]
    readonly_fields = [*READONLY, "edited_by"]


@admin.register(Packet)
class PacketAdmin(ScopedAdmin):
    list_display = [
        "__str__",
        "case",
        "status",
        "is_newest",
        "page_count",
        "render_ms",
        "created_at",
    ]
    list_filter = ["kind", "status", "is_newest"]
    list_select_related = ["case__patient__user"]
    search_fields = ["=sha256"]
    exclude = ["file"]
    readonly_fields = [
        *READONLY,
        "case",
        "kind",
        "denial",
        "version",
        "is_newest",
        "status",
        "source_digest",
        "page_count",
        "size",
        "sha256",
        "render_ms",
        "error",
        "requested_by",
    ]

    def has_add_permission(self, request):
        return False
