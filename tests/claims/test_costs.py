"""A case's "Paying for treatment" page, its cost-estimate form, and the general "Other ways to
pay" page (issue 16): who may see them, what is kept, and what the patient is told."""

import html
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from claims import services
from claims.models import CostEstimate, CoverageCase
from patients.models import InsurancePolicy
from tests.factories import CaseFactory, PolicyFactory, SharedCaseFactory

D = Decimal


@pytest.fixture
def case(owner):
    policy = PolicyFactory(
        patient=owner.patient,
        out_of_network_deductible=D(2000),
        out_of_network_deductible_met=D(250),
        out_of_network_coinsurance_percent=D(40),
        out_of_network_oop_max=D(8000),
    )
    return SharedCaseFactory(patient=owner.patient, policy=policy)


def costs_url(case) -> str:
    return reverse("claims:costs", kwargs={"coveragecase_id": case.public_id})


def estimate_url(case) -> str:
    return reverse("claims:cost_estimate", kwargs={"coveragecase_id": case.public_id})


def form_data(**changes) -> dict:
    """Six out-of-network IV infusions at $600, the plan allowing $400, typed as people type."""
    data = {
        "action": "estimate",
        "after": "stay",
        "sessions": "6",
        "charge_per_session": "$600",
        "network": "out_of_network",
        "out_of_network_covered": "on",
        "single_case_rate": "",
        "allowed_per_session": "400.00",
        "medicare_fee": "",
        "allowed_low_percent": "",
        "allowed_high_percent": "",
        "deductible": "$1,000",
        "deductible_met": "1,000",
        "coinsurance_percent": "40%",
        "copay": "",
        "oop_max": "$2,000",
        "oop_met": "0",
    }
    return {**data, **changes}


def text_of(response) -> str:
    return html.unescape(response.content.decode())


# --- who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("url_of", [costs_url, estimate_url])
@pytest.mark.parametrize("intruder", ["outsider", "other_clinic_staff"])
def test_it_rejects_another_patient_and_other_clinic_staff(request, client, case, url_of, intruder):
    client.force_login(request.getfixturevalue(intruder))

    assert client.get(url_of(case)).status_code == 404
    assert client.post(url_of(case), form_data()).status_code == 404
    assert not CostEstimate.objects.exists()


@pytest.mark.parametrize("url_of", [costs_url, estimate_url])
def test_it_sends_anonymous_visitors_to_login(client, case, url_of):
    response = client.get(url_of(case))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_the_clinic_staff_the_case_is_shared_with_get_404_too(client, case, clinic_staff):
    """Patient pages only: staff work in admin (patients.decorators.patient_required)."""
    case.clinic.staff.add(clinic_staff)
    client.force_login(clinic_staff)

    assert client.get(costs_url(case)).status_code == 404


def test_another_patients_estimate_is_never_shown(client, case, outsider):
    services.cost_estimate_save(
        case=case, estimate=CostEstimate(sessions=6, charge_per_session=D("777.77"))
    )
    theirs = CaseFactory(patient=outsider.patient)
    client.force_login(outsider)

    response = client.get(estimate_url(theirs))

    assert response.status_code == 200
    assert "777.77" not in text_of(response)


# --- the estimate form ---------------------------------------------------------------------------


def test_it_saves_what_was_typed_and_shows_the_arithmetic(owner_client, case):
    response = owner_client.post(estimate_url(case), form_data())

    assert response.status_code == 302
    assert response["Location"] == estimate_url(case) + "#estimate"
    saved = CostEstimate.objects.get(case=case)
    assert saved.charge_per_session == D("600.00")
    assert saved.deductible_met == D("1000.00")
    assert saved.coinsurance_percent == D("40.00")
    assert saved.copay is None  # left blank: kept blank, not $0
    page = text_of(owner_client.get(response["Location"]))
    # Each: 40% × $400 = $160 + the clinic's $200 = $360; six: $2,160; the plan $1,440.
    assert "$2,160.00" in page
    assert "$1,440.00" in page
    assert "Coinsurance: 40% × $400.00 = $160.00." in page
    assert "$600.00 − $400.00 = $200.00" in page
    assert "What this estimate assumes" in page
    assert "What would change it" in page
    assert "not a bill, a promise of payment, or financial advice" in page


def test_a_second_save_edits_the_same_estimate(owner_client, case):
    owner_client.post(estimate_url(case), form_data())
    owner_client.post(estimate_url(case), form_data(sessions="8"))

    assert CostEstimate.objects.get(case=case).sessions == 8


