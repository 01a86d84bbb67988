"""Deadline clocks: when the insurer must decide, and the last day to file each appeal.

Pure functions of plan type, dates and request kind. Every rule is effective-dated and names its
source (../shared/DOMAIN.md section and the regulation it quotes). Where a rule is uncertain, the
clock uses the earlier of the candidate dates and says to check the letter: a patient who files
early loses nothing, one who files late can lose the appeal. Where DOMAIN.md has no rule, no
number is made up: no clock, or an Undated one that only says to check the letter. The dates
in the patient's own letters always win (they are entered on the deadline and override the
computed date).
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import holidays
from django.utils.translation import gettext_lazy as _

# Plan types (patients.models.InsurancePolicy.PlanType values), grouped by the law that applies.
COMMERCIAL = {
    "employer_fully_insured",
    "employer_self_funded",
    "employer_unknown",
    "marketplace",
    "other",
}
MEDICARE_ADVANTAGE = "medicare_advantage"
ORIGINAL_MEDICARE = "medicare"
MEDICAID = "medicaid"
CMS_0057F_PLANS = {MEDICARE_ADVANTAGE, MEDICAID}  # DOMAIN.md §4.3: MA, Medicaid, CHIP (QHPs exempt)
CMS_0057F_START = date(2026, 1, 1)
MA_65_DAY_START = date(2025, 1, 1)
TRICARE = "tricare"

# The claim an appeal is about (29 CFR 2560.503-1(m)): a request before the care (a prior
# authorization, everything this app files) or a claim for care already received (e.g. an
# out-of-network reimbursement). Callers that do not know pass nothing: pre-service.
PRE_SERVICE = "pre_service"
POST_SERVICE = "post_service"


class Kind:
    DECISION_DUE = "decision_due"
    APPEAL_FILING = "appeal_filing"
    EXTERNAL_REVIEW = "external_review"
    APPEAL_DECISION_DUE = "appeal_decision_due"
    APPROVAL_EXPIRES = "approval_expires"
    REAUTHORIZATION = "reauthorization"
    CLAIM_FOLLOW_UP = "claim_follow_up"

    LABELS = {
        DECISION_DUE: _("Insurer's decision due"),
        APPEAL_FILING: _("Last day to file your appeal"),
        EXTERNAL_REVIEW: _("Last day to ask for an external review"),
        APPEAL_DECISION_DUE: _("Insurer's appeal decision due"),
        APPROVAL_EXPIRES: _("Your approval ends"),
        REAUTHORIZATION: _("Ask your clinic to request a renewal"),
        CLAIM_FOLLOW_UP: _("Ask the insurer about your claim"),
    }


@dataclass(frozen=True)
class Rule:
    id: str
    version: str  # the date the rule took effect, as the app applies it
    source: str
    check_letter: bool = False


@dataclass(frozen=True)
class Clock:
    kind: str
    due: date
    rule: Rule
    level: str = ""  # for appeal filing: the appeal level (claims.models.Appeal.Level value)


@dataclass(frozen=True)
class Undated:
    """A clock DOMAIN.md gives no number for: no date is computed, the patient's letter gives it
    (the rule is flagged check_letter). Not stored as a deadline, which needs a date; the ladder
    says "follow your letter" where a whole plan type has no rules (claims/ladder.py)."""

    kind: str
    rule: Rule


# --- the rules ---

R = Rule
COMMERCIAL_URGENT = R("commercial-urgent-72h", "2010-09-23", "DOMAIN.md §4.1 [R45][R48]: 72 hours")
COMMERCIAL_PRE_SERVICE = R(
    "commercial-pre-service-15d",
    "2010-09-23",
    "DOMAIN.md §4.1 [R45][R48]: pre-service 15 days (+15 extension, which the app does not assume)",
)
MA_STANDARD_14D = R(
    "ma-organization-determination-14d",
    "2019-01-01",
    "DOMAIN.md §4.2 MA initial determination, 42 CFR 422.568/572 [R54]: 14 days, 72 h expedited",
)
CMS_0057F_STANDARD = R(
    "cms-0057f-standard-7d",
    "2026-01-01",
    "DOMAIN.md §4.3 CMS-0057-F [R57]: 7 calendar days standard, 72 hours expedited",
)
CMS_0057F_EXPEDITED = R(
    "cms-0057f-expedited-72h", "2026-01-01", "DOMAIN.md §4.3 CMS-0057-F [R57]: 72 hours"
)
# Esketamine (Spravato) sessions billed as G2082/G2083 bundle the drug: whether CMS-0057-F covers
# them is uncertain (DOMAIN.md §4.3 [U]), so the earlier (0057-F) date is used, flagged.
ESKETAMINE_SERVICE_UNCERTAIN = R(
    "cms-0057f-esketamine-uncertain-7d",
    "2026-01-01",
    "DOMAIN.md §4.3 [U]: whether G2082/G2083 requests fall under CMS-0057-F is unclear; the "
    "earlier date is used",
    check_letter=True,
)
MA_PART_B_DRUG = R(
    "ma-part-b-drug-72h",
    "2020-01-01",
    "DOMAIN.md §4.2 [U]: MA Part B drug requests 72 hours (24 hours expedited); outside "
    "CMS-0057-F, which excludes drugs (§4.3)",
    check_letter=True,
)
MEDICAID_OUTPATIENT_DRUG_24H = R(
    "medicaid-covered-outpatient-drug-24h",
    "1990-11-05",
    "42 CFR 438.210(d)(3) and Social Security Act §1927(d)(5)(A): a response within 24 hours; "
    "drugs are outside CMS-0057-F (DOMAIN.md §4.3)",
    check_letter=True,
)
MEDICAID_STANDARD_14D = R(
    "medicaid-managed-care-14d",
    "2017-07-01",
    "42 CFR 438.210(d)(1) before CMS-0057-F: 14 calendar days, 72 hours expedited",
)
NO_PA_RULE = R(
    "no-rule-in-app",
    "",
    "No decision time limit for this plan type is in DOMAIN.md: check your plan's letter",
    check_letter=True,
)

COMMERCIAL_INTERNAL_180D = R(
    "commercial-internal-appeal-180d",
    "2010-09-23",
    "DOMAIN.md §4.4a: 29 CFR 2560.503-1(h)(3)(i) and 45 CFR 147.136(b)(3)(i): 180 days from "
    "receipt of the denial; no weekend extension",
)
MA_RECONSIDERATION_65D = R(
    "ma-reconsideration-65d",
    "2025-01-01",
    "DOMAIN.md §4.4a, 42 CFR 422.582(b) [R53]: 65 days from the date of the notice",
)
MA_RECONSIDERATION_60D = R(
    "ma-reconsideration-60d",
    "2000-01-01",
    "DOMAIN.md §4.4a, 42 CFR 422.582(b) before 2025-01-01: 60 days from the date of the notice",
)
MEDICARE_REDETERMINATION_120D = R(
    "medicare-redetermination-120d",
    "2005-05-01",
    "DOMAIN.md §4.2 [R72]: redetermination within 120 days",
)
MEDICARE_QIC_180D = R(
    "medicare-qic-reconsideration-180d",
    "2005-05-01",
    "DOMAIN.md §4.2 [R72]: reconsideration by the QIC within 180 days of the redetermination",
)
MEDICAID_PLAN_APPEAL_60D = R(
    "medicaid-plan-appeal-60d",
    "2017-07-01",
    "DOMAIN.md §4.2 [U]: Medicaid managed care plan appeal within 60 days of the notice",
    check_letter=True,
)
MEDICAID_FAIR_HEARING_120D = R(
    "medicaid-state-fair-hearing-120d",
    "2017-07-01",
    "DOMAIN.md §4.2 [R56]: a state fair hearing within 120 days of the plan's appeal decision",
    check_letter=True,
)
EXTERNAL_REVIEW_4_MONTHS = R(
    "external-review-4-months",
    "2011-07-01",
    "DOMAIN.md §4.4a: 45 CFR 147.136(d)(2)(i): 4 months after receipt of the final internal "
    "denial (first day of the fifth month when no such date; a weekend or federal holiday rolls "
    "to the next business day). State processes may differ: check your letter",
    check_letter=True,
)
COMMERCIAL_APPEAL_DECISION = R(
    "commercial-appeal-decision-30d",
    "2010-09-23",
    "DOMAIN.md §4.4a: 29 CFR 2560.503-1(i)(2): pre-service 30 days, urgent 72 hours",
)
COMMERCIAL_POST_SERVICE_APPEAL_DECISION = R(
    "commercial-post-service-appeal-decision-60d",
    "2010-09-23",
    "DOMAIN.md §4.4a: 29 CFR 2560.503-1(i)(2)(iii): post-service 60 days after the plan receives "
    "the appeal; group and individual plans (DOMAIN.md §4.2 [R45][R51])",
)
# A plan with two internal levels decides each in half the time; which plans have two, and
# whether the first level was already halved, only the plan's letter says.
COMMERCIAL_SECOND_LEVEL_DECISION = R(
    "commercial-second-internal-level-half",
    "2010-09-23",
    "DOMAIN.md §4.2 [U]: if 2 internal levels, each level half (15/30 d): pre-service 15 days, "
    "post-service 30 days",
    check_letter=True,
)
EXTERNAL_REVIEW_DECISION = R(
    "external-review-decision-45d",
    "2011-07-01",
    "DOMAIN.md §4.4a: 45 CFR 147.136(d)(2)(iii)(B)(6): 45 days after the reviewer receives a "
    "standard request; 147.136(d)(3)(iv): 72 hours expedited. Counted from the day you filed, and "
    "state processes may differ: check your letter",
    check_letter=True,
)
MA_RECONSIDERATION_DECISION = R(
    "ma-reconsideration-decision-30d",
    "2019-01-01",
    "DOMAIN.md §4.2 [R52]: standard 30 days (Part B drug 7 days), expedited 72 hours",
)
MA_PART_B_DRUG_RECONSIDERATION = R(
    "ma-part-b-drug-reconsideration-7d",
    "2020-01-01",
    "DOMAIN.md §4.2 [R52]: MA reconsideration of a Part B drug 7 d, expedited 72 h; esketamine "
    "under Medicare is a Part B drug (G2082/G2083, DOMAIN.md §1.3 [R30])",
)
MA_PAYMENT_RECONSIDERATION = R(
    "ma-payment-reconsideration-60d",
    "2019-01-01",
    "DOMAIN.md §4.2 [R52]: MA reconsideration of a payment request 60 d",
)
# An MA plan's pharmacy benefit is Part D, and DOMAIN.md has no Part D redetermination rule: the
# earliest MA reconsideration time it gives (Part B drug 7 days) is used, flagged.
MA_PART_D_NO_RULE = R(
    "ma-part-d-no-rule-7d",
    "2020-01-01",
    "No Part D (pharmacy benefit) redetermination rule is in DOMAIN.md: the earliest MA "
    'reconsideration time it gives is used, DOMAIN.md §4.2 "Part B drug 7 d", expedited 72 h '
    "[R52]. Check your letter",
    check_letter=True,
)
MEDICAID_PLAN_APPEAL_DECISION = R(
    "medicaid-plan-appeal-decision-30d",
    "2017-07-01",
    "DOMAIN.md §4.2 [U]: Medicaid managed care plan appeal decided in 30 d std / 72 h expedited "
    "(42 CFR 438 Subpart F)",
    check_letter=True,
)
TRICARE_NO_RULE = R(
    "tricare-no-rule",
    "",
    "No TRICARE appeal rule is in DOMAIN.md (it has only TRICARE West's prior-authorization "
    "criteria, §1.2 [R24]): check your letter",
    check_letter=True,
)
NO_APPEAL_DECISION_RULE = R(
    "no-appeal-decision-rule-in-app",
    "",
    "No appeal decision time limit for this plan type and appeal level is in DOMAIN.md: check "
    "your plan's letter",
    check_letter=True,
)
REAUTHORIZATION_30D = R(
    "app-reauthorization-margin-30d",
    "2026-11-29",
    "The app's own margin, not a payer rule: renewals take time, so start 30 days before the "
    "approval ends (approval lengths vary, DOMAIN.md §1.2)",
)
# Issue 16 asks for a nudge when an out-of-network claim has no answer 30 days after it was sent.
# This is the app's follow-up choice, not a legal deadline: a plan has 30 days to decide a
# post-service claim (DOMAIN.md §4.1 [R45][R48]), but counted from when it receives the claim
# and with a possible 15-day extension, so day 30 after sending is only the day to ask.
CLAIM_FOLLOW_UP_30D = R(
    "app-claim-follow-up-30d",
    "2026-12-04",
    "The app's own follow-up, not a legal deadline: ask the insurer about a claim with no answer "
    "30 days after you sent it (plans decide post-service claims within 30 days of receiving "
    "them, +15 days extension: DOMAIN.md §4.1)",
)


# --- date arithmetic ---


def add_months(start: date, months: int) -> date:
    """`months` calendar months after `start`; when that day does not exist (30 February), the first
    day of the month after, as 45 CFR 147.136(d)(2)(i) counts (DOMAIN.md §4.4a)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year + (month == 12), month % 12 + 1, 1)


