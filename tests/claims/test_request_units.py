"""Units per code for a request: one function, by treatment, plan type, date, dose and length."""

import datetime as dt

import pytest

from claims.codes import infusion_hours, request_units

D = dt.date
BEFORE_J0013, AFTER_J0013 = D(2025, 12, 31), D(2026, 1, 1)


def _lines(**kw):
    lines = request_units(**kw)
    return [(line.code.code, line.units_per_session, line.total_units) for line in lines]


@pytest.mark.parametrize(
    ("plan_type", "day", "dose", "sessions", "expected"),
    [
        # Commercial and Medicaid: the drug code per 1 mg, S0013 to 2025-12-31, J0013 after.
        ("employer_self_funded", BEFORE_J0013, 56, 8, [("S0013", 56, 448)]),
        ("employer_self_funded", BEFORE_J0013, 84, 8, [("S0013", 84, 672)]),
        ("employer_fully_insured", AFTER_J0013, 56, 8, [("J0013", 56, 448)]),
        ("marketplace", AFTER_J0013, 84, 8, [("J0013", 84, 672)]),
        ("medicaid", AFTER_J0013, 84, 4, [("J0013", 84, 336)]),
        ("", AFTER_J0013, 56, 1, [("J0013", 56, 56)]),  # plan type not known yet
        # Medicare, Medicare Advantage, TRICARE: a session code by dose band, one per session.
        ("medicare", AFTER_J0013, 56, 8, [("G2082", 1, 8)]),
        ("medicare_advantage", BEFORE_J0013, 84, 8, [("G2083", 1, 8)]),
        ("medicare_advantage", AFTER_J0013, 28, 2, [("G2082", 1, 2)]),  # age 65+: 28 mg start
        ("tricare", AFTER_J0013, 84, 12, [("G2083", 1, 12)]),
    ],
)
def test_esketamine_units(plan_type, day, dose, sessions, expected):
    assert (
        _lines(
            treatment="esketamine",
            plan_type=plan_type,
            service_date=day,
            dose_mg=dose,
            sessions=sessions,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (40, [("J3490", 1, 6), ("96365", 1, 6)]),
        (60, [("J3490", 1, 6), ("96365", 1, 6)]),
        (100, [("J3490", 1, 6), ("96365", 1, 6), ("96366", 1, 6)]),  # 40 min into hour two
        (85, [("J3490", 1, 6), ("96365", 1, 6)]),  # 25 min into hour two: not yet an hour
        (160, [("J3490", 1, 6), ("96365", 1, 6), ("96366", 2, 12)]),
        (12, [("J3490", 1, 6), ("96374", 1, 6)]),  # 15 minutes or less is a push
    ],
)
def test_iv_ketamine_units_by_hours(minutes, expected):
    lines = _lines(
        treatment="iv_ketamine",
        plan_type="employer_self_funded",
        service_date=AFTER_J0013,
        dose_mg=35,
        sessions=6,
        infusion_minutes=minutes,
    )
    assert lines == expected


def test_iv_ketamine_names_the_dose_and_the_ndc():
    (drug,) = request_units(
        treatment="iv_ketamine",
        plan_type="medicare",
        service_date=AFTER_J0013,
        dose_mg=35,
        sessions=6,
    )
    assert drug.note == "35 mg per session, with the NDC"


def test_nothing_is_invented_without_a_dose_or_sessions():
    kw = {"treatment": "esketamine", "plan_type": "medicare", "service_date": AFTER_J0013}
    assert request_units(**kw, dose_mg=None, sessions=8) == []
    assert request_units(**kw, dose_mg=56, sessions=0) == []
    assert request_units(**{**kw, "treatment": "other"}, dose_mg=56, sessions=8) == []


def test_infusion_hours():
    assert [infusion_hours(m) for m in (30, 60, 90, 91, 150, 151)] == [
        (1, 0),
        (1, 0),
        (1, 0),
        (1, 1),
        (1, 1),
        (1, 2),
    ]