def test_a_save_that_finds_a_row_already_there_replaces_it(case):
    """Two tabs, each with a new estimate: the second save edits the first's row."""
    first = services.cost_estimate_save(case=case, estimate=CostEstimate(sessions=6))
    second = services.cost_estimate_save(case=case, estimate=CostEstimate(sessions=8))

    assert CostEstimate.objects.filter(case=case).count() == 1
    assert second.pk == first.pk
    assert second.public_id == first.public_id
    assert CostEstimate.objects.get(case=case).sessions == 8


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("charge_per_session", "-50", "An amount cannot be negative."),
        ("deductible", "lots", "Please enter an amount in dollars"),
        ("sessions", "six", "Please enter a whole number"),
        ("sessions", "500", "up to 100 sessions"),
        ("coinsurance_percent", "120", "A percentage is between 0 and 100."),
        ("allowed_high_percent", "5000", "from 0 to 1000"),
        ("deductible_met", "$5,000", "cannot be more than the deductible"),
        ("oop_met", "9000", "cannot be more than the maximum"),
    ],
)
def test_bad_input_keeps_everything_typed_and_says_what_to_fix(
    owner_client, case, field, typed, message
):
    data = form_data(**{field: typed}, medicare_fee="$1,289.82")

    response = owner_client.post(estimate_url(case), data)

    assert response.status_code == 200
    page = text_of(response)
    assert "Nothing was lost" in page
    assert message in page
    assert f'value="{typed}"' in page
    assert 'value="$1,289.82"' in page  # the rest stays as typed too
    assert not CostEstimate.objects.exists()


def test_a_refused_form_shows_the_figures_last_saved(owner_client, case):
    owner_client.post(estimate_url(case), form_data())

    response = owner_client.post(estimate_url(case), form_data(sessions="seven"))

    assert response.status_code == 200
    assert "$2,160.00" in text_of(response)
    assert CostEstimate.objects.get(case=case).sessions == 6


def test_an_estimate_with_no_sessions_says_what_it_needs(owner_client, case):
    response = owner_client.post(estimate_url(case), form_data(sessions="0"))
    page = text_of(owner_client.get(response["Location"]))

    assert "There is no estimate yet" in page
    assert "how many sessions are planned" in page


def test_blanks_are_filled_from_the_policy_for_the_chosen_network(owner_client, case):
    page = text_of(owner_client.get(estimate_url(case)))

    assert 'name="deductible" value="2000.00"' in page
    assert 'name="deductible_met" value="250.00"' in page
    assert 'name="coinsurance_percent" value="40.00"' in page
    assert "We filled in some blanks from your insurance details" in page
    assert not CostEstimate.objects.exists()  # only shown, saved when the patient saves


def test_a_saved_value_wins_over_the_policy(owner_client, case):
    owner_client.post(estimate_url(case), form_data(deductible="500", deductible_met="0"))

    page = text_of(owner_client.get(estimate_url(case)))

    assert 'name="deductible" value="500.00"' in page


def test_in_network_takes_the_in_network_amounts(owner_client, owner):
    policy = PolicyFactory(patient=owner.patient, in_network_deductible=D(1500))
    case = CaseFactory(patient=owner.patient, policy=policy)
    services.cost_estimate_save(case=case, estimate=CostEstimate(network="in_network"))

    page = text_of(owner_client.get(estimate_url(case)))

    assert 'name="deductible" value="1500.00"' in page


def test_a_plan_that_pays_nothing_out_of_network_starts_unchecked(owner_client, owner):
    policy = PolicyFactory(patient=owner.patient, out_of_network_covered="no")
    case = CaseFactory(patient=owner.patient, policy=policy)

    page = text_of(owner_client.get(estimate_url(case)))

    assert 'name="out_of_network_covered"' in page
    assert 'name="out_of_network_covered" class="checkboxinput form-check-input" checked' not in (
        page
    )


# --- the costs page ------------------------------------------------------------------------------


def test_the_costs_page_shows_the_estimate_beside_the_ways_to_pay(owner_client, case):
    owner_client.post(estimate_url(case), form_data())

    page = text_of(owner_client.get(costs_url(case)))

    assert "Paying for treatment" in page
    assert "$2,160.00" in page  # what you may pay
    assert "Your plan may pay $1,440.00." in page
    assert "an estimate to help you ask questions" in page
    for words in ("HSA", "payment plan", "deferred interest", "ClinicalTrials.gov"):
        assert words in page, words
    assert estimate_url(case) in page