def next_business_day(day: date) -> date:
    """The day itself, or the next day that is not a weekend or a federal holiday.

    Holidays are the legal public holidays of 5 U.S.C. 6103(a) without the "observed" shifts,
    the safe reading DOMAIN.md §4.4a recommends (python-holidays' US calendar, observed=False).
    """
    federal = holidays.country_holidays("US", years=range(day.year, day.year + 2), observed=False)
    while day.weekday() >= 5 or day in federal:
        day += timedelta(days=1)
    return day


def _earliest(*dates: date | None) -> date | None:
    known = [d for d in dates if d is not None]
    return min(known) if known else None


# --- the clocks ---


def decision_due(
    *, plan_type: str, submitted_on: date, expedited: bool, treatment: str, benefit: str
) -> Clock | None:
    """When the insurer must decide a pre-authorization request.

    `treatment` is a CoverageCase.Treatment value; `benefit` the policy's treatment benefit
    ("medical", "pharmacy" or "unknown"). A pharmacy-benefit request is a drug request.
    """
    drug_request = benefit == "pharmacy"
    in_0057f = plan_type in CMS_0057F_PLANS and submitted_on >= CMS_0057F_START
    if plan_type in COMMERCIAL:
        rule = COMMERCIAL_URGENT if expedited else COMMERCIAL_PRE_SERVICE
        return Clock(Kind.DECISION_DUE, submitted_on + timedelta(days=3 if expedited else 15), rule)
    if plan_type == MEDICAID and drug_request:
        return Clock(
            Kind.DECISION_DUE, submitted_on + timedelta(days=1), MEDICAID_OUTPATIENT_DRUG_24H
        )
    # Esketamine under Medicare is a Part B drug (G2082/G2083, DOMAIN.md §1.3 [R30]), whichever
    # benefit the plan names: the Part B drug clock is the earliest, so it is used, flagged.
    if plan_type == MEDICARE_ADVANTAGE and (drug_request or treatment == "esketamine"):
        return Clock(
            Kind.DECISION_DUE, submitted_on + timedelta(days=1 if expedited else 3), MA_PART_B_DRUG
        )
    if plan_type in CMS_0057F_PLANS:
        before = MA_STANDARD_14D if plan_type == MEDICARE_ADVANTAGE else MEDICAID_STANDARD_14D
        if expedited:
            rule = CMS_0057F_EXPEDITED if in_0057f else before
            return Clock(Kind.DECISION_DUE, submitted_on + timedelta(days=3), rule)
        if in_0057f:
            # Medicaid esketamine billed as a service (not a pharmacy claim): whether CMS-0057-F
            # covers it is uncertain (DOMAIN.md §4.3 [U]); its 7 days are the earlier date.
            rule = ESKETAMINE_SERVICE_UNCERTAIN if treatment == "esketamine" else CMS_0057F_STANDARD
            return Clock(Kind.DECISION_DUE, submitted_on + timedelta(days=7), rule)
        rule = before
        return Clock(Kind.DECISION_DUE, submitted_on + timedelta(days=14), rule)
    return None


