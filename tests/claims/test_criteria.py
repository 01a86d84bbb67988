"""Coverage criteria (issue 12): the seeded sets against a case's facts, one table row per rule
and its edge. Each row names the set (its policy key; the version in effect on the row's day is
taken from the database, as migration 0011 seeded it), the facts (changes from a case that meets
Cigna's TRD criteria), and the verdicts expected per kind of criterion, plus the overall verdict.

The rules are pure; the day judged is the clock's today unless a row sets it (effective dating
across the monotherapy approval uses that approval's fixed date, a fact of the label).
"""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims.criteria.rules import (
    MONOTHERAPY_APPROVAL,
    CaseFacts,
    Kind,
    Rule,
    ScoreFact,
    SetSpec,
    evaluate,
    params_errors,
)
from claims.models import CriteriaSet, Criterion
from claims.selectors import criteria_set_spec
from patients.adequate_trials import TrialFacts, Verdict

Y, N, U = Verdict.YES, Verdict.NO, Verdict.UNKNOWN


def med(name="sertraline", mg="150", weeks=10, response="no_response", **more) -> TrialFacts:
    return TrialFacts(
        name_as_entered=name,
        kind=more.pop("kind", "medication"),
        daily_dose=Decimal(mg) if mg is not None else None,
        dose_unit=more.pop("dose_unit", "mg/day"),
        weeks_at_dose=weeks,
        # Started 300 days before the day judged unless a row says otherwise: in the episode.
        start_date=more.pop("start_date", TODAY(-300)),
        end_date=more.pop("end_date", None),
        response=response,
        percent_improvement=more.pop("percent_improvement", None),
        adherence=more.pop("adherence", "as_prescribed"),
        role=more.pop("role", ""),
    )


def therapy(weeks=12) -> TrialFacts:
    return med("CBT", mg=None, weeks=weeks, kind="psychotherapy", dose_unit="")


def base_facts(today: date) -> CaseFacts:
    """Meets Cigna's TRD set: an adult, MDD recurrent severe, two failed antidepressants from
    two classes in the current episode, a psychiatrist, the PDMP checked."""
    return CaseFacts(
        on=today,
        indication="trd",
        date_of_birth=today.replace(year=today.year - 40),
        diagnosis_codes=("F33.2",),
        trials=(
            med("sertraline", "150", 10, start_date=today - timedelta(days=400)),
            med("venlafaxine", "225", 8, start_date=today - timedelta(days=300)),
        ),
        scores=(ScoreFact("phq9", 21, today - timedelta(days=10)),),
        prescriber_specialty="psychiatrist",
        prescriber_label="Dr. Okafor (Psychiatrist)",
        rems_certified="yes",
        pdmp_checked_on=today - timedelta(days=5),
        oral_antidepressant_continues="yes",
        substance_use_screen="no_concern",
        episode_start=today - timedelta(days=500),
    )


def spec_for(key: str, on: date) -> SetSpec:
    rows = CriteriaSet.objects.filter(policy_key=key).prefetch_related("criteria")
    effective = [s for s in map(criteria_set_spec, rows) if _in_effect(s, on)]
    assert len(effective) == 1, (key, on, effective)
    return effective[0]


def _in_effect(spec: SetSpec, on: date) -> bool:
    return (spec.effective_from or date.min) <= on <= (spec.effective_to or date.max)


def findings_by_kind(report) -> dict[str, Verdict]:
    """Kind -> verdict; an any-of line under "any:<kind>+<kind>"."""
    out = {}
    for line in report.lines:
        if line.any_of:
            out["any:" + "+".join(f.rule.kind for f in line.findings)] = line.verdict
        for finding in line.findings:
            out.setdefault(finding.rule.kind, finding.verdict)
    for finding in report.renewal:
        out["renewal"] = finding.verdict
    return out


def TODAY(days=0):  # noqa: N802 - read as a constant in the table
    return ("today", days)


def _dated(trial: TrialFacts, today: date) -> TrialFacts:
    return replace(
        trial, start_date=_day(trial.start_date, today), end_date=_day(trial.end_date, today)
    )


def _day(value, today):
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "today":
        return today + timedelta(days=value[1])
    return value


