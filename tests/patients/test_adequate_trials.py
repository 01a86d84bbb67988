"""The adequate-trial rules (patients.adequate_trials): one table row per rule and its edge.

Each row names the trial's facts (changes from a sertraline trial at 150 mg/day for 10 weeks
with no response), the criteria set's parameters and the verdicts expected. The functions are
pure: every date is fixed in the data, none depends on today.
"""

from datetime import date
from decimal import Decimal

import pytest

from patients.adequate_trials import (
    TrialAssessment,
    TrialFacts,
    Verdict,
    assess_trial,
    counts_as_failed_trial,
    distinct_classes,
    trial_in_window,
)
from patients.drugs import (
    ANTIDEPRESSANT_ROLE,
    AUGMENTATION_ROLE,
    DRUGS,
    OTHER_ROLE,
    match_drug,
)
from patients.models import TreatmentTrial

Y, N, U = Verdict.YES, Verdict.NO, Verdict.UNKNOWN


def facts(**changes: object) -> TrialFacts:
    base: dict[str, object] = {
        "name_as_entered": "sertraline",
        "kind": "medication",
        "daily_dose": Decimal(150),
        "dose_unit": "mg/day",
        "weeks_at_dose": 10,
        "start_date": None,
        "end_date": None,
        "response": "no_response",
        "percent_improvement": None,
    }
    return TrialFacts(**{**base, **changes})  # type: ignore[arg-type]


def dose(value: str) -> Decimal:
    return Decimal(value)