def appeal_filing(
    *, plan_type: str, level: str, notice_date: date | None, received_on: date | None
) -> Clock | None:
    """The last day to file an appeal at `level` after a denial (notice and receipt dates)."""
    if plan_type in COMMERCIAL and level == "internal_1":
        # Counted from receipt; without a receipt date, from the letter's date, which can only
        # be earlier (safer), DOMAIN.md §4.4a.
        start = received_on or notice_date
        if start is None:
            return None
        return Clock(
            Kind.APPEAL_FILING, start + timedelta(days=180), COMMERCIAL_INTERNAL_180D, level
        )
    if plan_type == MEDICARE_ADVANTAGE and level == "ma_reconsideration":
        start = notice_date or received_on
        if start is None:
            return None
        if start >= MA_65_DAY_START:
            return Clock(
                Kind.APPEAL_FILING, start + timedelta(days=65), MA_RECONSIDERATION_65D, level
            )
        return Clock(Kind.APPEAL_FILING, start + timedelta(days=60), MA_RECONSIDERATION_60D, level)
    if plan_type == ORIGINAL_MEDICARE and level == "redetermination":
        start = received_on or notice_date
        if start is None:
            return None
        return Clock(
            Kind.APPEAL_FILING, start + timedelta(days=120), MEDICARE_REDETERMINATION_120D, level
        )
    if plan_type == MEDICAID and level == "medicaid_plan_appeal":
        start = _earliest(notice_date, received_on)
        if start is None:
            return None
        return Clock(
            Kind.APPEAL_FILING, start + timedelta(days=60), MEDICAID_PLAN_APPEAL_60D, level
        )
    if plan_type == ORIGINAL_MEDICARE and level == "qic_reconsideration":
        start = notice_date or received_on  # the redetermination decision
        if start is None:
            return None
        return Clock(Kind.APPEAL_FILING, start + timedelta(days=180), MEDICARE_QIC_180D, level)
    if plan_type == MEDICAID and level == "state_fair_hearing":
        start = _earliest(notice_date, received_on)
        if start is None:
            return None
        return Clock(
            Kind.APPEAL_FILING, start + timedelta(days=120), MEDICAID_FAIR_HEARING_120D, level
        )
    return None