# (set, changes to the facts: a callable of today, expected {kind: verdict, "overall": verdict})
CASES = [
    # --- met / not met / unknown, Cigna TRD (current version) ---
    pytest.param(
        "cigna-spravato",
        lambda t: {},
        {
            **{k: Y for k in ("min_age", "diagnosis", "failed_trials", "prescriber", "pdmp")},
            "exclusion": U,  # only the clinic can answer the psychosis question
            "overall": U,
        },
        id="cigna-met-but-the-clinic-question",
    ),
    pytest.param("medicare-a59250-spravato", lambda t: {}, {"overall": Y}, id="medicare-all-met"),
    pytest.param(
        "cigna-spravato",
        lambda t: {"date_of_birth": None},
        {"min_age": U, "overall": U},
        id="no-date-of-birth-is-unknown",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"date_of_birth": t.replace(year=t.year - 18)},
        {"min_age": Y},
        id="age-18-today-meets-at-least-18",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"date_of_birth": t.replace(year=t.year - 18) + timedelta(days=1)},
        {"min_age": N, "overall": N},
        id="a-day-short-of-18",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"diagnosis_codes": ("F41.1",)},
        {"diagnosis": N, "overall": N},
        id="anxiety-code-is-not-mdd",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"diagnosis_codes": ()},
        {"diagnosis": N},
        id="no-diagnosis-yet",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"prescriber_specialty": "pcp", "prescriber_label": "Dr. Lee (PCP)"},
        {"prescriber": N},
        id="pcp-is-not-a-psychiatrist",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"prescriber_specialty": ""},
        {"prescriber": U},
        id="no-prescriber-named",
    ),
    pytest.param(
        "cigna-spravato", lambda t: {"pdmp_checked_on": None}, {"pdmp": U}, id="pdmp-not-checked"
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {},
        {"exclusion": U},
        id="psychosis-question-waits-on-the-clinic",
    ),
    # --- failed trials: count, classes, weeks (≥ 6), dose ---
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("sertraline"), med("escitalopram", "20"))},
        {"failed_trials": N},
        id="two-ssris-are-one-class",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("sertraline", weeks=6), med("venlafaxine", "225", 6))},
        {"failed_trials": Y},
        id="six-weeks-meets-at-least-six",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("sertraline", weeks=5), med("venlafaxine", "225", 8))},
        {"failed_trials": N},
        id="five-weeks-is-short",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("sertraline", "25"), med("venlafaxine", "225"))},
        {"failed_trials": N},
        id="below-the-minimum-dose",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("Zoloft"), med("Effexor XR", "225"))},
        {"failed_trials": Y},
        id="brand-names-match",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("sertaline"), med("venlafaxine", "225"))},
        {"failed_trials": Y},
        id="a-common-misspelling-matches",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("Happyzine"), med("venlafaxine", "225"))},
        {"failed_trials": U, "overall": U},
        id="an-unknown-drug-is-unknown",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("sertraline", None), med("venlafaxine", "225"))},
        {"failed_trials": U},
        id="a-missing-dose-is-unknown",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("sertraline", response="remission"), med("venlafaxine", "225"))},
        {"failed_trials": N},
        id="remission-is-not-a-failure",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("sertraline", response="partial"), med("venlafaxine", "225"))},
        {"failed_trials": U},
        id="partial-response-without-a-percentage",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {
            "trials": (
                med("sertraline", response="partial", percent_improvement=25),
                med("venlafaxine", "225"),
            )
        },
        {"failed_trials": Y},
        id="25-percent-improvement-is-a-failure",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {
            "trials": (
                med("sertraline", response="partial", percent_improvement=26),
                med("venlafaxine", "225"),
            )
        },
        {"failed_trials": N},
        id="26-percent-improvement-is-not",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {
            "trials": (
                med("sertraline", "25", 2, response="side_effects"),
                med("venlafaxine", "225"),
            )
        },
        {"failed_trials": Y},
        id="stopped-for-side-effects-counts",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (med("Symbyax 6/25"), med("venlafaxine", "225"))},
        {"failed_trials": Y},
        id="olanzapine-fluoxetine-counts-as-an-ssri-trial",
    ),
    # --- current episode ---
    pytest.param(
        "cigna-spravato",
        lambda t: {
            "episode_start": t - timedelta(days=200),
            "trials": (
                med("sertraline", end_date=TODAY(-250)),
                med("venlafaxine", "225", end_date=TODAY(-201)),
            ),
        },
        {"failed_trials": N},
        id="trial-ended-before-the-episode",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"episode_start": None},
        {"failed_trials": U},
        id="episode-start-unknown",
    ),
    # --- look-back window (CareFirst: within 5 years, 8 weeks) ---
    pytest.param(
        "carefirst-caremark-spravato",
        lambda t: {
            "trials": (
                med("sertraline", weeks=8, end_date=t - timedelta(days=6 * 365)),
                med("venlafaxine", "225", 8, end_date=t - timedelta(days=100)),
            ),
            "episode_start": t - timedelta(days=7 * 365),
        },
        {"failed_trials": N},
        id="a-trial-outside-the-5-year-window",
    ),
    pytest.param(
        "carefirst-caremark-spravato",
        lambda t: {
            "trials": (
                med("sertraline", weeks=8, end_date=t - timedelta(days=4 * 365)),
                med("venlafaxine", "225", 8, end_date=t - timedelta(days=100)),
                therapy(),
            ),
            "episode_start": t - timedelta(days=7 * 365),
            "scores": (ScoreFact("madrs", 34, t - timedelta(days=3)),),
        },
        {"failed_trials": Y, "any:augmentation+psychotherapy": Y, "baseline_score": Y},
        id="inside-the-window-with-therapy",
    ),
    # --- any-of: augmentation OR psychotherapy ---
    pytest.param(
        "carefirst-caremark-spravato",
        lambda t: {"trials": (*base_facts(t).trials, med("aripiprazole", "5", 9))},
        {"augmentation": Y, "psychotherapy": N, "any:augmentation+psychotherapy": Y},
        id="augmentation-alone-meets-the-group",
    ),
    pytest.param(
        "carefirst-caremark-spravato",
        lambda t: {
            "trials": (*base_facts(t).trials, med("bupropion", "300", 9, role="augmentation"))
        },
        {"augmentation": Y, "any:augmentation+psychotherapy": Y},
        id="an-antidepressant-marked-as-an-add-on-is-augmentation",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {
            "trials": (
                base_facts(t).trials[0],
                med("trazodone", "300", 10, role="other"),
            )
        },
        {"failed_trials": N, "overall": N},
        id="trazodone-for-sleep-is-no-antidepressant-trial",
    ),
    pytest.param(
        "cigna-spravato",
        lambda t: {"trials": (base_facts(t).trials[0], med("trazodone", "300", 10))},
        {"failed_trials": Y},
        id="trazodone-left-on-not-sure-counts-by-its-class",
    ),
    pytest.param(
        "carefirst-caremark-spravato",
        lambda t: {},
        {"any:augmentation+psychotherapy": N},
        id="neither-augmentation-nor-therapy",
    ),
    pytest.param(
        "carefirst-caremark-spravato",
        lambda t: {"trials": (*base_facts(t).trials, med("lithium", None, None))},
        {"augmentation": U, "any:augmentation+psychotherapy": U},
        id="augmentation-without-weeks-is-unknown",
    ),
    # --- > vs ≥ (QualChoice: >4 weeks, PHQ-9 >15 within 4 weeks, age 18-64) ---
    pytest.param(
        "qualchoice-spravato",
        lambda t: {"trials": (med("sertraline", weeks=4), med("venlafaxine", "225", 4))},
        {"failed_trials": N},
        id="four-weeks-is-not-more-than-four",
    ),
    pytest.param(
        "qualchoice-spravato",
        lambda t: {"trials": (med("sertraline", weeks=5), med("venlafaxine", "225", 5))},
        {"failed_trials": Y},
        id="five-weeks-is-more-than-four",
    ),
    pytest.param(
        "qualchoice-spravato",
        lambda t: {"scores": (ScoreFact("phq9", 15, t - timedelta(days=3)),)},
        {"baseline_score": N},
        id="phq9-15-is-not-above-15",
    ),
    pytest.param(
        "qualchoice-spravato",
        lambda t: {"scores": (ScoreFact("phq9", 16, t - timedelta(days=28)),)},
        {"baseline_score": Y},
        id="phq9-16-on-the-28th-day",
    ),
    pytest.param(
        "qualchoice-spravato",
        lambda t: {"scores": (ScoreFact("phq9", 22, t - timedelta(days=29)),)},
        {"baseline_score": N},
        id="phq9-too-old",
    ),
    pytest.param(
        "qualchoice-spravato",
        lambda t: {"date_of_birth": t.replace(year=t.year - 65)},
        {"min_age": N},
        id="65-is-over-the-upper-age",
    ),
    pytest.param(
        "qualchoice-spravato",
        lambda t: {"date_of_birth": t.replace(year=t.year - 64)},
        {"min_age": Y},
        id="64-is-within",
    ),
    pytest.param(
        "rx501-105-spravato",
        lambda t: {"scores": (ScoreFact("madrs", 28, t - timedelta(days=3)),)},
        {"baseline_score": Y},
        id="madrs-28-meets-at-least-28",
    ),
    pytest.param(
        "rx501-105-spravato",
        lambda t: {"scores": (ScoreFact("madrs", 27, t - timedelta(days=3)),)},
        {"baseline_score": N},
        id="madrs-27-falls-short",
    ),
    pytest.param(
        "medical-mutual-spravato",
        lambda t: {
            "trials": (
                med("sertraline", adherence="unknown"),
                med("venlafaxine", "225"),
            )
        },
        {"failed_trials": U, "psychotherapy": U},
        id="adherence-unknown-and-therapy-if-available",
    ),
    pytest.param(
        "bcbsma-087",
        lambda t: {},
        {"failed_trials": N, "augmentation": N, "clinic_confirms": U, "overall": N},
        id="bcbsma-needs-four-and-an-augmentation",
    ),
    pytest.param(
        "rx501-105-spravato",
        lambda t: {"substance_use_screen": "concern"},
        {"substance_use": U},
        id="a-substance-use-concern-waits-on-the-clinic",
    ),
    # --- REMS and the oral antidepressant ---
    pytest.param(
        "bcbsnd-spravato",
        lambda t: {"rems_certified": "no"},
        {"rems_setting": N},
        id="not-a-rems-site",
    ),
    pytest.param(
        "bcbsnd-spravato",
        lambda t: {"oral_antidepressant_continues": "ask_clinic"},
        {"oral_antidepressant": U},
        id="oral-antidepressant-ask-clinic",
    ),
    # --- renewal (after an approval) ---
    pytest.param(
        "qualchoice-spravato",
        lambda t: {
            "approved_from": t - timedelta(days=90),
            "scores": (
                ScoreFact("phq9", 20, t - timedelta(days=95)),
                ScoreFact("phq9", 9, t - timedelta(days=2)),
            ),
        },
        {"renewal": Y},
        id="renewal-55-percent-drop-is-more-than-50",
    ),
    pytest.param(
        "qualchoice-spravato",
        lambda t: {
            "approved_from": t - timedelta(days=90),
            "scores": (
                ScoreFact("phq9", 20, t - timedelta(days=95)),
                ScoreFact("phq9", 10, t - timedelta(days=2)),
            ),
        },
        {"renewal": N},
        id="renewal-exactly-50-percent-is-not-more",
    ),
    pytest.param(
        "qualchoice-spravato",
        lambda t: {
            "approved_from": t - timedelta(days=90),
            "scores": (ScoreFact("phq9", 20, t - timedelta(days=95)),),
        },
        {"renewal": U},
        id="renewal-without-a-new-score",
    ),
    pytest.param(
        "evicore-spravato",
        lambda t: {"approved_from": t - timedelta(days=30)},
        {"renewal": U},
        id="renewal-asks-for-documented-benefit",
    ),
]