# (facts changed, set parameters, adequate, failed, more: attribute -> value, or a substring of
# evidence / missing)
CASES = [
    # --- the minimum dose (DOMAIN.md §3: sertraline 50 mg/day) ---
    pytest.param({"daily_dose": dose("50")}, {}, Y, Y, {}, id="at-the-minimum-dose"),
    pytest.param(
        {"daily_dose": dose("49.5")}, {}, N, Y, {"dose_ok": N}, id="just-below-the-minimum"
    ),
    pytest.param(
        {"daily_dose": dose("200")},
        {},
        Y,
        Y,
        {"evidence": "sertraline 200 mg/day, 10 weeks, no response", "missing": ""},
        id="above-the-minimum",
    ),
    pytest.param(
        {"name_as_entered": "Paxil CR", "daily_dose": dose("20")},
        {},
        N,
        Y,
        {"minimum_mg": Decimal(25)},
        id="paroxetine-CR-needs-25-not-20",
    ),
    pytest.param(
        {"name_as_entered": "paroxetine", "daily_dose": dose("20")},
        {},
        Y,
        Y,
        {},
        id="paroxetine-20",
    ),
    # --- weeks at the dose: >= the set's minimum ---
    pytest.param({"weeks_at_dose": 6}, {"min_weeks": 6}, Y, Y, {}, id="weeks-at-the-edge"),
    pytest.param(
        {"weeks_at_dose": 5}, {"min_weeks": 6}, N, Y, {"weeks_ok": N}, id="weeks-one-short"
    ),
    pytest.param({"weeks_at_dose": 7}, {"min_weeks": 8}, N, Y, {}, id="seven-weeks-under-an-8"),
    pytest.param({"weeks_at_dose": 4}, {"min_weeks": 4}, Y, Y, {}, id="four-weeks-under-a-4"),
    # --- brand names and misspellings ---
    pytest.param(
        {"name_as_entered": "Zoloft", "daily_dose": dose("50")},
        {},
        Y,
        Y,
        {"drug_class": "SSRI", "evidence": "sertraline 50 mg/day"},
        id="brand-Zoloft",
    ),
    pytest.param(
        {"name_as_entered": "Lexapro", "daily_dose": dose("5")}, {}, N, Y, {}, id="Lexapro-5-mg"
    ),
    pytest.param(
        {"name_as_entered": "Wellbutrin XL", "daily_dose": dose("300")},
        {},
        Y,
        Y,
        {"drug_class": "NDRI"},
        id="brand-Wellbutrin-XL",
    ),
    pytest.param(
        {"name_as_entered": "Wellbutrin SR", "daily_dose": dose("150")},
        {},
        N,
        Y,
        {},
        id="Wellbutrin-SR-150-below-300",
    ),
    pytest.param(
        {"name_as_entered": "Effexor XR", "daily_dose": dose("150")},
        {},
        Y,
        Y,
        {"drug_class": "SNRI"},
        id="brand-Effexor-XR",
    ),
    pytest.param(
        {"name_as_entered": "sertaline", "daily_dose": dose("100")},
        {},
        Y,
        Y,
        {"drug_class": "SSRI"},
        id="misspelt-sertaline",
    ),
    pytest.param(
        {"name_as_entered": "lexipro 10mg", "daily_dose": dose("10")},
        {},
        Y,
        Y,
        {"evidence": "escitalopram"},
        id="misspelt-lexipro",
    ),
    pytest.param(
        {"name_as_entered": "welbutrin", "daily_dose": dose("300")},
        {},
        Y,
        Y,
        {"evidence": "bupropion"},
        id="misspelt-welbutrin",
    ),
    pytest.param(
        {"name_as_entered": "cymbalta 60mg", "daily_dose": dose("60")},
        {},
        Y,
        Y,
        {"evidence": "duloxetine"},
        id="cymbalta-60mg",
    ),
    # --- unknown: never silently adequate ---
    pytest.param(
        {"name_as_entered": "Zyprexa"},
        {},
        U,
        Y,
        {"drug": None, "drug_class": "", "is_antidepressant": False, "missing": "“Zyprexa”"},
        id="unknown-drug",
    ),
    pytest.param(
        {"name_as_entered": "Zoloft", "daily_dose": None},
        {},
        U,
        Y,
        {"missing": "the dose of Zoloft per day", "evidence": "dose not recorded"},
        id="missing-dose",
    ),
    pytest.param(
        {"weeks_at_dose": None},
        {},
        U,
        Y,
        {"missing": "how many weeks sertraline", "evidence": "weeks not recorded"},
        id="missing-weeks-no-dates",
    ),
    pytest.param(
        {
            "weeks_at_dose": None,
            "start_date": date(2024, 1, 1),
            "end_date": date(2024, 2, 12),
        },
        {"min_weeks": 6},
        Y,
        Y,
        {"weeks": 6, "weeks_from_dates": True, "evidence": "6 weeks from the start and stop"},
        id="missing-weeks-six-weeks-of-dates",
    ),
    pytest.param(
        {
            "weeks_at_dose": None,
            "start_date": date(2024, 1, 1),
            "end_date": date(2024, 2, 11),
        },
        {"min_weeks": 6},
        N,
        Y,
        {"weeks": 5},
        id="missing-weeks-a-day-short-of-six-by-dates",
    ),
    pytest.param(
        {
            "weeks_at_dose": None,
            "start_date": date(2024, 1, 1),
            "start_precision": "month",
            "end_date": date(2024, 2, 29),
            "end_precision": "month",
        },
        {"min_weeks": 6},
        U,
        Y,
        {"missing": "the exact start and stop dates", "evidence": "0 to 8 weeks"},
        id="month-only-dates-straddle-the-minimum",
    ),
    # --- the outcome ---
    pytest.param(
        {"response": "remission"}, {}, Y, N, {"evidence": "remission"}, id="remission-not-failed"
    ),
    pytest.param(
        {"response": "partial", "percent_improvement": 25},
        {},
        Y,
        Y,
        {"evidence": "partial response, 25% improvement"},
        id="partial-25-inclusive",
    ),
    pytest.param(
        {"response": "partial", "percent_improvement": 25},
        {"improvement_inclusive": False},
        Y,
        N,
        {},
        id="partial-25-exclusive",
    ),
    pytest.param(
        {"response": "partial", "percent_improvement": 24},
        {"improvement_inclusive": False},
        Y,
        Y,
        {},
        id="partial-24-exclusive",
    ),
    pytest.param({"response": "partial", "percent_improvement": 26}, {}, Y, N, {}, id="partial-26"),
    pytest.param(
        {"response": "partial", "percent_improvement": 40},
        {"max_improvement_percent": 50},
        Y,
        Y,
        {},
        id="partial-40-under-a-50-percent-set",
    ),
    pytest.param(
        {"response": "partial"},
        {},
        Y,
        U,
        {"missing": "as a measured percentage"},
        id="partial-without-a-percentage",
    ),
    pytest.param(
        {"response": "side_effects", "daily_dose": dose("25"), "weeks_at_dose": 2},
        {},
        Y,
        Y,
        {"missing": "", "evidence": "stopped for side effects"},
        id="intolerance-counted",
    ),
    pytest.param(
        {"response": "side_effects", "daily_dose": dose("25"), "weeks_at_dose": 2},
        {"counts_intolerance": False},
        N,
        N,
        {"evidence": "not counted as a failure"},
        id="intolerance-not-counted",
    ),
    pytest.param(
        {"response": "ongoing", "weeks_at_dose": 3},
        {},
        N,
        U,
        {"missing": "once it has been taken long enough"},
        id="ongoing",
    ),
    pytest.param(
        {"response": ""}, {}, Y, U, {"missing": "how sertraline went"}, id="outcome-not-recorded"
    ),
    # --- units ---
    pytest.param(
        {"name_as_entered": "Cytomel", "daily_dose": dose("25"), "dose_unit": "mcg/day"},
        {},
        U,
        Y,
        {
            "daily_mg": Decimal("0.025"),
            "is_augmentation": True,
            "augmentation_type": "thyroid hormone",
            "evidence": "liothyronine (T3) 25 mcg/day",
            "missing": "no minimum dose is on file",
        },
        id="mcg-liothyronine-converts-no-minimum-in-DOMAIN",
    ),
    pytest.param(
        {"name_as_entered": "fluoxetine", "daily_dose": dose("20000"), "dose_unit": "mcg/day"},
        {},
        Y,
        Y,
        {"daily_mg": Decimal(20)},
        id="mcg-converts-to-the-mg-minimum",
    ),
    pytest.param(
        {"name_as_entered": "fluoxetine", "daily_dose": dose("20"), "dose_unit": "mcg/day"},
        {},
        U,
        Y,
        {"missing": "in mg or mcg"},
        id="mcg-of-a-mg-drug-is-asked-not-failed",
    ),
    pytest.param(
        {"name_as_entered": "Emsam", "daily_dose": dose("6"), "dose_unit": "mg/24h"},
        {},
        Y,
        Y,
        {"drug_class": "MAOI"},
        id="selegiline-patch-mg-per-24h",
    ),
    # --- the combination product ---
    pytest.param(
        {"name_as_entered": "Symbyax 6/25", "daily_dose": dose("6")},
        {},
        Y,
        Y,
        {
            "drug_class": "SSRI",
            "is_antidepressant": True,
            "is_augmentation": True,
            "evidence": "olanzapine/fluoxetine",
        },
        id="Symbyax-is-SSRI-and-augmentation",
    ),
    pytest.param(
        {"name_as_entered": "olanzapine and fluoxetine 12/50", "daily_dose": dose("12")},
        {},
        Y,
        Y,
        {"drug_class": "SSRI", "is_augmentation": True},
        id="olanzapine-and-fluoxetine-is-the-combination",
    ),
    pytest.param(
        {"name_as_entered": "Symbyax 6/10", "daily_dose": dose("6")},
        {},
        N,
        Y,
        {},
        id="combination-fluoxetine-part-below-20",
    ),
    pytest.param(
        {"name_as_entered": "Symbyax", "daily_dose": dose("6")},
        {},
        U,
        Y,
        {"missing": "which strength of Symbyax"},
        id="combination-without-its-strength",
    ),
    # --- augmentation agents ---
    pytest.param(
        {"name_as_entered": "Abilify", "daily_dose": dose("5")},
        {},
        Y,
        Y,
        {"is_antidepressant": False, "is_augmentation": True, "augmentation_type": "SGA"},
        id="aripiprazole-5",
    ),
    pytest.param(
        {"name_as_entered": "Abilify", "daily_dose": dose("2")}, {}, N, Y, {}, id="aripiprazole-2"
    ),
    pytest.param(
        {"name_as_entered": "Seroquel XR", "daily_dose": dose("150")},
        {},
        Y,
        Y,
        {"minimum_mg": Decimal(150)},
        id="quetiapine-150",
    ),
    pytest.param(
        {"name_as_entered": "lithium carbonate", "daily_dose": dose("900")},
        {},
        U,
        Y,
        {"missing": "lithium blood level"},
        id="lithium-judged-by-blood-level",
    ),
    pytest.param(
        {"name_as_entered": "Spravato", "daily_dose": dose("84")},
        {},
        U,
        Y,
        {"is_antidepressant": False, "is_augmentation": False},
        id="esketamine-is-neither",
    ),
    # --- other kinds of treatment ---
    pytest.param(
        {
            "name_as_entered": "CBT",
            "kind": "psychotherapy",
            "daily_dose": None,
            "weeks_at_dose": 12,
            "response": "partial",
            "percent_improvement": 10,
        },
        {"min_weeks": 0},
        Y,
        Y,
        {"drug": None, "is_antidepressant": False, "is_augmentation": False, "missing": ""},
        id="psychotherapy-is-no-antidepressant",
    ),
    pytest.param(
        {"name_as_entered": "Zoloft", "kind": "tms", "weeks_at_dose": 4},
        {"min_weeks": 6},
        N,
        Y,
        {"drug": None, "is_antidepressant": False},
        id="a-drug-name-under-tms-is-not-a-drug-trial",
    ),
]