def external_review(
    *, plan_type: str, grandfathered: str, final_denial_received_on: date | None
) -> Clock | None:
    """The last day to ask for an external review after the final internal denial.

    Applies to non-grandfathered commercial plans (DOMAIN.md §4.2); a plan whose grandfathered
    status is unknown gets the date too, flagged to check.
    """
    if plan_type not in COMMERCIAL or grandfathered == "yes" or final_denial_received_on is None:
        return None
    due = next_business_day(add_months(final_denial_received_on, 4))
    return Clock(Kind.EXTERNAL_REVIEW, due, EXTERNAL_REVIEW_4_MONTHS, "external_review")


def appeal_decision_due(
    *,
    plan_type: str,
    filed_on: date,
    expedited: bool,
    benefit: str,
    level: str = "",
    treatment: str = "",
    claim_type: str = PRE_SERVICE,
) -> Clock | Undated:
    """When the insurer (or reviewer) must decide an appeal filed on `filed_on`.

    `level` is an Appeal.Level value ("" = the plan type's first level); `claim_type` is
    PRE_SERVICE (a prior authorization: the default) or POST_SERVICE (care already received).
    Where DOMAIN.md has no rule for the plan type or level, no date: Undated, check the letter.
    """

    def clock(days: int, rule: Rule) -> Clock:
        return Clock(Kind.APPEAL_DECISION_DUE, filed_on + timedelta(days=days), rule)

    post_service = claim_type == POST_SERVICE
    # Care already received is never an urgent claim (the 72-hour rules are for care not yet
    # given, 29 CFR 2560.503-1(m)(1)): a post-service appeal keeps its own days.
    expedited = expedited and not post_service
    if plan_type in COMMERCIAL:
        if level in ("", "internal_1"):
            if expedited:
                return clock(3, COMMERCIAL_APPEAL_DECISION)
            if post_service:
                return clock(60, COMMERCIAL_POST_SERVICE_APPEAL_DECISION)
            return clock(30, COMMERCIAL_APPEAL_DECISION)
        if level == "internal_2":
            if expedited:  # DOMAIN.md halves only the 30/60 days
                return clock(3, COMMERCIAL_APPEAL_DECISION)
            return clock(30 if post_service else 15, COMMERCIAL_SECOND_LEVEL_DECISION)
        if level == "external_review":
            return clock(3 if expedited else 45, EXTERNAL_REVIEW_DECISION)
    if plan_type == MEDICARE_ADVANTAGE and level in ("", "ma_reconsideration"):
        # Esketamine under Medicare is a Part B drug whichever benefit the plan names
        # (G2082/G2083, DOMAIN.md §1.3 [R30]); any other drug on the pharmacy benefit is Part D.
        if treatment == "esketamine":
            rule, days = MA_PART_B_DRUG_RECONSIDERATION, 7
        elif benefit == "pharmacy":
            rule, days = MA_PART_D_NO_RULE, 7
        else:
            rule, days = MA_RECONSIDERATION_DECISION, 30
        if expedited:
            return clock(3, rule)
        if post_service:  # a payment request, whatever the drug
            return clock(60, MA_PAYMENT_RECONSIDERATION)
        return clock(days, rule)
    if plan_type == MEDICAID and level in ("", "medicaid_plan_appeal"):
        return clock(3 if expedited else 30, MEDICAID_PLAN_APPEAL_DECISION)
    rule = TRICARE_NO_RULE if plan_type == TRICARE else NO_APPEAL_DECISION_RULE
    return Undated(Kind.APPEAL_DECISION_DUE, rule)


