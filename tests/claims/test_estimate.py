"""The cost-estimate arithmetic (claims/estimate.py), as a table a reader can check by hand.

Each case writes its arithmetic out and lists the expected lines, session by session:
(allowed, deductible, copay, coinsurance, balance billed, you pay, plan pays). Money is rounded
to the cent, half up, at each step. A range case lists two scenarios: the low and the high end.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from claims.estimate import (
    IN_NETWORK,
    MAX_SESSIONS,
    OUT_OF_NETWORK,
    SINGLE_CASE,
    Estimate,
    EstimateInputs,
    cents,
    estimate,
)

D = Decimal


def line(allowed, deductible, copay, coinsurance, balance, patient, plan):
    return tuple(D(v) for v in (allowed, deductible, copay, coinsurance, balance, patient, plan))


@dataclass(frozen=True)
class Case:
    inputs: EstimateInputs
    scenarios: list[list[tuple]]  # per scenario, its lines
    patient: tuple[str, str]  # the patient's total: low, high (the same when not a range)
    plan: tuple[str, str]


def inputs(**kwargs) -> EstimateInputs:
    defaults = {"sessions": 1, "charge_per_session": D(500), "network": IN_NETWORK}
    return EstimateInputs(**{**defaults, **kwargs})


CASES = {
    # 6 sessions, charge $800, the plan allows $500, deductible all met, coinsurance 20%.
    # Each session: deductible $0; coinsurance 20% × $500 = $100; you pay $100, plan $400.
    # In network the clinic writes off $800 − $500 = $300: no balance billing.
    # Totals: you 6 × $100 = $600, plan 6 × $400 = $2,400.
    "in network, simple": Case(
        inputs(
            sessions=6,
            charge_per_session=D(800),
            allowed_per_session=D(500),
            deductible=D(1000),
            deductible_met=D(1000),
            coinsurance_percent=D(20),
            copay=D(0),
            oop_max=D(5000),
            oop_met=D(0),
        ),
        [[line(500, 0, 0, 100, 0, 100, 400)] * 6],
        ("600.00", "600.00"),
        ("2400.00", "2400.00"),
    ),
    # Deductible $1,500 with $500 met: $1,000 left. Allowed $600, coinsurance 20%.
    # 1: deductible takes all $600 ($400 left); you $600, plan $0.
    # 2: deductible takes $400 (now met); coinsurance 20% × $200 = $40; you $440, plan $160.
    # 3, 4: coinsurance 20% × $600 = $120; you $120, plan $480.
    # Totals: you 600 + 440 + 120 + 120 = $1,280; plan 0 + 160 + 480 + 480 = $1,120.
    "deductible partly met": Case(
        inputs(
            sessions=4,
            charge_per_session=D(700),
            allowed_per_session=D(600),
            deductible=D(1500),
            deductible_met=D(500),
            coinsurance_percent=D(20),
            oop_max=D(6000),
            oop_met=D(500),
        ),
        [
            [
                line(600, 600, 0, 0, 0, 600, 0),
                line(600, 400, 0, 40, 0, 440, 160),
                line(600, 0, 0, 120, 0, 120, 480),
                line(600, 0, 0, 120, 0, 120, 480),
            ]
        ],
        ("1280.00", "1280.00"),
        ("1120.00", "1120.00"),
    ),
    # Allowed $900; deductible $2,000 with $1,500 met: $500 left; coinsurance 30%;
    # out-of-pocket maximum $3,000 with $2,000 spent: $1,000 of room.
    # 1: deductible $500; coinsurance 30% × $400 = $120; you $620 (room now $380); plan $280.
    # 2: coinsurance 30% × $900 = $270; you $270 (room $110); plan $630.
    # 3: coinsurance would be $270, but only $110 of room: you $110 (room $0); plan $790.
    # 4, 5: you $0; plan $900.
    # Totals: you 620 + 270 + 110 = $1,000 (the room); plan 280 + 630 + 790 + 900 + 900 = $3,500.
    "out-of-pocket maximum reached mid-series": Case(
        inputs(
            sessions=5,
            charge_per_session=D(1000),
            allowed_per_session=D(900),
            deductible=D(2000),
            deductible_met=D(1500),
            coinsurance_percent=D(30),
            oop_max=D(3000),
            oop_met=D(2000),
        ),
        [
            [
                line(900, 500, 0, 120, 0, 620, 280),
                line(900, 0, 0, 270, 0, 270, 630),
                line(900, 0, 0, 110, 0, 110, 790),
                line(900, 0, 0, 0, 0, 0, 900),
                line(900, 0, 0, 0, 0, 0, 900),
            ]
        ],
        ("1000.00", "1000.00"),
        ("3500.00", "3500.00"),
    ),
    # Allowed $400, deductible $300 with none met, coinsurance 0%, no out-of-pocket maximum.
    # 1: deductible $300; the other $100 × 0% = $0; you $300, plan $100.
    # 2, 3: you $0, plan $400.  Totals: you $300; plan 100 + 400 + 400 = $900.
    "zero coinsurance": Case(
        inputs(
            sessions=3,
            charge_per_session=D(500),
            allowed_per_session=D(400),
            deductible=D(300),
            deductible_met=D(0),
            coinsurance_percent=D(0),
            copay=D(0),
        ),
        [
            [
                line(400, 300, 0, 0, 0, 300, 100),
                line(400, 0, 0, 0, 0, 0, 400),
                line(400, 0, 0, 0, 0, 0, 400),
            ]
        ],
        ("300.00", "300.00"),
        ("900.00", "900.00"),
    ),
    # Spravato induction, 8 sessions (twice a week for 4 weeks), copay $40 only: deductible and
    # coinsurance left blank (counted as $0 and 0%). Allowed $750.
    # Each: copay $40; you $40, plan $750 − $40 = $710.  Totals: you $320, plan $5,680.
    "copay only": Case(
        inputs(
            sessions=8,
            charge_per_session=D(900),
            allowed_per_session=D(750),
            copay=D(40),
            oop_max=D(4000),
            oop_met=D(0),
        ),
        [[line(750, 0, 40, 0, 0, 40, 710)] * 8],
        ("320.00", "320.00"),
        ("5680.00", "5680.00"),
    ),
    # Out of network, and the plan pays nothing there: 6 × $450 = $2,700, all yours. The plan
    # amounts typed do not matter.
    "out of network, not covered": Case(
        inputs(
            sessions=6,
            charge_per_session=D(450),
            network=OUT_OF_NETWORK,
            out_of_network_covered=False,
            allowed_per_session=D(300),
            deductible=D(1000),
            coinsurance_percent=D(40),
        ),
        [[line(0, 0, 0, 0, 0, 450, 0)] * 6],
        ("2700.00", "2700.00"),
        ("0.00", "0.00"),
    ),
    # Out of network, allowed amount unknown: 80% and 110% of a $1,289.82 Medicare fee.
    # Charge $1,500; deductible $2,000, none met; coinsurance 40%; out-of-pocket max $10,000.
    # Low: 80% × $1,289.82 = $1,031.856 → $1,031.86; balance $1,500 − $1,031.86 = $468.14.
    #   1: deductible $1,031.86 ($968.14 left); you 1,031.86 + 468.14 = $1,500.00; plan $0.
    #   2: deductible $968.14; 40% × $63.72 = $25.488 → $25.49; in plan $993.63;
    #      you 993.63 + 468.14 = $1,461.77; plan 1,031.86 − 993.63 = $38.23.
    #   3: 40% × $1,031.86 = $412.744 → $412.74; you 412.74 + 468.14 = $880.88; plan $619.12.
    #   Totals: you $3,842.65; plan $657.35 (sum $4,500 = 3 × $1,500).
    # High: 110% × $1,289.82 = $1,418.802 → $1,418.80; balance $81.20.
    #   1: deductible $1,418.80 ($581.20 left); you $1,500.00; plan $0.
    #   2: deductible $581.20; 40% × $837.60 = $335.04; you 916.24 + 81.20 = $997.44;
    #      plan 1,418.80 − 916.24 = $502.56.
    #   3: 40% × $1,418.80 = $567.52; you 567.52 + 81.20 = $648.72; plan $851.28.
    #   Totals: you $3,146.16; plan $1,353.84.
    # Range: you $3,146.16 to $3,842.65 (the higher allowed amount costs you less).
    "allowed amount unknown: a range": Case(
        inputs(
            sessions=3,
            charge_per_session=D(1500),
            network=OUT_OF_NETWORK,
            medicare_fee=D("1289.82"),
            allowed_low_percent=D(80),
            allowed_high_percent=D(110),
            deductible=D(2000),
            deductible_met=D(0),
            coinsurance_percent=D(40),
            oop_max=D(10000),
            oop_met=D(0),
        ),
        [
            [
                line("1031.86", "1031.86", 0, 0, "468.14", "1500.00", 0),
                line("1031.86", "968.14", 0, "25.49", "468.14", "1461.77", "38.23"),
                line("1031.86", 0, 0, "412.74", "468.14", "880.88", "619.12"),
            ],
            [
                line("1418.80", "1418.80", 0, 0, "81.20", "1500.00", 0),
                line("1418.80", "581.20", 0, "335.04", "81.20", "997.44", "502.56"),
                line("1418.80", 0, 0, "567.52", "81.20", "648.72", "851.28"),
            ],
        ],
        ("3146.16", "3842.65"),
        ("657.35", "1353.84"),
    ),
    # A single-case agreement at $480 a session (charge $600; the $300 allowed amount typed is
    # not used). Deductible $500, none met; coinsurance 20%; no balance billing.
    # 1: deductible $480 ($20 left); you $480, plan $0.
    # 2: deductible $20; 20% × $460 = $92; you $112, plan $368.
    # 3-6: 20% × $480 = $96; you $96, plan $384.
    # Totals: you 480 + 112 + 4 × 96 = $976; plan 368 + 4 × 384 = $1,904 (sum 6 × $480).
    "single-case agreement rate": Case(
        inputs(
            sessions=6,
            charge_per_session=D(600),
            network=SINGLE_CASE,
            single_case_rate=D(480),
            allowed_per_session=D(300),
            deductible=D(500),
            deductible_met=D(0),
            coinsurance_percent=D(20),
            oop_max=D(3000),
            oop_met=D(0),
        ),
        [
            [
                line(480, 480, 0, 0, 0, 480, 0),
                line(480, 20, 0, 92, 0, 112, 368),
                *[line(480, 0, 0, 96, 0, 96, 384)] * 4,
            ]
        ],
        ("976.00", "976.00"),
        ("1904.00", "1904.00"),
    ),
    # Six IV infusions out of network: charge $600, allowed $400, deductible met, 40%.
    # Each: 40% × $400 = $160; the clinic bills $600 − $400 = $200; you $360, plan $240.
    # Totals: you $2,160 (of which $1,200 balance billing), plan $1,440.
    "out of network, balance billing": Case(
        inputs(
            sessions=6,
            charge_per_session=D(600),
            network=OUT_OF_NETWORK,
            allowed_per_session=D(400),
            deductible=D(1000),
            deductible_met=D(1000),
            coinsurance_percent=D(40),
            oop_max=D(2000),
            oop_met=D(0),
        ),
        [[line(400, 0, 0, 160, 200, 360, 240)] * 6],
        ("2160.00", "2160.00"),
        ("1440.00", "1440.00"),
    ),
    # The same, with only $200 of out-of-pocket room ($2,000 max, $1,800 spent): balance billing
    # goes on after the maximum is reached, since it does not count toward it.
    # 1: 40% × $400 = $160 (room $40); + $200 balance; you $360, plan $240.
    # 2: $160 due, $40 of room: $40; + $200; you $240, plan $360.
    # 3-6: $0 in plan; + $200; you $200, plan $400.
    # Totals: you 360 + 240 + 4 × 200 = $1,400; plan 240 + 360 + 4 × 400 = $2,200.
    "balance billing does not count toward the maximum": Case(
        inputs(
            sessions=6,
            charge_per_session=D(600),
            network=OUT_OF_NETWORK,
            allowed_per_session=D(400),
            deductible=D(1000),
            deductible_met=D(1000),
            coinsurance_percent=D(40),
            oop_max=D(2000),
            oop_met=D(1800),
        ),
        [
            [
                line(400, 0, 0, 160, 200, 360, 240),
                line(400, 0, 0, 40, 200, 240, 360),
                *[line(400, 0, 0, 0, 200, 200, 400)] * 4,
            ]
        ],
        ("1400.00", "1400.00"),
        ("2200.00", "2200.00"),
    ),
    # Deductible $3,000 with $200 met: $2,800 left, more than 3 × $350 = $1,050 allowed.
    # Each: the deductible takes all $350; you $350, plan $0.  Totals: you $1,050, plan $0.
    "deductible larger than the whole series": Case(
        inputs(
            sessions=3,
            charge_per_session=D(500),
            allowed_per_session=D(350),
            deductible=D(3000),
            deductible_met=D(200),
            coinsurance_percent=D(20),
            oop_max=D(6000),
            oop_met=D(200),
        ),
        [[line(350, 350, 0, 0, 0, 350, 0)] * 3],
        ("1050.00", "1050.00"),
        ("0.00", "0.00"),
    ),
    # Out-of-pocket maximum already met ($4,000 of $4,000): copay $25 and 20% coinsurance would
    # be due, but there is no room. Each: you $0, plan $600.  Totals: you $0, plan $2,400.
    "out-of-pocket maximum already met": Case(
        inputs(
            sessions=4,
            charge_per_session=D(800),
            allowed_per_session=D(600),
            deductible=D(1000),
            deductible_met=D(1000),
            coinsurance_percent=D(20),
            copay=D(25),
            oop_max=D(4000),
            oop_met=D(4000),
        ),
        [[line(600, 0, 0, 0, 0, 0, 600)] * 4],
        ("0.00", "0.00"),
        ("2400.00", "2400.00"),
    ),
    # Copay and coinsurance together: allowed $250, deductible $100 (none met), copay $20, 10%.
    # 1: deductible $100; copay $20 of the $150 left; 10% × $130 = $13; you $133, plan $117.
    # 2: copay $20; 10% × $230 = $23; you $43, plan $207.
    # Totals: you $176, plan $324 (sum 2 × $250).
    "copay then coinsurance on the rest": Case(
        inputs(
            sessions=2,
            charge_per_session=D(300),
            allowed_per_session=D(250),
            deductible=D(100),
            deductible_met=D(0),
            copay=D(20),
            coinsurance_percent=D(10),
        ),
        [[line(250, 100, 20, 13, 0, 133, 117), line(250, 0, 20, 23, 0, 43, 207)]],
        ("176.00", "176.00"),
        ("324.00", "324.00"),
    ),
    # Rounding half up, not to even: 25% × $100.10 = $25.025 → $25.03 (half-even gives $25.02).
    # You $25.03, plan $100.10 − $25.03 = $75.07.
    "coinsurance rounds half up": Case(
        inputs(
            charge_per_session=D(150),
            allowed_per_session=D("100.10"),
            deductible=D(0),
            coinsurance_percent=D(25),
        ),
        [[line("100.10", 0, 0, "25.03", 0, "25.03", "75.07")]],
        ("25.03", "25.03"),
        ("75.07", "75.07"),
    ),
    # An allowed amount above the charge: plans allow the lower of the two, so $800 is used.
    # 10% × $800 = $80; you $80, plan $720.
    "allowed amount above the charge": Case(
        inputs(
            charge_per_session=D(800),
            allowed_per_session=D(900),
            coinsurance_percent=D(10),
        ),
        [[line(800, 0, 0, 80, 0, 80, 720)]],
        ("80.00", "80.00"),
        ("720.00", "720.00"),
    ),
}


def _lines(result: Estimate) -> list[list[tuple]]:
    return [
        [
            (
                ln.allowed,
                ln.deductible,
                ln.copay,
                ln.coinsurance,
                ln.balance_billed,
                ln.patient_pays,
                ln.plan_pays,
            )
            for ln in scenario.lines
        ]
        for scenario in result.scenarios
    ]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_estimate_matches_the_arithmetic_by_hand(case):
    result = estimate(case.inputs)

    assert result.missing == ()
    assert _lines(result) == case.scenarios
    assert (result.patient_low, result.patient_high) == tuple(D(v) for v in case.patient)
    assert (result.plan_low, result.plan_high) == tuple(D(v) for v in case.plan)
    assert result.is_range == (len(case.scenarios) == 2)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_line_adds_up_and_is_in_cents(case):
    for scenario in estimate(case.inputs).scenarios:
        for ln in scenario.lines:
            in_plan = ln.deductible + ln.copay + ln.coinsurance
            assert ln.patient_pays == in_plan + ln.balance_billed + ln.not_covered
            assert ln.patient_pays + ln.plan_pays == ln.allowed + ln.balance_billed + ln.not_covered
            for amount in (ln.allowed, ln.patient_pays, ln.plan_pays, ln.coinsurance):
                assert amount == cents(amount)


@pytest.mark.parametrize("sessions", [None, 0])
def test_no_sessions_gives_a_message_not_a_crash(sessions):
    result = estimate(inputs(sessions=sessions, allowed_per_session=D(400)))

    assert not result.ready
    assert result.scenarios == ()
    assert result.patient_low is None
    assert any("how many sessions" in m for m in result.missing)


def test_too_many_sessions_gives_a_message():
    result = estimate(inputs(sessions=MAX_SESSIONS + 1, allowed_per_session=D(400)))

    assert not result.ready
    assert any(str(MAX_SESSIONS) in m for m in result.missing)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"charge_per_session": None, "allowed_per_session": D(400)}, "charge per session"),
        ({}, "allowed amount per session"),
        ({"medicare_fee": D("1289.82")}, "low and high percentages"),
        ({"allowed_low_percent": D(80)}, "low and high percentages"),
        ({"network": SINGLE_CASE, "allowed_per_session": D(400)}, "single-case agreement"),
    ],
)
def test_it_says_what_is_missing(kwargs, words):
    result = estimate(inputs(sessions=6, **kwargs))

    assert not result.ready
    assert any(words in m for m in result.missing), result.missing


def test_out_of_network_not_covered_needs_no_plan_amounts():
    result = estimate(inputs(sessions=2, network=OUT_OF_NETWORK, out_of_network_covered=False))

    assert result.patient_low == D("1000.00")
    assert "2 × $500.00 = $1,000.00" in result.scenarios[0].steps[0]


def test_one_percentage_gives_one_figure_not_a_range():
    result = estimate(
        inputs(
            sessions=1,
            charge_per_session=D(2000),
            medicare_fee=D("1356"),
            allowed_high_percent=D(150),
        )
    )

    # 150% × $1,356 = $2,034.00, more than the $2,000 charge: the charge is allowed.
    assert not result.is_range
    assert result.scenarios[0].allowed_per_session == D("2000.00")


def test_the_steps_write_the_arithmetic_out():
    result = estimate(CASES["allowed amount unknown: a range"].inputs)
    low = result.scenarios[0].steps

    assert low[0] == ("If your plan allows 80% of the Medicare fee: 80% × $1,289.82 = $1,031.86.")
    assert "Deductible left to meet: $2,000.00 − $0.00 already met = $2,000.00." in low
    assert any(
        s.startswith("Session 2: $968.14 goes to your deductible.")
        and "Coinsurance: 40% × $63.72 = $25.49." in s
        and "$1,500.00 − $1,031.86 = $468.14" in s
        for s in low
    )
    assert low[-2] == "Total for 3 sessions: you pay $3,842.65 and the plan pays $657.35."


def test_sessions_that_cost_the_same_share_one_step():
    steps = estimate(CASES["single-case agreement rate"].inputs).scenarios[0].steps

    assert any(s.startswith("Sessions 3 to 6, each:") for s in steps)
    assert not any(s.startswith("Session 4:") for s in steps)


def test_it_states_its_assumptions_and_what_would_change_it():
    oon = estimate(CASES["out of network, balance billing"].inputs)
    in_network = estimate(CASES["copay only"].inputs)

    assert any("balance billing" in a for a in oon.assumptions)
    assert any("copay" in a and "coinsurance" in a for a in oon.assumptions)
    assert any("single-case agreement" in c and "$1,200.00" in c for c in oon.what_would_change)
    assert any("deductible blank" in a for a in in_network.assumptions)
    assert any("coinsurance blank" in a for a in in_network.assumptions)
    assert not any("balance billing" in a for a in in_network.assumptions)
    assert any("$7,200.00" in c for c in in_network.what_would_change)  # 8 × $900 if denied


def test_a_range_says_where_its_basis_comes_from():
    result = estimate(CASES["allowed amount unknown: a range"].inputs)

    assert any("percentage of Medicare's fee" in a for a in result.assumptions)
    assert any("replace this range" in c for c in result.what_would_change)
