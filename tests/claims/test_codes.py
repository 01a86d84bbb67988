"""Billing codes by treatment, plan type and date of service (DOMAIN.md §2.1)."""

import datetime as dt

import pytest

from claims.codes import treatment_codes

D = dt.date
LAST_S0013_DAY = D(2025, 12, 31)
FIRST_J0013_DAY = D(2026, 1, 1)
G_CODES = ["G2082", "G2083"]
IV_KETAMINE = ["J3490", "96365", "96366"]

CASES = [
    # id, treatment, plan type, date of service, expected codes
    ("commercial, last S0013 day", "esketamine", "employer_self_funded", LAST_S0013_DAY, ["S0013"]),
    (
        "commercial, first J0013 day",
        "esketamine",
        "employer_self_funded",
        FIRST_J0013_DAY,
        ["J0013"],
    ),
    ("marketplace, 2026", "esketamine", "marketplace", D(2026, 6, 1), ["J0013"]),
    ("Medicaid, last S0013 day", "esketamine", "medicaid", LAST_S0013_DAY, ["S0013"]),
    ("Medicaid, first J0013 day", "esketamine", "medicaid", FIRST_J0013_DAY, ["J0013"]),
    ("Medicare, 2025", "esketamine", "medicare", LAST_S0013_DAY, G_CODES),
    ("Medicare, 2026", "esketamine", "medicare", FIRST_J0013_DAY, G_CODES),
    ("Medicare Advantage, 2025", "esketamine", "medicare_advantage", LAST_S0013_DAY, G_CODES),
    ("Medicare Advantage, 2026", "esketamine", "medicare_advantage", FIRST_J0013_DAY, G_CODES),
    ("TRICARE, 2025", "esketamine", "tricare", LAST_S0013_DAY, G_CODES),
    ("TRICARE, 2026", "esketamine", "tricare", FIRST_J0013_DAY, G_CODES),
    ("FEHB counts as commercial", "esketamine", "fehb", FIRST_J0013_DAY, ["J0013"]),
    ("unknown plan type, 2025", "esketamine", "", LAST_S0013_DAY, ["S0013"]),
    ("unknown plan type, 2026", "esketamine", "", FIRST_J0013_DAY, ["J0013"]),
    (
        "IV ketamine, commercial",
        "iv_ketamine",
        "employer_fully_insured",
        FIRST_J0013_DAY,
        IV_KETAMINE,
    ),
    ("IV ketamine, Medicare", "iv_ketamine", "medicare", LAST_S0013_DAY, IV_KETAMINE),
    ("IV ketamine, unknown plan type", "iv_ketamine", "", FIRST_J0013_DAY, IV_KETAMINE),
    ("other treatment", "other", "employer_self_funded", FIRST_J0013_DAY, []),
    ("other treatment, Medicare", "other", "medicare", FIRST_J0013_DAY, []),
]


@pytest.mark.parametrize(
    ("treatment", "plan_type", "service_date", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_it_picks_the_codes_for_treatment_plan_and_date(
    treatment, plan_type, service_date, expected
):
    codes = treatment_codes(treatment=treatment, plan_type=plan_type, service_date=service_date)
    assert [c.code for c in codes] == expected


@pytest.mark.parametrize(
    ("treatment", "plan_type"),
    [
        ("esketamine", "medicare"),
        ("esketamine", "tricare"),
        ("esketamine", "medicaid"),
        ("iv_ketamine", "marketplace"),
    ],
)
@pytest.mark.parametrize("service_date", [LAST_S0013_DAY, FIRST_J0013_DAY])
def test_every_code_has_a_kind_a_plain_description_and_a_domain_source(
    treatment, plan_type, service_date
):
    for code in treatment_codes(
        treatment=treatment, plan_type=plan_type, service_date=service_date
    ):
        assert code.kind == ("CPT" if code.code.isdigit() else "HCPCS")
        assert code.description
        assert code.source.startswith("DOMAIN.md §2.1 [R")


def test_esketamine_drug_codes_are_one_mg_and_g_codes_split_at_56_mg():
    (s0013,) = treatment_codes(treatment="esketamine", plan_type="", service_date=LAST_S0013_DAY)
    (j0013,) = treatment_codes(treatment="esketamine", plan_type="", service_date=FIRST_J0013_DAY)
    assert s0013.description == j0013.description == "Esketamine nasal spray, 1 mg"
    g2082, g2083 = treatment_codes(
        treatment="esketamine", plan_type="medicare", service_date=FIRST_J0013_DAY
    )
    assert "56 mg or less" in g2082.description
    assert "more than 56 mg" in g2083.description
    assert "drug included" in g2082.description


def test_only_j3490_mentions_the_ndc_and_only_as_a_question_for_the_payer():
    codes = treatment_codes(
        treatment="iv_ketamine", plan_type="marketplace", service_date=FIRST_J0013_DAY
    )
    notes = {c.code: c.note for c in codes}
    assert notes["J3490"] == "Ask the payer whether they need the NDC with this code."
    assert notes["96365"] == notes["96366"] == ""
    assert all("NDC" not in c.description for c in codes)
