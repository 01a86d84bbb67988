"""The review queue's filters and ordering, annotated in SQL (the queue takes the same number of
queries for 10 or 10,000 cases)."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.selectors import recent_safety_flags

from ..models import (
    Appeal,
    CoverageCase,
    Deadline,
    PriorAuthorizationRequest,
)
from ..progress import COMPLETE, NOT_NEEDED, STEP_SLUGS

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


EXTERNAL_REVIEW_SOON = timedelta(days=14)


class ExternalReviewWindowFilter(admin.SimpleListFilter):
    """Cases whose last day to ask for an external review is in the next 14 days (issue 15)."""

    title = _("external review window")
    parameter_name = "external_review"

    def lookups(self, request, model_admin):
        return [("14", _("closes within 14 days"))]

    def queryset(self, request, queryset):
        if self.value() != "14":
            return queryset
        today = timezone.localdate()
        closing = Deadline.objects.filter(
            case=OuterRef("pk"),
            kind=Deadline.Kind.EXTERNAL_REVIEW,
            met_at__isnull=True,
            due_on__gte=today,
            due_on__lte=today + EXTERNAL_REVIEW_SOON,
        )
        return queryset.filter(Exists(closing))


def latest_appeal_level():
    """The level of the case's most recently recorded appeal: where it stands on the ladder."""
    return Subquery(
        Appeal.objects.filter(denial__pa_request__case=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("level")[:1]
    )


class LadderLevelFilter(admin.SimpleListFilter):
    """Where a denied case stands on its appeal ladder: its latest appeal's level, or none yet."""

    title = _("appeal ladder")
    parameter_name = "ladder"

    def lookups(self, request, model_admin):
        return [("none", _("denied, no appeal yet")), *Appeal.Level.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(
                pa_requests__denial__isnull=False, ladder_level__isnull=True
            ).distinct()
        return queryset.filter(ladder_level=value) if value else queryset


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


def next_due() -> Subquery:
    """The case's nearest open deadline."""
    return Subquery(
        Deadline.objects.filter(case=OuterRef("pk"), met_at__isnull=True)
        .order_by("due_on")
        .values("due_on")[:1]
    )


def safety_flag() -> Exists:
    """The case's patient answered PHQ-9 item 9 above zero within the last 14 days
    (patients.selectors.recent_safety_flags): the queue's safety flag."""
    return Exists(recent_safety_flags(now=timezone.now()).filter(patient=OuterRef("patient")))


class SafetyFilter(admin.SimpleListFilter):
    title = _("safety flag")
    parameter_name = "safety"

    def lookups(self, request, model_admin):
        return [("yes", _("crisis resources shown in the last 14 days"))]

    def queryset(self, request, queryset):
        return queryset.filter(safety_flag=True) if self.value() == "yes" else queryset