@pytest.mark.parametrize(("key", "changes", "expected"), CASES)
def test_a_case_against_a_seeded_set(criteria_sets, key, changes, expected):
    today = timezone.localdate()
    facts = base_facts(today)
    facts = replace(facts, **{k: _day(v, today) for k, v in changes(today).items()})
    facts = replace(facts, trials=tuple(_dated(trial, today) for trial in facts.trials))

    report = evaluate(spec_for(key, facts.on), facts)

    found = findings_by_kind(report)
    for kind, verdict in expected.items():
        if kind == "overall":
            assert report.verdict == verdict, report
        else:
            assert found.get(kind) == verdict, (kind, found, report)


def test_every_finding_has_evidence_or_a_next_step(criteria_sets):
    today = timezone.localdate()
    facts = replace(base_facts(today), date_of_birth=None, trials=(), pdmp_checked_on=None)
    for row in CriteriaSet.objects.prefetch_related("criteria"):
        report = evaluate(criteria_set_spec(row), replace(facts, indication=row.indications[0]))
        for line in report.lines:
            for finding in line.findings:
                if finding.verdict != Verdict.YES:
                    assert finding.next_step, (row.policy_key, finding)


def test_the_evidence_names_the_trials(criteria_sets):
    today = timezone.localdate()
    report = evaluate(spec_for("cigna-spravato", today), base_facts(today))
    line = next(line for line in report.lines if line.findings[0].rule.kind == Kind.FAILED_TRIALS)
    assert "sertraline 150 mg/day, 10 weeks, no response" in line.findings[0].evidence