def test_a_range_shows_both_ends(owner_client, case):
    owner_client.post(
        estimate_url(case),
        form_data(
            allowed_per_session="",
            medicare_fee="400",
            allowed_low_percent="80",
            allowed_high_percent="110",
        ),
    )

    page = text_of(owner_client.get(costs_url(case)))

    assert "It depends on what your plan allows" in page
    # Allowed $320 (80 % of $400): 40 % × $320 = $128 + the clinic's $600 − $320 = $280 → $408
    # a session, $2,448 for six. Allowed $440 (110 %): $176 + $160 = $336, $2,016 for six. The
    # coinsurance ($768 or $1,056) stays under the $2,000 maximum; balance bills never count.
    assert "$2,016.00 to $2,448.00" in page


def test_a_range_entirely_above_medicares_fee_can_be_entered(owner_client, case):
    """The low end was capped at 100 %, so a plan allowing 120 % to 200 % of Medicare's fee
    could not be entered at all."""
    response = owner_client.post(
        estimate_url(case),
        form_data(
            allowed_per_session="",
            medicare_fee="500",
            allowed_low_percent="120",
            allowed_high_percent="200",
        ),
    )

    assert response.status_code == 302
    saved = CostEstimate.objects.get(case=case)
    assert (saved.allowed_low_percent, saved.allowed_high_percent) == (D("120"), D("200"))


def test_the_costs_page_links_the_records_that_get_money_back(owner_client, case):
    page = owner_client.get(costs_url(case)).content.decode()

    for name in ("sessions", "oon_claims", "network_gap"):
        assert reverse(f"claims:{name}", args=[case.public_id]) in page, name


def test_before_any_estimate_the_page_invites_one(owner_client, owner):
    case = CaseFactory(patient=owner.patient, policy=None)

    page = text_of(owner_client.get(costs_url(case)))

    assert "There is no estimate yet" in page
    assert "Make an estimate" in page


@pytest.mark.parametrize(
    ("treatment", "plan_type", "shown"),
    [
        (CoverageCase.Treatment.ESKETAMINE, InsurancePolicy.PlanType.EMPLOYER_SELF_FUNDED, True),
        (CoverageCase.Treatment.ESKETAMINE, InsurancePolicy.PlanType.MARKETPLACE, True),
        (CoverageCase.Treatment.ESKETAMINE, InsurancePolicy.PlanType.MEDICARE, False),
        (CoverageCase.Treatment.ESKETAMINE, InsurancePolicy.PlanType.MEDICARE_ADVANTAGE, False),
        (CoverageCase.Treatment.ESKETAMINE, InsurancePolicy.PlanType.MEDICAID, False),
        (CoverageCase.Treatment.ESKETAMINE, InsurancePolicy.PlanType.TRICARE, False),
        (CoverageCase.Treatment.IV_KETAMINE, InsurancePolicy.PlanType.EMPLOYER_SELF_FUNDED, False),
    ],
)
def test_the_savings_program_shows_only_for_esketamine_under_a_commercial_plan(
    owner_client, owner, treatment, plan_type, shown
):
    policy = PolicyFactory(patient=owner.patient, plan_type=plan_type)
    case = CaseFactory(patient=owner.patient, policy=policy, treatment=treatment)

    page = text_of(owner_client.get(costs_url(case)))

    assert ("Spravato withMe" in page) == shown
    assert ('href="#savings-program"' in page) == shown


def test_the_case_overview_links_to_the_costs_page(owner_client, case):
    url = reverse("claims:case_overview", kwargs={"coveragecase_id": case.public_id})

    assert costs_url(case) in owner_client.get(url).content.decode()


# --- the general page ----------------------------------------------------------------------------


def test_with_one_case_the_general_page_goes_to_that_cases_page(owner_client, case):
    response = owner_client.get(reverse("claims:financing"))

    assert response.status_code == 302
    assert response["Location"] == costs_url(case)


def test_with_several_cases_the_general_page_lists_them(owner_client, owner, case):
    other = CaseFactory(patient=owner.patient, treatment=CoverageCase.Treatment.IV_KETAMINE)

    response = owner_client.get(reverse("claims:financing"))

    assert response.status_code == 200
    page = response.content.decode()
    assert costs_url(case) in page
    assert costs_url(other) in page
    assert "Spravato withMe" in page  # general information: every way is shown


def test_with_no_case_the_general_page_is_shown(owner_client):
    response = owner_client.get(reverse("claims:financing"))

    assert response.status_code == 200
    assert "Other ways to pay" in response.content.decode()
