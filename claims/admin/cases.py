"""The case admin: the clinic's review queue and the case file, with the review panel and
actions (they call claims.services)."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from patients.models import AccessLog, User
from patients.partial_dates import format_partial_date
from patients.services import access_log_record

from .. import services
from ..forms import ReviewForm
from ..models import (
    CoverageCase,
    Deadline,
    InsurerCall,
    Letter,
    Packet,
    PriorAuthorizationRequest,
    Referral,
    ReviewEvent,
    SupportingDocument,
)
from ..progress import STATE_LABELS, STEP_SLUGS, with_step_states
from ..selectors import (
    appeal_ladder,
    criteria_check_for,
    denials_of,
    superbill_missing_fields,
)
from ..services.errors import SuperbillIncompleteError
from .base import (
    READONLY,
    ReadOnlyInline,
    ScopedAdmin,
    error_text,
    review_events_of_own_clinics,
    table,
)
from .queue import (
    REVIEW_PRIORITY,
    DeadlineFilter,
    DecisionFilter,
    ExternalReviewWindowFilter,
    LadderLevelFilter,
    SafetyFilter,
    StepFilter,
    latest_appeal_level,
    next_due,
    safety_flag,
)


class CallInline(ReadOnlyInline):
    model = InsurerCall
    fields = ["called_at", "representative", "reference_number", "notes"]


class ReferralInline(ReadOnlyInline):
    model = Referral
    fields = ["provider", "status", "requested_on", "received_on"]


class DocumentInline(ReadOnlyInline):
    model = SupportingDocument
    fields = ["category", "title", "original_name", "page_count", "created_at", "download"]

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


class ReviewEventInline(ReadOnlyInline):
    model = ReviewEvent
    fields = ["at", "by", "from_status", "to_status", "note", "packet"]

    def get_queryset(self, request):
        events = super().get_queryset(request).select_related("by", "packet")
        return review_events_of_own_clinics(events, request.user)


class LetterInline(ReadOnlyInline):
    model = Letter
    fields = ["kind", "denial", "signed_copy", "edited_by", "updated_at"]
    show_change_link = True


@admin.register(CoverageCase)
class CoverageCaseAdmin(ScopedAdmin):
    """The review queue and the case file. Everything on the changelist is annotated in SQL, so
    the page takes the same number of queries for 10 or 10,000 cases."""

    case_path = "pk"
    list_display = [
        "case_link",
        "safety",
        "patient_name",
        "date_of_birth",
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
        SafetyFilter,
        "review_status",
        StepFilter,
        "treatment",
        ("policy__payer", admin.RelatedOnlyFieldListFilter),
        DecisionFilter,
        DeadlineFilter,
        LadderLevelFilter,
        ExternalReviewWindowFilter,
    ]
    list_select_related = ["patient__user", "policy__payer"]
    # Each word must match one of these: "Dana Lopez" finds the first and the last name.
    search_fields = [
        "patient__legal_last_name",
        "patient__legal_first_name",
        "patient__legal_middle_name",
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
        "superbill_missing",
        "treatment_history",
        "symptom_scores",
        "criteria_check",
        "appeal_ladder",
        "access_log",
    ]
    fieldsets = [
        (None, {"fields": ["public_id", "review_status", "approved_packet", "status"]}),
        (_("Patient"), {"fields": ["patient", "patient_file"]}),
        (_("Treatment and coverage"), {"fields": ["treatment", "treatment_other", "condition",
                                                   "condition_other", "policy", "coverage"]}),
        (_("Medical history"), {"fields": ["diagnoses", "treatment_history", "symptom_scores"]}),
        (_("Payer criteria"), {"fields": ["criteria_check"]}),
        (_("Appeal ladder"), {"fields": ["appeal_ladder"]}),
        (_("Superbill"), {"fields": ["superbill_missing"]}),
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
    actions = ["start_review", "approve", "request_changes", "regenerate_packet",
               "make_superbill", "export_csv"]  # fmt: skip
    show_full_result_count = False
    change_form_template = "admin/claims/coveragecase/change_form.html"

    def get_queryset(self, request):
        # The newest pre-authorization's decision: not a denied out-of-network claim's (issue 16).
        newest_request = (
            PriorAuthorizationRequest.objects.filter(case=OuterRef("pk"))
            .exclude(kind=PriorAuthorizationRequest.Kind.CLAIM)
            .order_by("-submitted_on", "-created_at")
        )
        return with_step_states(super().get_queryset(request)).annotate(
            latest_decision=Subquery(newest_request.values("decision")[:1]),
            next_due=next_due(),
            safety_flag=safety_flag(),
            ladder_level=latest_appeal_level(),
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
        return [REVIEW_PRIORITY.asc(), next_due().asc(nulls_last=True), "-updated_at", "-pk"]

    def get_search_results(self, request, queryset, search_term):
        # "Lopez, Dana" as staff write names on forms: the comma is not part of the name.
        return super().get_search_results(request, queryset, search_term.replace(",", " "))

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

    @admin.display(description=_("safety"), ordering="-safety_flag")
    def safety(self, obj):
        # The fact only, never the answer: list views carry no item detail (issue 13).
        if not obj.safety_flag:
            return "—"
        return format_html(
            '<span class="safety-flag" title="{}"><span aria-hidden="true">⚠ </span>{}</span>',
            _("Crisis resources were shown to this patient in the last 14 days."),
            _("Safety flag"),
        )

    @admin.display(description=_("patient"), ordering="patient__legal_last_name")
    def patient_name(self, obj):
        return obj.patient.legal_name or obj.patient.user.email

    @admin.display(description=_("date of birth"), ordering="patient__date_of_birth")
    def date_of_birth(self, obj):
        born = obj.patient.date_of_birth
        return date_format(born, "SHORT_DATE_FORMAT") if born else "—"

    @admin.display(description=_("payer"), ordering="policy__payer__name")
    def payer(self, obj):
        return obj.policy.payer_name if obj.policy_id else "—"

    @admin.display(description=_("steps"))
    def steps(self, obj):
        """Six numbered marks a reviewer reads at a glance (✓ done, … begun, · not yet, – not
        needed), and the same in words for a screen reader."""
        marks = {"complete": "✓", "not_needed": "–", "in_progress": "…", "not_started": "·"}
        states = [getattr(obj, f"step_{slug}") for slug in STEP_SLUGS]
        words = "; ".join(
            _("step %(n)s: %(state)s") % {"n": n, "state": STATE_LABELS[s]}
            for n, s in enumerate(states, start=1)
        )
        shown = format_html_join(
            "", '<span class="step step-{}">{}{}</span>',
            ((s, n, marks[s]) for n, s in enumerate(states, start=1)),
        )  # fmt: skip
        return format_html(
            '<span class="steps" title="{}"><span aria-hidden="true">{}</span>'
            '<span class="visually-hidden">{}</span></span>',
            words,
            shown,
            words,
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
        town = " ".join(part for part in [p.city, p.state, p.postal_code] if part)
        address = ", ".join(part for part in [p.address_line1, p.address_line2, town] if part)
        return table(
            [_("Legal name"), _("Date of birth"), _("Sex on insurance"), _("Address"),
             _("Email"), _("Phone"), _("Language")],
            [[p.legal_name or "—",
              date_format(p.date_of_birth, "SHORT_DATE_FORMAT") if p.date_of_birth else "—",
              p.get_sex_on_insurance_display() or "—", address or "—", p.user.email,
              p.phone or "—", p.get_preferred_language_display()]],
        )  # fmt: skip

    @admin.display(description=_("policy"))
    def coverage(self, obj):
        policy = obj.policy
        if policy is None:
            return "—"
        return table(
            [_("Payer"), _("Plan type"), _("Member ID"), _("Group"), _("Benefit"), _("PA needed")],
            [[policy.payer_name, policy.get_plan_type_display(), policy.member_id,
              policy.group_number, policy.get_treatment_benefit_display(),
              policy.get_prior_auth_required_display()]],
        )  # fmt: skip

    @admin.display(description=_("diagnoses"))
    def diagnoses(self, obj):
        return table(
            [_("Code"), _("Description"), _("Main"), _("Billable")],
            [[d.icd10_code or "—", d.description, "✓" if d.is_primary else "",
              "✓" if d.is_billable else _("no")] for d in obj.patient.diagnoses.all()],
        )  # fmt: skip

    @admin.display(description=_("Appeal ladder"))
    def appeal_ladder(self, obj):
        """Each denial's doors for the plan type, newest first, as step 6 shows them (issue 15;
        a denied pre-authorization and a denied claim are two ladders, issue 16)."""
        denials = list(denials_of(obj))
        if not denials:
            return _("No denial recorded.")
        return format_html_join(
            "",
            "<h4>{}</h4>{}",
            ((self._denial_heading(d), self._ladder_table(obj, d)) for d in denials),
        )

    def _denial_heading(self, denial):
        request = denial.pa_request
        day = request.decided_on or denial.notice_date
        return format_html(
            "{}{}",
            request.get_kind_display(),
            f" · {date_format(day, 'SHORT_DATE_FORMAT')}" if day else "",
        )

    def _ladder_table(self, obj, denial):
        steps = appeal_ladder(obj, denial)
        status = {"not_started": _("Not started"), "filed": _("Filed, waiting"),
                  "won": _("Won"), "lost": _("Lost")}  # fmt: skip
        rows = [
            [
                step.label,
                step.rung.decides,
                status[step.status],
                date_format(step.file_by, "SHORT_DATE_FORMAT") if step.file_by else "—",
                date_format(step.decision_due, "SHORT_DATE_FORMAT") if step.decision_due else "—",
                step.next_label or steps.ladder.after_last,
            ]
            for step in steps.steps
        ]
        headers = [_("Door"), _("Who decides"), _("Status"), _("Last day to file"),
                   _("Decision due"), _("If lost")]  # fmt: skip
        return table(headers, rows)

    @admin.display(description=_("still needed"))
    def superbill_missing(self, obj):
        """What the superbill lacks, as the session page lists it (issue 16)."""
        missing = superbill_missing_fields(obj)
        if not missing:
            return _("Nothing: the superbill can be made.")
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((m,) for m in missing))
        )

    @admin.display(description=_("criteria check"))
    def criteria_check(self, obj):
        check = criteria_check_for(obj, today=timezone.localdate())
        if check.criteria_set is None:
            return _("No coverage policy in the app matches this case's payer yet.")
        chosen, report = check.criteria_set, check.report
        heading = format_html(
            "<p><strong>{}: {}</strong> {}{}</p>",
            chosen.payer_label,
            chosen.name,
            chosen.policy_number,
            _(" (picked by the patient)") if check.chosen_by_patient else "",
        )
        if report is None or report.experimental:
            return format_html("{}<p>{}</p>", heading, chosen.get_coverage_display())
        labels = {"yes": _("Met"), "no": _("Not met"), "unknown": _("Not known yet")}
        rows = [
            [
                "; ".join(f.rule.wording or f.label for f in line.findings),
                labels[line.verdict],
                "; ".join(f.evidence for f in line.findings if f.evidence) or "—",
                " ".join(f.next_step for f in line.findings if f.next_step) or "—",
            ]
            for line in report.lines
        ]
        points = format_html_join("", "<p>{}</p>", ((p,) for p in report.appeal_points))
        return format_html(
            "{}{}{}",
            heading,
            table([_("Criterion"), _("Status"), _("Evidence"), _("Next step")], rows),
            points,
        )

    @admin.display(description=_("treatment trials"))
    def treatment_history(self, obj):
        rows = []
        for t in obj.patient.treatment_trials.all():
            started = format_partial_date(t.start_date, t.start_precision) or "?"
            stopped = format_partial_date(t.end_date, t.end_precision) or _("ongoing")
            dates = f"{started} – {stopped}"
            what = ", ".join(x for x in [t.drug_class or t.get_therapy_type_display(),
                                         t.role_note] if x)  # fmt: skip
            rows.append([t.drug_generic or t.name_as_entered, what or "—", t.amount_text or "—",
                         t.weeks_at_dose or "—", dates, t.get_response_display() or "—",
                         t.side_effects or "—"])  # fmt: skip
        return table(
            [_("Drug or therapy"), _("Class or type"), _("Dose or sessions"), _("Weeks"),
             _("Dates"), _("Response"), _("Side effects")],
            rows,
        )  # fmt: skip

    @admin.display(description=_("symptom scores"))
    def symptom_scores(self, obj):
        def shown(s):
            if not s.safety_flag:
                return ""
            if s.safety_acknowledged_at:
                return _("yes, read by the patient %(when)s") % {
                    "when": date_format(
                        timezone.localtime(s.safety_acknowledged_at), "SHORT_DATETIME_FORMAT"
                    )
                }
            return _("yes, not yet read")

        return table(
            [_("Questionnaire"), _("Date"), _("Total"), _("Given by"),
             _("Crisis resources shown")],
            [[s.get_instrument_display(), s.taken_on, s.total,
              s.given_by or (_("clinician") if s.administered_by_clinician else _("patient")),
              shown(s)] for s in obj.patient.symptom_scores.all()],
        )  # fmt: skip

    @admin.display(description=_("access log"))
    def access_log(self, obj):
        ids = [obj.public_id, *obj.documents.values_list("public_id", flat=True),
               *obj.packets.values_list("public_id", flat=True)]  # fmt: skip
        rows = AccessLog.objects.filter(object_id__in=ids).order_by("-at")[:50]
        users = {u.pk: u.email for u in User.objects.filter(pk__in={r.actor_id for r in rows})}
        return table(
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
                self.message_user(request, error_text(error), messages.ERROR)
            else:
                self.message_user(request, _("Done: %(step)s.") % {"step": form.step_label()})
        else:
            self.message_user(request, error_text(form.errors), messages.ERROR)
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
                refused.append(f"{str(case.public_id)[:8]}: {error_text(error)}")
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

    @admin.action(description=_("Make a superbill (from the session log)"))
    def make_superbill(self, request, queryset):
        """Refused, per case, while a field is missing (issue 16); the packet records who asked
        for it. The message only points at the case's page, which lists what is missing:
        messages may be kept in a cookie, and the list names codes and dates of service."""

        def request_superbill(*, case, by):
            try:
                return services.superbill_request(case=case, by=by)
            except SuperbillIncompleteError as error:
                raise services.CaseStateError(
                    _(
                        "The superbill still needs a few details: see “Superbill” on the "
                        "case's page."
                    )
                ) from error

        self._each(request, queryset, request_superbill, _("%(n)d superbill(s) queued."))

    @admin.action(description=_("Export selected cases (CSV)"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="coverage-cases.csv"'
        response["Cache-Control"] = "no-store"
        services.cases_export_csv(cases=queryset, by=request.user, out=response)
        return response
