"""Stored deadlines: recomputed from the case's dates by the pure rules in claims/deadlines.py,
dates from the patient's letters kept; and the reminder emails."""

from datetime import date, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from patients.emails import send_email

from .. import deadlines as rules
from ..models import (
    CoverageCase,
    Deadline,
    OutOfNetworkClaim,
    PriorAuthorizationRequest,
    ReminderSent,
    appeal_levels_for,
)

REMINDER_DAYS = (14, 7, 2)


def _case_dates(case: CoverageCase) -> rules.CaseDates:
    """The case's dates as plain data, for the pure clock rules (three queries)."""
    policy = case.policy
    requests = case.pa_requests.select_related("denial").prefetch_related("denial__appeals")
    Urgency = PriorAuthorizationRequest.Urgency
    dates = []
    for request in requests:
        denial = getattr(request, "denial", None)
        dates.append(
            rules.RequestDates(
                pk=request.pk,
                kind=request.kind,
                submitted_on=request.submitted_on,
                expedited=request.urgency == Urgency.EXPEDITED,
                decision=request.decision,
                valid_until=request.valid_until,
                denial=None
                if denial is None
                else rules.DenialDates(
                    pk=denial.pk,
                    notice_date=denial.notice_date,
                    received_on=denial.received_on,
                    claim_type=_claim_type(request),
                    appeals=tuple(
                        rules.AppealDates(
                            pk=a.pk,
                            level=a.level,
                            filed_on=a.filed_on,
                            decided_on=a.decided_on,
                            outcome=a.outcome,
                            expedited=a.expedited,
                        )
                        for a in denial.appeals.all()
                    ),
                ),
            )
        )
    plan_type = policy.plan_type if policy else ""
    return rules.CaseDates(
        plan_type=plan_type,
        benefit=policy.treatment_benefit if policy else "unknown",
        grandfathered=policy.grandfathered if policy else "unknown",
        treatment=case.treatment,
        appeal_levels=tuple(appeal_levels_for(plan_type or None)),
        requests=tuple(dates),
        claims=tuple(
            rules.ClaimDates(
                pk=pk,
                submitted_on=submitted_on,
                answered=status != OutOfNetworkClaim.Status.SUBMITTED,
            )
            for pk, submitted_on, status in case.oon_claims.values_list(
                "pk", "submitted_on", "status"
            )
        ),
    )


def _claim_type(request: PriorAuthorizationRequest) -> str:
    """A denied claim for care already received is a post-service claim, with post-service
    appeal clocks (29 CFR 2560.503-1(i)(2)(iii), DOMAIN.md §4.4a); every other request is a
    pre-authorization: pre-service."""
    if request.kind == PriorAuthorizationRequest.Kind.CLAIM:
        return rules.POST_SERVICE
    return rules.PRE_SERVICE


@transaction.atomic
def deadlines_refresh(*, case: CoverageCase) -> list[Deadline]:
    """Recompute the case's deadlines from its current dates; keep dates from letters."""
    case = (
        CoverageCase.objects.select_related("policy")
        .select_for_update(of=("self",))
        .get(pk=case.pk)
    )
    clocks = rules.case_clocks(_case_dates(case))
    existing = {d.key: d for d in case.deadlines.all()}
    now = timezone.now()
    for key, (clock, met) in clocks.items():
        row = existing.get(key) or Deadline(case=case, key=key)
        row.kind = clock.kind
        row.level = clock.level
        row.computed_due_on = clock.due
        row.due_on = row.letter_due_on or clock.due
        row.rule_id, row.rule_version = clock.rule.id, clock.rule.version
        row.rule_source, row.check_letter = clock.rule.source, clock.rule.check_letter
        row.met_at = (row.met_at or now) if met else None
        row.save()
    case.deadlines.exclude(key__in=clocks).delete()
    return list(case.deadlines.all())


@transaction.atomic
def deadline_set_letter_date(*, deadline: Deadline, letter_due_on: date | None) -> Deadline:
    """Use the date printed in the patient's letter instead of the computed one (or go back)."""
    deadline.letter_due_on = letter_due_on
    deadline.due_on = letter_due_on or deadline.computed_due_on or deadline.due_on
    deadline.full_clean()
    deadline.save(update_fields=["letter_due_on", "due_on", "updated_at"])
    return deadline


def deadline_reminders_send(*, today: date) -> int:
    """Email each patient 14, 7 and 2 days before each open deadline, once per threshold.

    Catches up after downtime: a missed threshold is sent late, once, as the nearest one (a
    patient never gets the 14-day and the 7-day email on the same day). Nothing after the due
    date, nothing for a deadline already met. The email holds no health information.
    """
    sent = _claim_follow_up_reminders_send(today=today)
    due = (
        Deadline.objects.filter(
            met_at__isnull=True,
            due_on__gte=today,
            due_on__lte=today + timedelta(days=max(REMINDER_DAYS)),
        )
        .exclude(kind=Deadline.Kind.CLAIM_FOLLOW_UP)
        .select_related("case__patient__user")
    )
    for deadline in due:
        days_left = (deadline.due_on - today).days
        passed = [d for d in REMINDER_DAYS if days_left <= d]
        done = set(deadline.reminders.values_list("days_before", flat=True))
        if not passed or min(passed) in done:
            continue
        with transaction.atomic():
            for threshold in passed:
                ReminderSent.objects.get_or_create(deadline=deadline, days_before=threshold)
            transaction.on_commit(
                partial(
                    send_email,
                    to=deadline.case.patient.user.email,
                    template="deadline_reminder",
                    language=deadline.case.patient.preferred_language,
                    context={"days_left": days_left},
                )
            )
        sent += 1
    return sent


# A claim's follow-up is a day to act on, not a last day to beat: its one reminder goes out on the
# day itself (stored as a ReminderSent 0 days before), or on the first run after it when the
# beat was down, and never again; none once the claim is answered (the deadline is then met).
FOLLOW_UP_REMINDER = 0


def _claim_follow_up_reminders_send(*, today: date) -> int:
    """Email the patient once when an out-of-network claim has had no answer for 30 days
    (claims/deadlines.py claim_follow_up). No health information in the email."""
    sent = 0
    due = (
        Deadline.objects.filter(
            kind=Deadline.Kind.CLAIM_FOLLOW_UP, met_at__isnull=True, due_on__lte=today
        )
        .exclude(reminders__days_before=FOLLOW_UP_REMINDER)
        .select_related("case__patient__user")
    )
    for deadline in due:
        with transaction.atomic():
            _, created = ReminderSent.objects.get_or_create(
                deadline=deadline, days_before=FOLLOW_UP_REMINDER
            )
            if not created:  # another run got there first
                continue
            transaction.on_commit(
                partial(
                    send_email,
                    to=deadline.case.patient.user.email,
                    template="claim_follow_up",
                    language=deadline.case.patient.preferred_language,
                    context={},
                )
            )
        sent += 1
    return sent