def claim_follow_up(*, submitted_on: date) -> Clock:
    """The day to ask the insurer about an out-of-network claim still unanswered: 30 days after
    it was sent (the app's follow-up choice, CLAIM_FOLLOW_UP_30D; not a legal deadline)."""
    return Clock(Kind.CLAIM_FOLLOW_UP, submitted_on + timedelta(days=30), CLAIM_FOLLOW_UP_30D)


def approval_clocks(*, valid_until: date | None) -> list[Clock]:
    """The approval's end, and when to start the renewal."""
    if valid_until is None:
        return []
    return [
        Clock(Kind.REAUTHORIZATION, valid_until - timedelta(days=30), REAUTHORIZATION_30D),
        Clock(
            Kind.APPROVAL_EXPIRES,
            valid_until,
            R("approval-letter", "", "The end date on your approval letter"),
        ),
    ]


# --- a case's clocks, from its dates ---------------------------------------------------------
# Plain data in, clocks out: the service reads the rows, these functions decide. Values are the
# claims.models choices' values (a pure module imports no models).

PENDING = "pending"  # PriorAuthorizationRequest.Decision and Appeal.Outcome
APPROVED, PARTIALLY_APPROVED = "approved", "partially_approved"
UPHELD = "upheld"
WON = {"overturned", "partially_overturned"}  # Appeal.Outcome values that close the ladder
REAUTHORIZATION_REQUEST = "reauthorization"  # PriorAuthorizationRequest.Kind
CLAIM_REQUEST = "claim"  # PriorAuthorizationRequest.Kind: a denied out-of-network claim (issue 16)
RENEWAL_WINDOW = timedelta(days=60)  # a renewal filed this close to the end renews the approval
# Levels with no filing clock of their own here: later levels are counted from the earlier
# level's decision (below), the rest have no rule in DOMAIN.md.
NO_FILING_CLOCK = {"internal_2", "external_review", "ma_ire", "alj", "other"}
FROM_FIRST_DECISION = {"medicaid_plan_appeal": "state_fair_hearing",
                       "redetermination": "qic_reconsideration"}  # fmt: skip