# --- effective dating across the monotherapy approval (2025-01-21, DOMAIN.md §1.1 [R21]) ---


@pytest.mark.parametrize(
    ("on", "asks_for_oral_antidepressant"),
    [
        (MONOTHERAPY_APPROVAL - timedelta(days=1), True),
        (MONOTHERAPY_APPROVAL, False),
    ],
    ids=["the-day-before", "the-day-of"],
)
def test_cigna_before_and_after_the_monotherapy_approval(
    criteria_sets, on, asks_for_oral_antidepressant
):
    facts = replace(base_facts(on), oral_antidepressant_continues="no")
    report = evaluate(spec_for("cigna-spravato", on), facts)

    kinds = findings_by_kind(report)
    assert ("oral_antidepressant" in kinds) is asks_for_oral_antidepressant
    # After the change only the clinic's psychosis question is left open.
    assert report.verdict == (Verdict.NO if asks_for_oral_antidepressant else Verdict.UNKNOWN)
    assert report.appeal_points == ()  # before the label change it matched the label


def test_a_policy_that_still_requires_an_oral_antidepressant_is_an_appeal_point(criteria_sets):
    today = timezone.localdate()
    spec = replace(spec_for("evicore-spravato", today), version_date=date(2024, 6, 1))

    report = evaluate(spec, base_facts(today))

    assert len(report.appeal_points) == 1
    assert "predates" in report.appeal_points[0]