@pytest.mark.parametrize(("changes", "params", "adequate", "failed", "more"), CASES)
def test_a_trial_is_assessed(changes, params, adequate, failed, more):
    assessment = assess_trial(facts(**changes), **{"min_weeks": 6, **params})

    assert (assessment.adequate, assessment.failed) == (adequate, failed)
    for attribute, expected in more.items():
        value = getattr(assessment, attribute)
        if attribute in ("evidence", "missing") and expected:
            assert expected in value
        else:
            assert value == expected, attribute
    # Something UNKNOWN always names what to document next; nothing else asks for anything.
    assert bool(assessment.missing) == (U in (adequate, failed))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"end_date": date(2021, 3, 1)}, Y, id="stopped-on-the-first-day"),
        pytest.param({"end_date": date(2021, 2, 28)}, N, id="stopped-the-day-before"),
        pytest.param({}, U, id="no-dates"),
        pytest.param({"response": "ongoing"}, U, id="ongoing-without-dates"),
        pytest.param(
            {"start_date": date(2020, 6, 1), "response": "ongoing"}, Y, id="ongoing-since-before"
        ),
        pytest.param({"start_date": date(2021, 4, 1)}, Y, id="started-inside-no-stop"),
        pytest.param({"start_date": date(2020, 6, 1)}, U, id="started-before-stop-unknown"),
        pytest.param(
            {"end_date": date(2021, 3, 31), "end_precision": "month"},
            Y,
            id="stopped-in-the-first-month-of-the-window",
        ),
        pytest.param(
            {"end_date": date(2021, 2, 28), "end_precision": "month"},
            N,
            id="stopped-in-the-month-before",
        ),
    ],
)
def test_the_look_back_window(changes, expected):
    assert trial_in_window(facts(**changes), since=date(2021, 3, 1)) == expected