@dataclass(frozen=True)
class AppealDates:
    pk: int
    level: str
    filed_on: date | None
    decided_on: date | None
    outcome: str
    expedited: bool


@dataclass(frozen=True)
class DenialDates:
    pk: int
    notice_date: date | None
    received_on: date | None
    appeals: tuple[AppealDates, ...]
    claim_type: str = PRE_SERVICE  # a denied prior authorization is a pre-service claim


@dataclass(frozen=True)
class RequestDates:
    pk: int
    kind: str
    submitted_on: date | None
    expedited: bool
    decision: str
    valid_until: date | None
    denial: DenialDates | None


@dataclass(frozen=True)
class ClaimDates:
    """An out-of-network claim (claims.models.OutOfNetworkClaim): when it was sent, and whether
    the insurer has answered it."""

    pk: int
    submitted_on: date | None
    answered: bool


@dataclass(frozen=True)
class CaseDates:
    plan_type: str
    benefit: str
    grandfathered: str
    treatment: str
    appeal_levels: tuple[str, ...]  # the levels the plan type allows (models.appeal_levels_for)
    requests: tuple[RequestDates, ...]
    claims: tuple[ClaimDates, ...] = ()


def deadline_key(kind: str, *, of: int, level: str = "") -> str:
    """The stored key of a deadline: its kind, the request/denial/appeal it belongs to (`of`),
    and the appeal level for filing clocks. One key per deadline, stable across recomputation."""
    if kind in (Kind.DECISION_DUE, Kind.APPROVAL_EXPIRES, Kind.REAUTHORIZATION):
        return f"{kind}:pa:{of}"
    if kind == Kind.APPEAL_FILING:
        return f"{kind}:{of}:{level}"
    return f"{kind}:{of}"


