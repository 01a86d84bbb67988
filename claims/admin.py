"""Admin: the clinic's review queue and case files. Staff see only the cases patients shared
with their clinic(s), and those cases' records (claims.selectors.cases_visible_to); actions call
services (claims.services)."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from patients.admin import NoEditAdminMixin, ScopedHistoryAdmin
from patients.models import AccessLog, User
from patients.services import access_log_record

from . import services
from .forms import ReviewForm
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
    ReviewEvent,
    SupportingDocument,
)
from .progress import COMPLETE, NOT_NEEDED, STATE_LABELS, STEP_SLUGS, with_step_states
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


class ScopedAdmin(ScopedMixin, ScopedHistoryAdmin):
    """Scoped, with the change history of models that keep one."""


class CaseRecordAdmin(ScopedAdmin):
    list_select_related = ["case__patient__user"]
    autocomplete_fields = ["case"]
    readonly_fields = READONLY
    show_full_result_count = False


DONE_STATES = [COMPLETE, NOT_NEEDED]


class DeadlineFilter(admin.SimpleListFilter):
    title = _("next deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("7", _("within 7 days")), ("overdue", _("overdue"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "7":
            return queryset.filter(next_due__gte=today, next_due__lte=today + timedelta(days=7))
        if self.value() == "overdue":
            return queryset.filter(next_due__lt=today)
        return queryset


class DecisionFilter(admin.SimpleListFilter):
    title = _("insurer's decision")
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return PriorAuthorizationRequest.Decision.choices

    def queryset(self, request, queryset):
        return queryset.filter(latest_decision=self.value()) if self.value() else queryset


class StepFilter(admin.SimpleListFilter):
    """The first wizard step that is not done yet (claims/progress.py), in SQL."""

    title = _("waiting on step")
    parameter_name = "step"

    def lookups(self, request, model_admin):
        return [(slug, f"{n}. {slug}") for n, slug in enumerate(STEP_SLUGS, start=1)] + [
            ("done", _("all done"))
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        done = Q()
        for slug in STEP_SLUGS:
            if slug == value:
                return queryset.filter(done, ~Q(**{f"step_{slug}__in": DONE_STATES}))
            done &= Q(**{f"step_{slug}__in": DONE_STATES})
        return queryset.filter(done)


REVIEW_PRIORITY = Case(
    When(review_status=CoverageCase.ReviewStatus.SUBMITTED, then=Value(0)),
    When(review_status=CoverageCase.ReviewStatus.IN_REVIEW, then=Value(1)),
    When(review_status=CoverageCase.ReviewStatus.APPROVED_TO_SEND, then=Value(2)),
    When(review_status=CoverageCase.ReviewStatus.CHANGES_REQUESTED, then=Value(3)),
    When(review_status=CoverageCase.ReviewStatus.SENT, then=Value(4)),
    default=Value(5),
    output_field=IntegerField(),
)


def _next_due() -> Subquery:
    """The case's nearest open deadline."""
    return Subquery(
        Deadline.objects.filter(case=OuterRef("pk"), met_at__isnull=True)
        .order_by("due_on")
        .values("due_on")[:1]
    )


