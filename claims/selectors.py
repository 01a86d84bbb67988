"""Reads. Every look-up of a case goes through get_case_for_user: the one access choke point."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from patients.models import User

from .models import CoverageCase, Deadline, Denial, ReviewEvent


def cases_visible_to(user: User) -> QuerySet[CoverageCase]:
    """The owning patient's cases, or the cases shared with a staff member's clinics."""
    if not user.is_authenticated or not user.is_active:
        return CoverageCase.objects.none()
    if user.is_patient:
        return CoverageCase.objects.filter(patient__user=user)
    if user.is_superuser:
        return CoverageCase.objects.all()
    return CoverageCase.objects.filter(
        Q(clinic__in=user.clinics.all()) & Q(clinic_consent_at__isnull=False)
    )


def get_case_for_user(user: User, public_id) -> CoverageCase:
    """The case if this user may see it; Http404 otherwise (never 403: no hint it exists)."""
    case = (
        cases_visible_to(user)
        .select_related("patient__user", "policy__payer", "clinic")
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise Http404
    return case


@dataclass(frozen=True)
class DeadlineView:
    """A deadline as a page shows it: what, when, how many days left, whether it has passed."""

    deadline: Deadline
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_late(self) -> int:
        return -self.days_left

    @property
    def overdue_decision(self) -> bool:
        return self.overdue and self.deadline.kind == Deadline.Kind.DECISION_DUE


def open_deadlines(deadlines, today: date) -> list[DeadlineView]:
    """Deadlines not yet met, soonest first: the future ones, and insurer decisions now late
    (the patient may act on those); other passed dates are dropped."""
    views = [
        DeadlineView(d, (d.due_on - today).days)
        for d in sorted(deadlines, key=lambda d: d.due_on)
        if d.met_at is None
    ]
    return [v for v in views if not v.overdue or v.overdue_decision]


def open_deadlines_prefetch() -> Prefetch:
    """Prefetch a case's open deadlines in one query for a whole list of cases."""
    return Prefetch(
        "deadlines",
        queryset=Deadline.objects.filter(met_at__isnull=True).order_by("due_on"),
        to_attr="prefetched_open_deadlines",
    )


def review_notes_prefetch() -> Prefetch:
    """The clinic's notes asking for changes, newest first, for a list of cases."""
    return Prefetch(
        "review_events",
        queryset=ReviewEvent.objects.filter(
            to_status=CoverageCase.ReviewStatus.CHANGES_REQUESTED
        ).order_by("-at", "-pk"),
        to_attr="changes_requested_events",
    )


def latest_denial(case: CoverageCase) -> Denial | None:
    """The denial of the case's most recently decided request: the one step 6 answers."""
    return (
        Denial.objects.filter(pa_request__case=case)
        .order_by("-pa_request__decided_on", "-pa_request__created_at")
        .first()
    )