def case_clocks(case: CaseDates) -> dict[str, tuple[Clock, bool]]:
    """key -> (clock, met) for every deadline that applies to the case now."""
    clocks: dict[str, tuple[Clock, bool]] = {}
    for request in case.requests:
        clocks.update(_request_clocks(case, request))
        if request.denial is not None:
            # A denied claim paid after all (issue 16: the claim was corrected to paid, or
            # partly paid) closes its denial's clocks as a won appeal does.
            paid = request.kind == CLAIM_REQUEST and request.decision in (
                APPROVED,
                PARTIALLY_APPROVED,
            )
            clocks.update(_denial_clocks(case, request.denial, closed=paid))
    clocks.update(_claim_clocks(case))
    return clocks


def _claim_clocks(case: CaseDates) -> dict[str, tuple[Clock, bool]]:
    """The follow-up of each out-of-network claim sent, met once the insurer answers it."""
    return {
        deadline_key(Kind.CLAIM_FOLLOW_UP, of=claim.pk): (
            claim_follow_up(submitted_on=claim.submitted_on),
            claim.answered,
        )
        for claim in case.claims
        if claim.submitted_on
    }


def _request_clocks(case: CaseDates, request: RequestDates) -> dict[str, tuple[Clock, bool]]:
    clocks: dict[str, tuple[Clock, bool]] = {}
    # A claim request stands for an out-of-network claim already answered (denied): it has no
    # pre-authorization decision clock; its claim has the follow-up clock (_claim_clocks).
    if request.submitted_on and request.kind != CLAIM_REQUEST:
        clock = decision_due(
            plan_type=case.plan_type,
            submitted_on=request.submitted_on,
            expedited=request.expedited,
            treatment=case.treatment,
            benefit=case.benefit,
        )
        if clock:
            key = deadline_key(Kind.DECISION_DUE, of=request.pk)
            clocks[key] = (clock, request.decision != PENDING)
    if request.decision in (APPROVED, PARTIALLY_APPROVED):
        valid_until = request.valid_until
        renewed = valid_until is not None and any(
            r.kind == REAUTHORIZATION_REQUEST
            and r.submitted_on
            and r.submitted_on >= valid_until - RENEWAL_WINDOW
            for r in case.requests
        )
        for clock in approval_clocks(valid_until=valid_until):
            clocks[deadline_key(clock.kind, of=request.pk)] = (clock, renewed)
    return clocks