class ReadOnlyInline(admin.TabularInline):
    """A section of the case file: shown, never edited from here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CallInline(ReadOnlyInline):
    model = InsurerCall
    fields = ["called_at", "representative", "reference_number", "notes"]
    readonly_fields = fields


class ReferralInline(ReadOnlyInline):
    model = Referral
    fields = ["provider", "status", "requested_on", "received_on"]
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = SupportingDocument
    fields = ["category", "title", "original_name", "page_count", "created_at", "download"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        url = reverse("claims:document_download", args=[obj.case.public_id, obj.public_id])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case")


class PARequestInline(ReadOnlyInline):
    model = PriorAuthorizationRequest
    fields = ["kind", "submitted_on", "method", "reference_number", "urgency", "decision",
              "decided_on", "valid_until", "denial_summary"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("denial and appeals"))
    def denial_summary(self, obj):
        denial = getattr(obj, "denial", None)
        if denial is None:
            return "—"
        appeals = format_html_join(
            ", ",
            "{} ({})",
            ((a.get_level_display(), a.get_outcome_display()) for a in denial.appeals.all()),
        )
        return format_html(
            "{} · {} {} · {}",
            denial.get_reason_display(),
            _("ref."),
            denial.reference_number or "—",
            appeals or _("no appeal"),
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("denial")
            .prefetch_related("denial__appeals")
        )


class PacketInline(ReadOnlyInline):
    model = Packet
    fk_name = "case"
    fields = ["kind", "version", "is_newest", "status", "page_count", "created_at", "download"]
    readonly_fields = fields

    @admin.display(description=_("PDF"))
    def download(self, obj):
        if obj.status != Packet.Status.READY:
            return obj.error or "—"
        url = reverse("claims:packet_download", args=[obj.case.public_id, obj.public_id])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case")


class DeadlineInline(ReadOnlyInline):
    model = Deadline
    fields = ["kind", "level", "due_on", "letter_due_on", "check_letter", "met_at", "rule_id"]
    readonly_fields = fields


class ReviewEventInline(ReadOnlyInline):
    model = ReviewEvent
    fields = ["at", "by", "from_status", "to_status", "note", "packet"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by", "packet")


class LetterInline(ReadOnlyInline):
    model = Letter
    fields = ["kind", "denial", "signed_copy", "edited_by", "updated_at"]
    readonly_fields = fields
    show_change_link = True


def _table(headers, rows) -> str:
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


@admin.register(CoverageCase)
class CoverageCaseAdmin(ScopedAdmin):
    """The review queue and the case file. Everything on the changelist is annotated in SQL, so
    the page takes the same number of queries for 10 or 10,000 cases."""

    case_path = "pk"
    list_display = [
        "case_link",
        "patient_name",
        "treatment",
        "payer",
        "steps",
        "review_status",
        "decision",
        "next_deadline",
        "packet",
    ]
    list_display_links = ["case_link"]
    list_filter = [
        "review_status",
        StepFilter,
        "treatment",
        ("policy__payer", admin.RelatedOnlyFieldListFilter),
        DecisionFilter,
        DeadlineFilter,
    ]
    list_select_related = ["patient__user", "policy__payer"]
    search_fields = [
        "patient__legal_last_name",
        "patient__legal_first_name",
        "patient__user__email",
        "=policy__member_id",
        "=calls__reference_number",
        "=pa_requests__reference_number",
        "=pa_requests__denial__reference_number",
    ]
    autocomplete_fields = ["patient", "policy", "clinic"]
    readonly_fields = [
        *READONLY,
        "clinic_consent_at",
        "review_status",
        "approved_packet",
        "patient_file",
        "coverage",
        "diagnoses",
        "treatment_history",
        "symptom_scores",
        "access_log",
    ]
    fieldsets = [
        (None, {"fields": ["public_id", "review_status", "approved_packet", "status"]}),
        (_("Patient"), {"fields": ["patient", "patient_file"]}),
        (_("Treatment and coverage"), {"fields": ["treatment", "treatment_other", "condition",
                                                   "condition_other", "policy", "coverage"]}),
        (_("Medical history"), {"fields": ["diagnoses", "treatment_history", "symptom_scores"]}),
        (_("Sharing"), {"fields": ["clinic", "clinic_consent_at", "created_at", "updated_at"]}),
        (_("Who looked at this case"), {"fields": ["access_log"]}),
    ]  # fmt: skip
    inlines = [
        ReviewEventInline,
        CallInline,
        ReferralInline,
        DocumentInline,
        LetterInline,
        PARequestInline,
        PacketInline,
        DeadlineInline,
    ]
    actions = ["start_review", "approve", "request_changes", "regenerate_packet", "export_csv"]
    show_full_result_count = False
    change_form_template = "admin/claims/coveragecase/change_form.html"

    def get_queryset(self, request):
        newest_request = PriorAuthorizationRequest.objects.filter(case=OuterRef("pk")).order_by(
            "-submitted_on", "-created_at"
        )
        return with_step_states(super().get_queryset(request)).annotate(
            latest_decision=Subquery(newest_request.values("decision")[:1]),
            next_due=_next_due(),
            packet_status=Subquery(
                Packet.objects.filter(
                    case=OuterRef("pk"),
                    kind=Packet.Kind.PRIOR_AUTHORIZATION,
                    is_newest=True,
                ).values("status")[:1]
            ),
        )

    def get_ordering(self, request):
        # What needs a reviewer first, then the nearest deadline. Expressions, not the
        # annotations' names: the base queryset is ordered before it is annotated.
        return [REVIEW_PRIORITY.asc(), _next_due().asc(nulls_last=True), "-updated_at", "-pk"]

    def has_add_permission(self, request):
        return False  # patients start cases, in the wizard

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    class Media:
        css = {"all": ["css/admin-review-queue.css"]}

    # --- changelist columns ---

    @admin.display(description=_("case"), ordering="created_at")
    def case_link(self, obj):
        return str(obj.public_id)[:8]

    @admin.display(description=_("patient"), ordering="patient__legal_last_name")
    def patient_name(self, obj):
        return obj.patient.legal_name or obj.patient.user.email

    @admin.display(description=_("payer"), ordering="policy__payer__name")
    def payer(self, obj):
        return obj.policy.payer_name if obj.policy_id else "—"

    @admin.display(description=_("steps"))
    def steps(self, obj):
        marks = {"complete": "✓", "not_needed": "–", "in_progress": "…", "not_started": "·"}
        states = [getattr(obj, f"step_{slug}") for slug in STEP_SLUGS]
        title = ", ".join(f"{n}: {STATE_LABELS[s]}" for n, s in enumerate(states, start=1))
        return format_html(
            '<span class="steps" title="{}">{}</span>', title, "".join(marks[s] for s in states)
        )

    @admin.display(description=_("decision"), ordering="latest_decision")
    def decision(self, obj):
        if not obj.latest_decision:
            return "—"
        return PriorAuthorizationRequest.Decision(obj.latest_decision).label

    @admin.display(description=_("next deadline"), ordering="next_due")
    def next_deadline(self, obj):
        if obj.next_due is None:
            return "—"
        days = (obj.next_due - timezone.localdate()).days
        late = days < 0
        text = _("%(n)d days late") % {"n": -days} if late else _("%(n)d days") % {"n": days}
        return format_html("{} ({})", date_format(obj.next_due, "SHORT_DATE_FORMAT"), text)

    @admin.display(description=_("packet"), ordering="packet_status")
    def packet(self, obj):
        return Packet.Status(obj.packet_status).label if obj.packet_status else "—"

    # --- the case file ---

    @admin.display(description=_("patient"))
    def patient_file(self, obj):
        p = obj.patient
        return _table(
            [_("Name"), _("Date of birth"), _("Email"), _("Phone"), _("Language")],
            [[p.legal_name or "—", p.date_of_birth or "—", p.user.email, p.phone or "—",
              p.get_preferred_language_display()]],
        )  # fmt: skip

    @admin.display(description=_("policy"))
    def coverage(self, obj):
        policy = obj.policy
        if policy is None:
            return "—"
        return _table(
            [_("Payer"), _("Plan type"), _("Member ID"), _("Group"), _("Benefit"), _("PA needed")],
            [[policy.payer_name, policy.get_plan_type_display(), policy.member_id,
              policy.group_number, policy.get_treatment_benefit_display(),
              policy.get_prior_auth_required_display()]],
        )  # fmt: skip

    @admin.display(description=_("diagnoses"))
    def diagnoses(self, obj):
        return _table(
            [_("Code"), _("Description"), _("Main"), _("Billable")],
            [[d.icd10_code or "—", d.description, "✓" if d.is_primary else "",
              "✓" if d.is_billable else _("no")] for d in obj.patient.diagnoses.all()],
        )  # fmt: skip

    @admin.display(description=_("treatment trials"))
    def treatment_history(self, obj):
        rows = []
        for t in obj.patient.treatment_trials.all():
            dose = f"{t.daily_dose.normalize():f} {t.dose_unit}" if t.daily_dose else "—"
            dates = f"{t.start_date or '?'} – {t.end_date or _('ongoing')}"
            rows.append([t.drug_generic or t.name_as_entered, t.drug_class or "—", dose,
                         t.weeks_at_dose or "—", dates, t.get_response_display() or "—",
                         t.side_effects or "—"])  # fmt: skip
        return _table(
            [_("Drug or therapy"), _("Class"), _("Dose"), _("Weeks"), _("Dates"), _("Response"),
             _("Side effects")],
            rows,
        )  # fmt: skip

    @admin.display(description=_("symptom scores"))
    def symptom_scores(self, obj):
        return _table(
            [_("Questionnaire"), _("Date"), _("Total")],
            [[s.get_instrument_display(), s.taken_on, s.total]
             for s in obj.patient.symptom_scores.all()],
        )  # fmt: skip

    @admin.display(description=_("access log"))
    def access_log(self, obj):
        ids = [obj.public_id, *obj.documents.values_list("public_id", flat=True),
               *obj.packets.values_list("public_id", flat=True)]  # fmt: skip
        rows = AccessLog.objects.filter(object_id__in=ids).order_by("-at")[:50]
        users = {u.pk: u.email for u in User.objects.filter(pk__in={r.actor_id for r in rows})}
        return _table(
            [_("When"), _("Who"), _("Role"), _("Did"), _("Record")],
            [[date_format(timezone.localtime(r.at), "SHORT_DATETIME_FORMAT"),
              users.get(r.actor_id, _("(deleted account)")), r.get_actor_role_display(),
              r.get_action_display(), r.object_type] for r in rows],
        )  # fmt: skip

    # --- looking at a case is recorded ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, object_id)
        if case is not None and request.method == "GET":
            access_log_record(actor=request.user, action=AccessLog.Action.VIEW, obj=case)
        extra_context = {
            **(extra_context or {}),
            "review_form": ReviewForm(case=case) if case else None,
            "can_review": request.user.has_perm("claims.review_case"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- the review workflow ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="claims_coveragecase_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request, object_id):
        case = self.get_object(request, object_id)
        if case is None or not request.user.has_perm("claims.review_case"):
            raise Http404
        if request.method != "POST":
            return redirect("admin:claims_coveragecase_change", case.pk)
        form = ReviewForm(request.POST, case=case)
        if form.is_valid():
            try:
                services.review_apply(case=case, by=request.user, **form.cleaned_data)
            except (services.CaseStateError, ValidationError) as error:
                self.message_user(request, _error_text(error), messages.ERROR)
            else:
                self.message_user(request, _("Done: %(step)s.") % {"step": form.step_label()})
        else:
            self.message_user(request, _error_text(form.errors), messages.ERROR)
        return redirect("admin:claims_coveragecase_change", case.pk)

    def _each(self, request, queryset, service, done_message, **kwargs):
        if not request.user.has_perm("claims.review_case"):
            raise PermissionDenied
        done, refused = 0, []
        for case in queryset:
            try:
                service(case=case, by=request.user, **kwargs)
                done += 1
            except (services.CaseStateError, ValidationError) as error:
                refused.append(f"{str(case.public_id)[:8]}: {_error_text(error)}")
        if done:
            self.message_user(request, done_message % {"n": done})
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Start review"))
    def start_review(self, request, queryset):
        self._each(request, queryset, services.case_review_start, _("%(n)d case(s) in review."))

    @admin.action(description=_("Approve to send (newest packet)"))
    def approve(self, request, queryset):
        self._each(request, queryset, services.case_approve_to_send, _("%(n)d case(s) approved."))

    @admin.action(description=_("Request changes from the patient…"))
    def request_changes(self, request, queryset):
        if "apply" in request.POST:
            note = request.POST.get("note", "")
            self._each(
                request,
                queryset,
                services.case_request_changes,
                _("%(n)d patient(s) asked for changes."),
                note=note,
            )
            return None
        return TemplateResponse(
            request,
            "admin/claims/coveragecase/request_changes.html",
            {**self.admin_site.each_context(request), "cases": queryset, "opts": self.model._meta,
             "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME},
        )  # fmt: skip

    @admin.action(description=_("Make a new packet"))
    def regenerate_packet(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda case, by: services.packet_request(
                case=case, kind=Packet.Kind.PRIOR_AUTHORIZATION, by=by
            ),
            _("%(n)d packet(s) queued."),
        )

    @admin.action(description=_("Export selected cases (CSV)"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="coverage-cases.csv"'
        response["Cache-Control"] = "no-store"
        services.cases_export_csv(cases=queryset, by=request.user, out=response)
        return response


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, dict):
        return " ".join(str(m) for messages_ in error.values() for m in messages_)
    return str(error)


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
    """Reviewers edit a letter's text only: its case, denial and signed copy are set by the
    services (claims.services.case_attach_signed_letter), never by typing an id here."""

    list_display = ["kind", "case", "denial", "signed_copy", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["case__patient__legal_last_name"]
    autocomplete_fields: list[str] = []
    fields = ["public_id", "case", "kind", "denial", "signed_copy", "text", "edited_by"]
    readonly_fields = [*READONLY, "case", "kind", "denial", "signed_copy", "edited_by"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """A reviewer's edit goes through the letter service, as the patient's does: it records
        who edited, and withdraws an approval of the old text."""
        services.letter_save(letter=obj, text=form.cleaned_data["text"], by=request.user)


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


@admin.register(ReviewEvent)
class ReviewEventAdmin(ScopedMixin, NoEditAdminMixin, admin.ModelAdmin):
    """The review trail: read-only for everyone, superusers included."""

    list_display = ["at", "case", "from_status", "to_status", "by"]
    list_filter = ["to_status"]
    list_select_related = ["case", "by"]
    date_hierarchy = "at"