# --- experimental IV sets ---


def test_an_experimental_iv_set_says_so_and_has_nothing_to_meet(criteria_sets):
    today = timezone.localdate()
    report = evaluate(spec_for("aetna-cpb-0938", today), base_facts(today))

    assert report.experimental
    assert report.lines == ()
    assert report.verdict == Verdict.NO


# --- the sets as data ---


def test_every_seeded_criterion_has_valid_parameters(criteria_sets):
    assert CriteriaSet.objects.count() >= 19
    for criterion in Criterion.objects.all():
        criterion.full_clean()


def test_staff_get_a_message_for_bad_parameters(criteria_sets):
    criterion = Criterion(
        criteria_set=CriteriaSet.objects.first(), kind=Kind.MIN_AGE, params={"years": "18"}
    )
    with pytest.raises(ValidationError) as raised:
        criterion.full_clean()
    assert "“years” must be a whole number." in str(raised.value)
    assert params_errors(Kind.BASELINE_SCORE, {"scales": {"phq10": 5}}) == [
        "“phq10” is not a known scale."
    ]


def test_an_any_of_group_keeps_the_policys_order():
    spec = SetSpec(
        name="Test",
        rules=(
            Rule(Kind.MIN_AGE, {"years": 18}),
            Rule(Kind.AUGMENTATION, {"count": 1}, group="g"),
            Rule(Kind.PDMP),
            Rule(Kind.PSYCHOTHERAPY, group="g"),
        ),
    )
    today = date(2026, 1, 1)
    report = evaluate(spec, replace(base_facts(today), trials=(therapy(),)))

    assert [[f.rule.kind for f in line.findings] for line in report.lines] == [
        ["min_age"],
        ["augmentation", "psychotherapy"],
        ["pdmp"],
    ]
    assert report.lines[1].verdict == Verdict.YES