def _denial_clocks(
    case: CaseDates, denial: DenialDates, *, closed: bool = False
) -> dict[str, tuple[Clock, bool]]:
    clocks: dict[str, tuple[Clock, bool]] = {}
    # A won appeal closes the ladder: no door is left to file, no decision left to wait for, so
    # every clock of this denial counts as met (no reminders, not in the staff's closing windows).
    # `closed`: the denied request was granted after all (a denied claim since paid).
    won = closed or any(a.outcome in WON for a in denial.appeals)
    filed = {a.level for a in denial.appeals if a.filed_on}
    for level in case.appeal_levels:
        if level in NO_FILING_CLOCK or level in FROM_FIRST_DECISION.values():
            continue
        clock = appeal_filing(
            plan_type=case.plan_type,
            level=level,
            notice_date=denial.notice_date,
            received_on=denial.received_on,
        )
        if clock:
            clocks[deadline_key(Kind.APPEAL_FILING, of=denial.pk, level=level)] = (
                clock,
                won or level in filed,
            )
    upheld = sorted(
        (a for a in denial.appeals if a.outcome == UPHELD and a.decided_on),
        key=lambda a: a.decided_on or date.min,
    )
    if upheld:
        last = upheld[-1]
        next_level = FROM_FIRST_DECISION.get(last.level)
        if next_level and last.decided_on:
            clock = appeal_filing(
                plan_type=case.plan_type,
                level=next_level,
                notice_date=last.decided_on,
                received_on=None,
            )
            if clock:
                clocks[deadline_key(Kind.APPEAL_FILING, of=denial.pk, level=next_level)] = (
                    clock,
                    won or next_level in filed,
                )
        if last.level in ("internal_1", "internal_2") and last.decided_on:
            clock = external_review(
                plan_type=case.plan_type,
                grandfathered=case.grandfathered,
                final_denial_received_on=last.decided_on,
            )
            if clock:
                clocks[deadline_key(Kind.EXTERNAL_REVIEW, of=denial.pk)] = (
                    clock,
                    won or "external_review" in filed,
                )
    for appeal in denial.appeals:
        if appeal.filed_on:
            decision = appeal_decision_due(
                plan_type=case.plan_type,
                filed_on=appeal.filed_on,
                expedited=appeal.expedited,
                benefit=case.benefit,
                level=appeal.level,
                treatment=case.treatment,
                claim_type=denial.claim_type,
            )
            if isinstance(decision, Clock):  # an Undated one has no date to store
                clocks[deadline_key(Kind.APPEAL_DECISION_DUE, of=appeal.pk)] = (
                    decision,
                    won or appeal.outcome != PENDING,
                )
    return clocks