def test_a_month_only_stop_date_in_the_month_the_window_opens_is_unknown():
    trial = facts(end_date=date(2021, 3, 31), end_precision="month")
    assert trial_in_window(trial, since=date(2021, 3, 15)) == U


def _assess(name: str) -> TrialAssessment:
    return assess_trial(facts(name_as_entered=name), min_weeks=6)


def test_distinct_classes_count_a_combination_in_its_antidepressant_class():
    trials = ["Zoloft", "Symbyax 6/25", "Wellbutrin XL", "Abilify", "CBT homework app", "lithium"]
    assert distinct_classes(map(_assess, trials)) == {"SSRI", "NDRI"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, Y, id="adequate-and-failed"),
        pytest.param({"response": "remission"}, N, id="adequate-not-failed"),
        pytest.param({"weeks_at_dose": 2}, N, id="failed-too-short"),
        pytest.param({"daily_dose": None}, U, id="failed-dose-unknown"),
    ],
)
def test_a_failed_trial_counts_only_when_adequate_too(changes, expected):
    assert counts_as_failed_trial(assess_trial(facts(**changes), min_weeks=6)) == expected


@pytest.mark.parametrize(
    ("typed", "generic"),
    [
        ("Zoloft", "sertraline"),
        ("sertaline", "sertraline"),
        ("Lexapro 10 mg", "escitalopram"),
        ("lexipro", "escitalopram"),
        ("Wellbutrin SR", "bupropion"),
        ("welbutrin XL", "bupropion"),
        ("buproprion", "bupropion"),
        ("Effexor XR 150", "venlafaxine"),
        ("cymbalta 60mg", "duloxetine"),
        ("prozak", "fluoxetine"),
        ("Paxil CR", "paroxetine"),
        ("Paxil", "paroxetine"),
        ("Symbyax", "olanzapine/fluoxetine"),
        ("olanzapine and fluoxetine", "olanzapine/fluoxetine"),
        ("fluoxetine + olanzepine", "olanzapine/fluoxetine"),
        ("fluoxetine", "fluoxetine"),
        ("olanzapine", None),
        ("T3", "liothyronine (T3)"),
        ("Emsam patch", "selegiline transdermal"),
        ("vitamin D", None),
    ],
)
def test_names_patients_type_match_the_drug(typed, generic):
    drug = match_drug(typed)
    assert (drug.generic if drug else None) == generic


