from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AccessLog,
    Clinic,
    Consent,
    Diagnosis,
    InsurancePolicy,
    Patient,
    Payer,
    Provider,
    SymptomScore,
    TreatmentTrial,
    User,
)
from .selectors import clinic_staff_case_q


def staff_visible_patients(user):
    """Patients who shared at least one case with one of this staff member's clinics
    (patients.selectors.clinic_staff_case_q). Superusers see everyone."""
    patients = Patient.objects.all()
    if user.is_superuser:
        return patients
    return patients.filter(clinic_staff_case_q(user, to_case="cases__")).distinct()


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, held to this admin's queryset.

    Its history pages fall back to the history table when a row is outside the queryset (to show
    deleted objects), which would let staff read other clinics' records by id: here a row the
    user cannot see has no history page either (superusers keep the deleted-object view).
    """

    def _visible_or_404(self, request, object_id) -> None:
        if request.user.is_superuser:
            return
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class NoEditAdminMixin:
    """Audit records: shown, never added, changed or deleted through admin, by anyone."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdminMixin(NoEditAdminMixin):
    """Account-wide audit lists (consents, the access log): superusers only; staff see a case's
    access log on the case page."""

    def get_queryset(self, request):
        # A mixin: the ModelAdmin it is mixed into supplies get_queryset (mypy can't see it).
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return queryset if request.user.is_superuser else queryset.none()


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ScopedHistoryAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_staff", "is_active", "date_joined"]
    list_filter = ["role", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["public_id", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["public_id", "email", "password", "full_name", "role"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups", "user_permissions"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(pk=request.user.pk)


@admin.register(Clinic)
class ClinicAdmin(ScopedHistoryAdmin):
    list_display = ["name", "npi", "city", "state", "phone"]
    search_fields = ["name", "npi", "city"]
    list_filter = ["state"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    filter_horizontal = ["staff"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(staff=request.user)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "document", "version", "accepted_at"]
    list_filter = ["document", "version"]
    list_select_related = ["user"]
    search_fields = ["user__email"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor_id", "actor_role", "action", "object_type", "object_id"]
    list_filter = ["action", "actor_role", "object_type"]
    search_fields = ["=object_id"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


class PatientOwnedAdmin(ScopedHistoryAdmin):
    """Records that belong to a patient: staff see only those of patients who shared a case with
    their clinic."""

    list_select_related = ["patient__user"]
    autocomplete_fields = ["patient"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(patient__in=staff_visible_patients(request.user))


@admin.register(Patient)
class PatientAdmin(ScopedHistoryAdmin):
    list_display = ["__str__", "user", "state", "preferred_language", "created_at"]
    list_filter = ["preferred_language", "state"]
    list_select_related = ["user"]
    search_fields = ["legal_last_name", "legal_first_name", "user__email"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    raw_id_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=staff_visible_patients(request.user))


@admin.register(InsurancePolicy)
class InsurancePolicyAdmin(PatientOwnedAdmin):
    list_display = ["__str__", "patient", "plan_type", "rank", "effective_date", "end_date"]
    list_filter = ["plan_type", "rank", "treatment_benefit", "prior_auth_required", "payer"]
    list_select_related = ["patient__user", "payer"]
    search_fields = ["member_id", "group_number", "plan_name", "patient__legal_last_name"]
    autocomplete_fields = ["patient", "payer", "behavioral_health_manager"]


@admin.register(Provider)
class ProviderAdmin(PatientOwnedAdmin):
    list_display = ["__str__", "specialty", "npi", "practice_name", "patient"]
    list_filter = ["specialty"]
    search_fields = ["name", "npi", "practice_name"]


@admin.register(Diagnosis)
class DiagnosisAdmin(PatientOwnedAdmin):
    list_display = ["icd10_code", "description", "is_primary", "diagnosed_on", "patient"]
    list_filter = ["is_primary"]
    search_fields = ["icd10_code", "description", "patient__legal_last_name"]


@admin.register(TreatmentTrial)
class TreatmentTrialAdmin(PatientOwnedAdmin):
    list_display = [
        "__str__",
        "kind",
        "drug_class",
        "role",
        "therapy_type",
        "sessions",
        "weeks_at_dose",
        "start_date",
        "response",
        "patient",
    ]
    list_filter = ["kind", "role", "therapy_type", "response", "drug_class"]
    search_fields = ["name_as_entered", "drug_generic", "patient__legal_last_name"]
    readonly_fields = [*PatientOwnedAdmin.readonly_fields, "drug_generic", "drug_class"]


@admin.register(SymptomScore)
class SymptomScoreAdmin(PatientOwnedAdmin):
    list_display = ["instrument", "total", "taken_on", "administered_by_clinician", "patient"]
    list_filter = ["instrument", "administered_by_clinician"]
    search_fields = ["patient__legal_last_name"]
    readonly_fields = [*PatientOwnedAdmin.readonly_fields, "item_answers"]
