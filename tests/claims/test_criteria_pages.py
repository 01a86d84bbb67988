"""The readiness report on the pages (issue 12): the overview and steps 2 and 5 show the case
against the payer's policy in a bounded number of queries; a patient whose payer does not say
which policy applies picks one; IV ketamine under an experimental policy says so; the
pre-authorization packet carries the criteria table with the policy's name and version."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import CoverageCase, Packet
from claims.selectors import criteria_check_for
from patients.models import Payer
from tests.conftest import packet_page_texts
from tests.factories import (
    CaseFactory,
    DiagnosisFactory,
    PolicyFactory,
    SymptomScoreFactory,
    TreatmentTrialFactory,
)


@pytest.fixture
def case(owner, criteria_sets):
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Robin", "Quill"
    patient.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 40)
    patient.save()
    policy = PolicyFactory(patient=patient)  # Cigna, no reviewing company
    DiagnosisFactory(patient=patient, icd10_code="F33.2", is_primary=True)
    return CaseFactory(patient=patient, policy=policy)


def _add_trials(patient, count):
    today = timezone.localdate()
    for n in range(count):
        TreatmentTrialFactory(
            patient=patient,
            name_as_entered=["sertraline", "venlafaxine", "bupropion"][n % 3],
            daily_dose=300,
            weeks_at_dose=8,
            start_date=today - timedelta(days=400 + 70 * n),
            end_date=today - timedelta(days=340 + 70 * n),
        )
        SymptomScoreFactory(patient=patient, total=20 - n % 5, taken_on=today - timedelta(days=n))


def _url(name, case):
    return reverse(name, kwargs={"coveragecase_id": case.public_id})


@pytest.mark.parametrize("page", ["claims:step_history", "claims:step_submit"])
def test_steps_2_and_5_show_the_report_in_bounded_queries(owner_client, case, page):
    _add_trials(case.patient, 2)
    with CaptureQueriesContext(connection) as few:
        response = owner_client.get(_url(page, case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Does your case meet your insurer" in html
    assert "Cigna — Psychiatry – Spravato (esketamine)" in html
    assert "sertraline 300 mg/day, 8 weeks, no response" in html

    _add_trials(case.patient, 10)
    with CaptureQueriesContext(connection) as many:
        owner_client.get(_url(page, case))
    # Twelve trials and scores cost no more queries than two.
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_check_itself_takes_a_fixed_number_of_queries(case, django_assert_max_num_queries):
    _add_trials(case.patient, 12)
    with django_assert_max_num_queries(11):
        check = criteria_check_for(case, today=timezone.localdate())
    assert check.report is not None


def test_the_overview_shows_the_report(owner_client, case):
    response = owner_client.get(_url("claims:case_overview", case))
    assert "Does your case meet your insurer" in response.content.decode()


def test_where_the_payer_does_not_say_the_patient_picks_the_policy(owner_client, case):
    blue = Payer.objects.get(name="Blue Cross Blue Shield (your state's plan)")
    case.policy.payer = blue
    case.policy.save()

    page = owner_client.get(_url("claims:step_submit", case)).content.decode()
    assert "does not know which coverage policy applies" in page
    assert 'value="bcbsma-087"' in page

    response = owner_client.post(
        _url("claims:criteria_policy_choose", case), {"policy_key": "bcbsma-087", "page": "submit"}
    )
    assert response.status_code == 302
    assert response["Location"] == _url("claims:step_submit", case)
    page = owner_client.get(_url("claims:step_submit", case)).content.decode()
    assert "Blue Cross Blue Shield of Massachusetts — Ketamine and esketamine" in page
    case.refresh_from_db()
    assert case.criteria_policy_key == "bcbsma-087"


def test_a_made_up_policy_is_refused_and_others_cannot_pick(owner_client, case, client, outsider):
    response = owner_client.post(
        _url("claims:criteria_policy_choose", case), {"policy_key": "no-such-policy"}, follow=True
    )
    assert "Please pick a policy from the list." in response.content.decode()
    client.force_login(outsider)
    response = client.post(
        _url("claims:criteria_policy_choose", case), {"policy_key": "bcbsma-087"}
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.criteria_policy_key == ""


def test_iv_ketamine_under_an_experimental_policy_says_so(owner_client, owner, criteria_sets):
    aetna = Payer.objects.get(name="Aetna")
    policy = PolicyFactory(patient=owner.patient, payer=aetna)
    case = CaseFactory(
        patient=owner.patient, policy=policy, treatment=CoverageCase.Treatment.IV_KETAMINE
    )

    page = owner_client.get(_url("claims:case_overview", case)).content.decode()

    assert "calls this treatment experimental" in page
    assert "Aetna — Ketamine — Clinical Policy Bulletin" in page
    assert "esketamine (Spravato)" in page
    assert "single-case agreement" in page


def test_the_reviewing_company_s_policy_comes_before_the_insurer_s(case, criteria_sets):
    case.policy.behavioral_health_manager = Payer.objects.get(name="Evicore")
    case.policy.save()

    check = criteria_check_for(case, today=timezone.localdate())

    assert check.criteria_set.policy_key == "evicore-spravato"
    assert check.report.appeal_points  # Evicore still requires an oral antidepressant


@pytest.mark.pdf
def test_the_packet_carries_the_criteria_table(case, owner, django_capture_on_commit_callbacks):
    _add_trials(case.patient, 2)
    with django_capture_on_commit_callbacks(execute=True):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.READY

    text = " ".join(" ".join(packet_page_texts(packet)).split())
    assert "Criteria table: Cigna, Psychiatry – Spravato (esketamine)" in text
    assert "Version in effect from 01/21/2025" in text
    assert "Documented" in text
    assert "sertraline 300 mg/day, 8 weeks, no response" in text


def test_the_clinic_sees_the_check_on_the_admin_case_page(client, otp_login, reviewer, case):
    services.case_share_with_clinic(case=case, clinic=reviewer.clinics.first())
    otp_login(client, reviewer)

    html = client.get(reverse("admin:claims_coveragecase_change", args=[case.pk])).content.decode()

    assert "Payer criteria" in html
    assert "Cigna: Psychiatry – Spravato (esketamine)" in html
    assert "Not known yet" in html  # the psychosis question waits on the clinic


def test_the_episode_start_settles_the_current_episode_criterion(owner_client, case):
    _add_trials(case.patient, 2)  # started 400 and 470 days ago
    url = _url("claims:step_history", case)
    page = owner_client.get(url).content.decode()
    assert "when this episode of depression began" in page

    started = timezone.localdate() - timedelta(days=600)
    response = owner_client.post(url, {"action": "episode", "since": started.strftime("%m/%Y")})

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.episode_since, case.episode_since_precision) == (started.replace(day=1), "month")
    check = criteria_check_for(case, today=timezone.localdate())
    failed = next(
        line for line in check.report.lines if line.findings[0].rule.kind == "failed_trials"
    )
    assert failed.verdict == "yes"


@pytest.mark.parametrize(
    ("typed", "message"),
    [("13/2024", "Please enter a date like 03/2021"), ("FUTURE", "That date is in the future.")],
)
def test_a_refused_episode_date_keeps_what_was_typed(owner_client, case, typed, message):
    if typed == "FUTURE":
        typed = (timezone.localdate() + timedelta(days=40)).strftime("%m/%d/%Y")
    response = owner_client.post(
        _url("claims:step_history", case), {"action": "episode", "since": typed}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'value="{typed}"' in html
    case.refresh_from_db()
    assert case.episode_since is None