def test_every_antidepressant_has_a_minimum_dose_and_no_class_is_made_up():
    for drug in DRUGS:
        if drug.drug_class in ("SSRI", "SNRI", "NDRI", "NaSSA", "SARI", "TCA", "MAOI"):
            assert drug.atrq_min_mg_per_day, drug.generic
    # A combination counts in its antidepressant part's class, never as a class of its own.
    assert match_drug("Symbyax").antidepressant_class == match_drug("Prozac").drug_class


def test_the_module_uses_the_models_choice_values():
    assert {"medication", "psychotherapy"} <= set(TreatmentTrial.Kind.values)
    assert set(TreatmentTrial.Response.values) == {
        "no_response",
        "partial",
        "remission",
        "side_effects",
        "ongoing",
    }
    assert set(TreatmentTrial.DoseUnit.values) == {"mg/day", "mcg/day", "mg/24h"}
    assert set(TreatmentTrial.Adherence.values) == {
        "as_prescribed",
        "mostly",
        "often_missed",
        "unknown",
    }


@pytest.mark.parametrize(
    ("name", "kind", "role", "antidepressant", "augmentation"),
    [
        ("sertraline", "medication", "", True, False),
        ("aripiprazole", "medication", "", False, True),
        # A combination left on "not sure" is both; marked, it is what the patient says.
        ("olanzapine/fluoxetine", "medication", "", True, True),
        ("olanzapine/fluoxetine", "medication", "antidepressant", True, False),
        # An antidepressant added to another one is an augmentation trial, not a trial of its own.
        ("bupropion", "medication", "augmentation", False, True),
        # Trazodone for sleep is neither.
        ("trazodone", "medication", "other", False, False),
        ("Zyxorin", "medication", "augmentation", False, True),
        ("CBT", "psychotherapy", "", False, False),
    ],
)
def test_the_role_the_patient_chose_decides_what_a_trial_counts_as(
    name, kind, role, antidepressant, augmentation
):
    trial = facts(
        name_as_entered=name,
        kind=kind,
        role=role,
        daily_dose=None if kind != "medication" else Decimal(100),
    )

    assessment = assess_trial(trial, min_weeks=6)

    assert (assessment.is_antidepressant, assessment.is_augmentation) == (
        antidepressant,
        augmentation,
    )


def test_the_role_values_are_the_models():
    assert set(TreatmentTrial.Role.values) == {ANTIDEPRESSANT_ROLE, AUGMENTATION_ROLE, OTHER_ROLE}


def test_a_courses_evidence_names_its_sessions():
    course = facts(
        name_as_entered="CBT",
        kind="psychotherapy",
        daily_dose=None,
        weeks_at_dose=20,
        sessions=16,
        response="partial",
        percent_improvement=20,
    )

    evidence = assess_trial(course, min_weeks=0).evidence

    assert evidence.startswith("CBT, 16 sessions, 20 weeks")


def test_facts_are_read_from_a_trial_without_the_database():
    trial = TreatmentTrial(
        name_as_entered="Zoloft",
        kind="medication",
        daily_dose=Decimal(100),
        weeks_at_dose=8,
        start_date=date(2022, 1, 1),
        start_precision="month",
        response="partial",
        percent_improvement=20,
        adherence="often_missed",
    )
    got = TrialFacts.from_trial(trial)
    assert got == facts(
        name_as_entered="Zoloft",
        daily_dose=Decimal(100),
        weeks_at_dose=8,
        start_date=date(2022, 1, 1),
        start_precision="month",
        response="partial",
        percent_improvement=20,
        adherence="often_missed",
    )
    assessment = assess_trial(got, min_weeks=8)
    assert assessment.adherent == N
    assert assessment.evidence == (
        "sertraline 100 mg/day, 8 weeks, partial response, 20% improvement, many doses missed"
    )
