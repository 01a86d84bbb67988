"""Deadline clocks by plan type (table-driven), stored deadline rows, and reminder emails."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from claims import deadlines
from claims.models import Deadline, PriorAuthorizationRequest
from claims.services import (
    appeal_file,
    appeal_save,
    deadline_reminders_send,
    deadline_set_letter_date,
    deadlines_refresh,
    pa_request_record_decision,
)
from claims.tasks import send_deadline_reminders
from tests.factories import CaseFactory, PARequestFactory, PolicyFactory, days_ago

D = dt.date

DECISIONS = [
    # id, plan type, submitted, expedited, treatment, benefit, expected due, rule
    ("commercial standard", "employer_self_funded", D(2026, 3, 2), False, "esketamine",
     "medical", D(2026, 3, 17), "commercial-pre-service-15d"),
    ("commercial expedited", "employer_fully_insured", D(2026, 3, 2), True, "esketamine",
     "medical", D(2026, 3, 5), "commercial-urgent-72h"),
    ("marketplace: QHPs exempt from CMS-0057-F", "marketplace", D(2026, 3, 2), False,
     "iv_ketamine", "medical", D(2026, 3, 17), "commercial-pre-service-15d"),
    ("MA standard before CMS-0057-F", "medicare_advantage", D(2025, 12, 1), False,
     "iv_ketamine", "medical", D(2025, 12, 15), "ma-organization-determination-14d"),
    ("MA standard under CMS-0057-F", "medicare_advantage", D(2026, 1, 5), False, "iv_ketamine",
     "medical", D(2026, 1, 12), "cms-0057f-standard-7d"),
    ("MA esketamine is a Part B drug: 72 h, the earliest", "medicare_advantage", D(2026, 1, 5),
     False, "esketamine", "medical", D(2026, 1, 8), "ma-part-b-drug-72h"),
    ("MA esketamine expedited: 24 h", "medicare_advantage", D(2026, 2, 10), True, "esketamine",
     "medical", D(2026, 2, 11), "ma-part-b-drug-72h"),
    ("MA expedited under CMS-0057-F", "medicare_advantage", D(2026, 2, 10), True, "iv_ketamine",
     "medical", D(2026, 2, 13), "cms-0057f-expedited-72h"),
    ("Medicaid esketamine as a service: uncertain, earlier date", "medicaid", D(2026, 1, 5),
     False, "esketamine", "medical", D(2026, 1, 12), "cms-0057f-esketamine-uncertain-7d"),
    ("Medicaid expedited before CMS-0057-F", "medicaid", D(2025, 6, 2), True, "iv_ketamine",
     "medical", D(2025, 6, 5), "medicaid-managed-care-14d"),
    ("MA Part B drug outside CMS-0057-F", "medicare_advantage", D(2026, 2, 10), False,
     "esketamine", "pharmacy", D(2026, 2, 13), "ma-part-b-drug-72h"),
    ("Medicaid drug request outside CMS-0057-F: 24 h", "medicaid", D(2026, 4, 1), False,
     "esketamine", "pharmacy", D(2026, 4, 2), "medicaid-covered-outpatient-drug-24h"),
    ("Medicaid service under CMS-0057-F", "medicaid", D(2026, 4, 1), False, "iv_ketamine",
     "medical", D(2026, 4, 8), "cms-0057f-standard-7d"),
    ("Medicaid service before CMS-0057-F", "medicaid", D(2025, 6, 2), False, "iv_ketamine",
     "medical", D(2025, 6, 16), "medicaid-managed-care-14d"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("plan", "submitted", "expedited", "treatment", "benefit", "due", "rule"),
    [row[1:] for row in DECISIONS],
    ids=[row[0] for row in DECISIONS],
)
def test_decision_due(plan, submitted, expedited, treatment, benefit, due, rule):
    clock = deadlines.decision_due(
        plan_type=plan,
        submitted_on=submitted,
        expedited=expedited,
        treatment=treatment,
        benefit=benefit,
    )
    assert (clock.due, clock.rule.id) == (due, rule)
    assert clock.rule.source


@pytest.mark.parametrize("plan", ["medicare", "tricare", "fehb"])
def test_no_decision_clock_where_domain_md_has_no_rule(plan):
    clock = deadlines.decision_due(
        plan_type=plan,
        submitted_on=D(2026, 3, 2),
        expedited=False,
        treatment="esketamine",
        benefit="medical",
    )
    assert clock is None


FILINGS = [
    # id, plan, level, notice date, received, expected last day, rule
    ("MA notice dated 2024-12-31: 60 days", "medicare_advantage", "ma_reconsideration",
     D(2024, 12, 31), D(2025, 1, 6), D(2025, 3, 1), "ma-reconsideration-60d"),
    ("MA notice dated 2025-01-02: 65 days", "medicare_advantage", "ma_reconsideration",
     D(2025, 1, 2), D(2025, 1, 6), D(2025, 3, 8), "ma-reconsideration-65d"),
    ("ERISA internal: 180 days from receipt", "employer_self_funded", "internal_1",
     D(2026, 10, 27), D(2026, 10, 31), D(2027, 4, 29), "commercial-internal-appeal-180d"),
    ("commercial internal, receipt unknown: from the letter's date", "employer_fully_insured",
     "internal_1", D(2026, 10, 27), None, D(2027, 4, 25), "commercial-internal-appeal-180d"),
    ("Original Medicare redetermination: 120 days from receipt", "medicare", "redetermination",
     D(2026, 5, 1), D(2026, 5, 6), D(2026, 9, 3), "medicare-redetermination-120d"),
    ("Medicaid plan appeal: 60 days from the notice", "medicaid", "medicaid_plan_appeal",
     D(2026, 5, 1), D(2026, 5, 8), D(2026, 6, 30), "medicaid-plan-appeal-60d"),
    ("Original Medicare QIC reconsideration: 180 days", "medicare", "qic_reconsideration",
     D(2026, 7, 1), None, D(2026, 12, 28), "medicare-qic-reconsideration-180d"),
    ("Medicaid state fair hearing: 120 days", "medicaid", "state_fair_hearing",
     D(2026, 7, 1), None, D(2026, 10, 29), "medicaid-state-fair-hearing-120d"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("plan", "level", "notice", "received", "due", "rule"),
    [row[1:] for row in FILINGS],
    ids=[row[0] for row in FILINGS],
)
def test_appeal_filing(plan, level, notice, received, due, rule):
    clock = deadlines.appeal_filing(
        plan_type=plan, level=level, notice_date=notice, received_on=received
    )
    assert (clock.due, clock.rule.id, clock.level) == (due, rule, level)


EXTERNAL = [
    # id, received, expected (45 CFR 147.136(d)(2)(i), weekends and federal holidays roll forward)
    ("received 31 October: no 31 February, so 1 March (a Monday)", D(2026, 10, 31), D(2027, 3, 1)),
    ("the regulation's own example: 30 October -> 1 March", D(2025, 10, 30), D(2026, 3, 2)),
    ("leap year: 29 October -> 29 February", D(2023, 10, 29), D(2024, 2, 29)),
    ("no 30 February in 2025 -> Saturday 1 March -> Monday", D(2024, 10, 30), D(2025, 3, 3)),
    ("lands on Memorial Day -> the Tuesday", D(2026, 1, 25), D(2026, 5, 26)),
    ("lands on Juneteenth, a Friday -> Monday", D(2026, 2, 19), D(2026, 6, 22)),
    ("lands on Saturday 15 August -> Monday", D(2026, 4, 15), D(2026, 8, 17)),
    ("lands on a Monday: unchanged", D(2026, 5, 21), D(2026, 9, 21)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("received", "due"), [r[1:] for r in EXTERNAL], ids=[r[0] for r in EXTERNAL]
)
def test_external_review_four_months(received, due):
    clock = deadlines.external_review(
        plan_type="employer_self_funded", grandfathered="no", final_denial_received_on=received
    )
    assert clock.due == due
    assert clock.rule.check_letter  # states vary: the letter decides


@pytest.mark.parametrize(
    ("plan", "grandfathered"),
    [("employer_fully_insured", "yes"), ("medicare_advantage", "no"), ("medicaid", "no")],
)
def test_external_review_does_not_apply_to_every_plan(plan, grandfathered):
    assert (
        deadlines.external_review(
            plan_type=plan, grandfathered=grandfathered, final_denial_received_on=D(2026, 5, 1)
        )
        is None
    )


def test_appeal_decision_and_approval_clocks():
    assert deadlines.appeal_decision_due(
        plan_type="employer_self_funded", filed_on=D(2026, 5, 1), expedited=False, benefit="medical"
    ).due == D(2026, 5, 31)
    assert deadlines.appeal_decision_due(
        plan_type="medicare_advantage", filed_on=D(2026, 5, 1), expedited=False, benefit="pharmacy"
    ).due == D(2026, 5, 8)
    reauth, expires = deadlines.approval_clocks(valid_until=D(2026, 12, 31))
    assert (reauth.due, expires.due) == (D(2026, 12, 1), D(2026, 12, 31))


APPEAL_DECISIONS = [
    # id, plan, level, filed, expedited, treatment, benefit, claim type,
    # expected due (None: no rule in DOMAIN.md, no date), rule, check letter
    ("MA esketamine reconsideration: Part B drug 7 days", "medicare_advantage",
     "ma_reconsideration", D(2026, 3, 2), False, "esketamine", "medical", "pre_service",
     D(2026, 3, 9), "ma-part-b-drug-reconsideration-7d", False),
    ("MA esketamine reconsideration expedited: 72 hours", "medicare_advantage",
     "ma_reconsideration", D(2026, 3, 2), True, "esketamine", "medical", "pre_service",
     D(2026, 3, 5), "ma-part-b-drug-reconsideration-7d", False),
    ("MA esketamine on the pharmacy benefit is still Part B", "medicare_advantage",
     "ma_reconsideration", D(2026, 3, 2), False, "esketamine", "pharmacy", "pre_service",
     D(2026, 3, 9), "ma-part-b-drug-reconsideration-7d", False),
    ("MA Part B 7 days across February's end", "medicare_advantage", "ma_reconsideration",
     D(2026, 2, 25), False, "esketamine", "unknown", "pre_service", D(2026, 3, 4),
     "ma-part-b-drug-reconsideration-7d", False),
    ("MA Part B 7 days across 29 February (leap year)", "medicare_advantage",
     "ma_reconsideration", D(2028, 2, 25), False, "esketamine", "medical", "pre_service",
     D(2028, 3, 3), "ma-part-b-drug-reconsideration-7d", False),
    ("MA Part D (pharmacy benefit): no rule in DOMAIN.md, earliest MA time, flagged",
     "medicare_advantage", "ma_reconsideration", D(2026, 3, 2), False, "other", "pharmacy",
     "pre_service", D(2026, 3, 9), "ma-part-d-no-rule-7d", True),
    ("MA payment request (post-service): 60 days", "medicare_advantage", "ma_reconsideration",
     D(2026, 3, 2), False, "esketamine", "medical", "post_service", D(2026, 5, 1),
     "ma-payment-reconsideration-60d", False),
    ("MA independent review entity: no rule in DOMAIN.md", "medicare_advantage", "ma_ire",
     D(2026, 3, 2), False, "iv_ketamine", "medical", "pre_service", None,
     "no-appeal-decision-rule-in-app", True),
    ("Medicaid plan appeal: 30 days [U], across February's end", "medicaid",
     "medicaid_plan_appeal", D(2026, 1, 30), False, "esketamine", "medical", "pre_service",
     D(2026, 3, 1), "medicaid-plan-appeal-decision-30d", True),
    ("Medicaid plan appeal: 30 days across 29 February (leap year)", "medicaid",
     "medicaid_plan_appeal", D(2024, 2, 1), False, "iv_ketamine", "medical", "pre_service",
     D(2024, 3, 2), "medicaid-plan-appeal-decision-30d", True),
    ("Medicaid plan appeal expedited: 72 hours [U], across the year's end", "medicaid",
     "medicaid_plan_appeal", D(2026, 12, 30), True, "esketamine", "pharmacy", "pre_service",
     D(2027, 1, 2), "medicaid-plan-appeal-decision-30d", True),
    ("Medicaid state fair hearing: no rule in DOMAIN.md", "medicaid", "state_fair_hearing",
     D(2026, 3, 2), False, "esketamine", "medical", "pre_service", None,
     "no-appeal-decision-rule-in-app", True),
    ("TRICARE: no rule in DOMAIN.md, check your letter", "tricare", "internal_1",
     D(2026, 3, 2), False, "esketamine", "medical", "pre_service", None, "tricare-no-rule",
     True),
    ("TRICARE expedited second level: still no rule", "tricare", "internal_2", D(2026, 3, 2),
     True, "esketamine", "medical", "post_service", None, "tricare-no-rule", True),
    ("ERISA post-service: 60 days, across the year's end", "employer_self_funded",
     "internal_1", D(2026, 11, 2), False, "esketamine", "medical", "post_service",
     D(2027, 1, 1), "commercial-post-service-appeal-decision-60d", False),
    ("individual plan post-service: 60 days to 1 March in a leap year", "marketplace",
     "internal_1", D(2024, 1, 1), False, "iv_ketamine", "medical", "post_service",
     D(2024, 3, 1), "commercial-post-service-appeal-decision-60d", False),
    ("fully insured post-service: 60 days to 2 March in a common year", "employer_fully_insured",
     "internal_1", D(2025, 1, 1), False, "iv_ketamine", "medical", "post_service",
     D(2025, 3, 2), "commercial-post-service-appeal-decision-60d", False),
    # Care already received is never urgent (issue 16 review): "expedited" is ignored.
    ("post-service is never urgent: 60 days", "employer_fully_insured", "internal_1",
     D(2026, 2, 27), True, "esketamine", "medical", "post_service", D(2026, 4, 28),
     "commercial-post-service-appeal-decision-60d", False),
    ("pre-service stays 30 days", "employer_self_funded", "internal_1", D(2026, 5, 1), False,
     "esketamine", "medical", "pre_service", D(2026, 5, 31), "commercial-appeal-decision-30d",
     False),
    ("ERISA second internal level, pre-service: half, 15 days [U]", "employer_self_funded",
     "internal_2", D(2026, 3, 2), False, "esketamine", "medical", "pre_service",
     D(2026, 3, 17), "commercial-second-internal-level-half", True),
    ("ERISA second internal level, post-service: half, 30 days [U]", "employer_self_funded",
     "internal_2", D(2026, 3, 2), False, "esketamine", "medical", "post_service",
     D(2026, 4, 1), "commercial-second-internal-level-half", True),
    ("external review decision: 45 days, not the plan's 30", "employer_self_funded",
     "external_review", D(2026, 3, 2), False, "esketamine", "medical", "pre_service",
     D(2026, 4, 16), "external-review-decision-45d", True),
]  # fmt: skip


@pytest.mark.parametrize(
    (
        "plan",
        "level",
        "filed",
        "expedited",
        "treatment",
        "benefit",
        "claim_type",
        "due",
        "rule",
        "check_letter",
    ),
    [row[1:] for row in APPEAL_DECISIONS],
    ids=[row[0] for row in APPEAL_DECISIONS],
)
def test_appeal_decision_due(
    plan, level, filed, expedited, treatment, benefit, claim_type, due, rule, check_letter
):
    clock = deadlines.appeal_decision_due(
        plan_type=plan,
        filed_on=filed,
        expedited=expedited,
        benefit=benefit,
        level=level,
        treatment=treatment,
        claim_type=claim_type,
    )
    assert (getattr(clock, "due", None), clock.rule.id, clock.rule.check_letter) == (
        due,
        rule,
        check_letter,
    )
    assert clock.kind == deadlines.Kind.APPEAL_DECISION_DUE
    assert "DOMAIN.md" in clock.rule.source


def _case_dates(plan, treatment, benefit, notice, appeal, claim_type="pre_service"):
    """A denied request with one appeal (level, filed on, expedited), as plain data."""
    level, filed_on, expedited = appeal
    appeals = (deadlines.AppealDates(7, level, filed_on, None, "pending", expedited),)
    denial = deadlines.DenialDates(5, notice, None, appeals, claim_type=claim_type)
    request = deadlines.RequestDates(3, "initial", None, False, "denied", None, denial)
    return deadlines.CaseDates(plan, benefit, "no", treatment, (level, "other"), (request,))


CASE_APPEALS = [
    # id, plan, treatment, benefit, notice date, (level, filed, expedited), claim type,
    # expected: filing due (None: not this level's), appeal decision due (None: no row), rule
    ("MA esketamine, notice before 2025: 60 days to file, 7 to decide", "medicare_advantage",
     "esketamine", "medical", D(2024, 12, 31), ("ma_reconsideration", D(2025, 1, 10), False),
     "pre_service", D(2025, 3, 1), D(2025, 1, 17), "ma-part-b-drug-reconsideration-7d"),
    ("MA esketamine, notice in 2025: 65 days to file, 7 to decide", "medicare_advantage",
     "esketamine", "medical", D(2025, 1, 2), ("ma_reconsideration", D(2025, 1, 10), False),
     "pre_service", D(2025, 3, 8), D(2025, 1, 17), "ma-part-b-drug-reconsideration-7d"),
    ("Medicaid plan appeal gets its decision row, flagged", "medicaid", "esketamine", "medical",
     D(2026, 5, 1), ("medicaid_plan_appeal", D(2026, 5, 20), True), "pre_service",
     D(2026, 6, 30), D(2026, 5, 23), "medicaid-plan-appeal-decision-30d"),
    ("a post-service denial's appeal: 60 days", "marketplace", "iv_ketamine", "medical",
     D(2026, 5, 1), ("internal_1", D(2026, 5, 20), False), "post_service", D(2026, 10, 28),
     D(2026, 7, 19), "commercial-post-service-appeal-decision-60d"),
]  # fmt: skip


@pytest.mark.parametrize(
    (
        "plan",
        "treatment",
        "benefit",
        "notice",
        "appeal",
        "claim_type",
        "file_by",
        "decide_by",
        "rule",
    ),
    [row[1:] for row in CASE_APPEALS],
    ids=[row[0] for row in CASE_APPEALS],
)
def test_case_clocks_date_the_appeal_decision(
    plan, treatment, benefit, notice, appeal, claim_type, file_by, decide_by, rule
):
    clocks = deadlines.case_clocks(
        _case_dates(plan, treatment, benefit, notice, appeal, claim_type)
    )
    level = appeal[0]
    filing = clocks[deadlines.deadline_key(deadlines.Kind.APPEAL_FILING, of=5, level=level)]
    decision, met = clocks[deadlines.deadline_key(deadlines.Kind.APPEAL_DECISION_DUE, of=7)]
    assert (filing[0].due, filing[1]) == (file_by, True)  # filed: met
    assert (decision.due, decision.rule.id, met) == (decide_by, rule, False)


def test_case_clocks_store_no_undated_clock():
    # TRICARE: no rule in DOMAIN.md, so no date to store; the ladder says "follow your letter".
    clocks = deadlines.case_clocks(
        _case_dates(
            "tricare", "esketamine", "medical", D(2026, 5, 1), ("internal_1", D(2026, 5, 20), False)
        )
    )
    assert deadlines.deadline_key(deadlines.Kind.APPEAL_DECISION_DUE, of=7) not in clocks
    assert deadlines.appeal_decision_due(
        plan_type="tricare", filed_on=D(2026, 5, 20), expedited=False, benefit="medical"
    ) == deadlines.Undated(deadlines.Kind.APPEAL_DECISION_DUE, deadlines.TRICARE_NO_RULE)


# --- stored deadlines --------------------------------------------------------------------------


@pytest.fixture
def case(owner):
    patient = owner.patient
    return CaseFactory(
        patient=patient,
        policy=PolicyFactory(patient=patient, plan_type="employer_self_funded", grandfathered="no"),
    )


def _rows(case):
    return {d.kind: d for d in Deadline.objects.filter(case=case)}


def test_deadlines_follow_the_case_through_denial_and_appeal(case):
    request = PARequestFactory(case=case, submitted_on=D(2026, 10, 1))
    deadlines_refresh(case=case)
    assert _rows(case)["decision_due"].due_on == D(2026, 10, 16)
    assert _rows(case)["decision_due"].met_at is None

    pa_request_record_decision(
        pa_request=request,
        decision=PriorAuthorizationRequest.Decision.DENIED,
        decided_on=D(2026, 10, 27),
        received_on=D(2026, 10, 31),
    )
    rows = _rows(case)
    assert rows["decision_due"].met_at is not None
    assert rows["appeal_filing"].due_on == D(2027, 4, 29)
    assert rows["appeal_filing"].rule_id == "commercial-internal-appeal-180d"
    assert rows["appeal_filing"].rule_version == "2010-09-23"

    appeal = appeal_file(denial=request.denial, level="internal_1", filed_on=D(2026, 11, 10))
    rows = _rows(case)
    assert rows["appeal_filing"].met_at is not None
    assert rows["appeal_decision_due"].due_on == D(2026, 12, 10)

    appeal.outcome, appeal.decided_on = "upheld", D(2026, 12, 5)
    appeal_save(appeal=appeal)
    rows = _rows(case)
    assert rows["appeal_decision_due"].met_at is not None
    assert rows["external_review"].due_on == D(2027, 4, 5)


def test_a_won_appeal_meets_every_clock_of_its_denial(
    case, mailbox, django_capture_on_commit_callbacks
):
    # Issue 15 review, defect 3: once an appeal is won there is nothing left to file or wait for.
    request = PARequestFactory(case=case, submitted_on=D(2026, 10, 1))
    pa_request_record_decision(
        pa_request=request, decision="denied", decided_on=D(2026, 10, 27), received_on=None
    )
    appeal_file(denial=request.denial, level="internal_1", filed_on=D(2026, 11, 10),
                outcome="upheld", decided_on=D(2026, 12, 5))  # fmt: skip
    second = appeal_file(denial=request.denial, level="internal_2", filed_on=D(2026, 12, 10))
    external_review = _rows(case)["external_review"]
    assert (external_review.due_on, external_review.met_at) == (D(2027, 4, 5), None)

    second.outcome, second.decided_on = "overturned", D(2027, 1, 5)
    appeal_save(appeal=second)

    rows = Deadline.objects.filter(case=case, kind__in=["appeal_filing", "external_review",
                                                        "appeal_decision_due"])  # fmt: skip
    assert {row.kind for row in rows} == {"appeal_filing", "external_review", "appeal_decision_due"}
    assert all(row.met_at is not None for row in rows)
    with django_capture_on_commit_callbacks(execute=True):
        _run(D(2027, 4, 5) - dt.timedelta(days=7))
    assert mailbox == []


def test_a_date_from_the_letter_overrides_the_computed_one_and_survives_recompute(case):
    request = PARequestFactory(case=case, submitted_on=D(2026, 10, 1))
    pa_request_record_decision(
        pa_request=request, decision="denied", decided_on=D(2026, 10, 27), received_on=None
    )
    filing = _rows(case)["appeal_filing"]
    assert filing.due_on == D(2027, 4, 25)

    deadline_set_letter_date(deadline=filing, letter_due_on=D(2027, 3, 1))
    request.denial.received_on = D(2026, 10, 31)
    request.denial.save()
    deadlines_refresh(case=case)

    filing.refresh_from_db()
    assert (filing.due_on, filing.letter_due_on) == (D(2027, 3, 1), D(2027, 3, 1))
    assert filing.computed_due_on == D(2027, 4, 29)


def test_changing_the_plan_type_recomputes(case):
    request = PARequestFactory(case=case, submitted_on=D(2026, 3, 2))
    deadlines_refresh(case=case)
    assert _rows(case)["decision_due"].due_on == D(2026, 3, 17)

    case.policy.plan_type = "medicare_advantage"
    case.policy.save()
    deadlines_refresh(case=case)

    assert _rows(case)["decision_due"].due_on == D(2026, 3, 5)  # esketamine: a Part B drug
    assert request.pk


# --- reminders -----------------------------------------------------------------------------------


def _deadline_due(case, due):
    return Deadline.objects.create(
        case=case, key=f"test:{due}", kind="appeal_filing", due_on=due, computed_due_on=due
    )


def _run(day):
    with time_machine.travel(dt.datetime.combine(day, dt.time(9)), tick=False):
        return deadline_reminders_send(today=day)


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


def test_one_email_per_threshold_and_none_twice(case, mailbox, django_capture_on_commit_callbacks):
    due = D(2027, 1, 30)
    _deadline_due(case, due)
    with django_capture_on_commit_callbacks(execute=True):
        for day in [due - dt.timedelta(days=n) for n in (20, 15, 14, 14, 10, 7, 7, 3, 2, 2, 1, 0)]:
            _run(day)
    assert [m.subject for m in mailbox] == [
        "You have a deadline in 14 days",
        "You have a deadline in 7 days",
        "You have a deadline in 2 days",
    ]


def test_catch_up_after_a_gap_sends_the_nearest_reminder_once(
    case, mailbox, django_capture_on_commit_callbacks
):
    due = D(2027, 1, 30)
    _deadline_due(case, due)
    with django_capture_on_commit_callbacks(execute=True):
        _run(due - dt.timedelta(days=5))  # the worker was down on days 14 and 7
        _run(due - dt.timedelta(days=4))
        _run(due - dt.timedelta(days=2))
    assert [m.subject for m in mailbox] == [
        "You have a deadline in 5 days",
        "You have a deadline in 2 days",
    ]


def test_no_reminder_once_the_deadline_is_met_or_past(
    case, mailbox, django_capture_on_commit_callbacks
):
    met = _deadline_due(case, D(2027, 1, 30))
    met.met_at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    met.save()
    _deadline_due(case, D(2027, 1, 10))
    with django_capture_on_commit_callbacks(execute=True):
        _run(D(2027, 1, 11))
        _run(D(2027, 1, 23))
    assert mailbox == []


def test_the_reminder_holds_no_health_data(case, mailbox, django_capture_on_commit_callbacks):
    _deadline_due(case, D(2027, 1, 30))
    with django_capture_on_commit_callbacks(execute=True):
        _run(D(2027, 1, 23))
    (message,) = mailbox
    assert message.to == [case.patient.user.email]
    for body in (message.body, message.alternatives[0][0]):
        assert "Log in" in body
        for word in ("appeal", "denial", "esketamine", "Spravato", "insurer", "ketamine"):
            assert word.lower() not in body.lower()


def test_the_beat_task_runs_the_service(case, mailbox, django_capture_on_commit_callbacks):
    _deadline_due(case, D(2027, 1, 30))
    with (
        time_machine.travel(dt.datetime(2027, 1, 16, 15, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_deadline_reminders.delay().get() == 1
    assert len(mailbox) == 1


# --- shown where they matter ---------------------------------------------------------------------


def test_the_dashboard_shows_the_next_deadline_with_days_left(owner_client, case):
    request = PARequestFactory(case=case, submitted_on=days_ago(9))  # commercial: 15 days
    deadlines_refresh(case=case)
    page = owner_client.get("/cases/").text
    assert "decision due" in page
    assert "6 days left" in page
    assert request.pk


def test_a_late_decision_is_flagged_on_step_5(owner_client, case):
    PARequestFactory(case=case, submitted_on=days_ago(19))  # commercial: due in 15 days
    deadlines_refresh(case=case)
    page = owner_client.get(f"/cases/{case.public_id}/submit/").text
    assert "4 days late" in page
    assert "treat the delay as a denial" in page


def test_the_patient_enters_the_date_from_their_letter(owner_client, case):
    # Recent dates under the test's clock: the step page shows only deadlines still ahead.
    request = PARequestFactory(case=case, submitted_on=days_ago(20))
    pa_request_record_decision(
        pa_request=request, decision="denied", decided_on=days_ago(10), received_on=None
    )
    filing = _rows(case)["appeal_filing"]
    letter_due_on = filing.computed_due_on - dt.timedelta(days=30)

    response = owner_client.post(
        f"/cases/{case.public_id}/deadlines/{filing.public_id}/letter-date/",
        {"letter_due_on": letter_due_on.isoformat(), "step": "appeal"},
    )

    assert response["Location"] == f"/cases/{case.public_id}/appeal/"
    filing.refresh_from_db()
    assert filing.due_on == letter_due_on
    assert "This is the date from your letter" in owner_client.get(response["Location"]).text
