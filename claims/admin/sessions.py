"""The session log in admin (issue 16): clinic staff enter the sessions a patient received, for
the cases shared with their clinic only, with their billing lines inline. Saves go through the
session services, as the patient's do: who entered a session is recorded on it, and in its
history."""

from django.contrib import admin

from .. import services
from ..models import SessionLine, TreatmentSession
from ..selectors import cases_visible_to
from .base import READONLY, CaseRecordAdmin, ScopedMixin


class SessionLineInline(admin.TabularInline):
    model = SessionLine
    fields = ["position", "code", "units", "modifiers", "diagnosis_pointer", "charge"]
    extra = 0


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(CaseRecordAdmin):
    """A session without lines gets the codes' lines on save (claims.codes.request_units), as
    on the patient's page; staff then adjust them here."""

    list_display = ["service_date", "case", "treatment", "charge", "amount_paid", "entered_by"]
    list_filter = ["treatment", "paid_by"]
    list_select_related = ["case__patient__user", "entered_by"]
    search_fields = ["case__patient__legal_last_name", "=case__policy__member_id"]
    date_hierarchy = "service_date"
    readonly_fields = [*READONLY, "entered_by"]
    inlines = [SessionLineInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the cases shared with this staff member's clinic(s) can be picked, or posted.
        if db_field.name == "case":
            kwargs["queryset"] = cases_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            services.session_update(session=obj)
        else:
            services.session_add(case=obj.case, session=obj, by=request.user, lines=[])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.session_lines_fill_if_empty(session=form.instance)


@admin.register(SessionLine)
class SessionLineAdmin(ScopedMixin, admin.ModelAdmin):
    """The lines on their own, to look one up; they are edited on their session's page."""

    case_path = "session__case"
    list_display = ["session", "code", "units", "modifiers", "diagnosis_pointer", "charge"]
    list_select_related = ["session__case"]
    search_fields = ["=code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
