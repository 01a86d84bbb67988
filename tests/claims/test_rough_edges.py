"""The rough edges issue 13 lists, seen in screenshots, each with a test that failed before its
fix."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import CoverageCase, PriorAuthorizationRequest
from claims.progress import next_step
from patients.models import InsurancePolicy, Payer
from tests.factories import (
    CaseFactory,
    ClinicFactory,
    DenialFactory,
    PolicyFactory,
    TreatmentTrialFactory,
    pdf_upload,
)


def _url(name, case, **more):
    return reverse(name, kwargs={"coveragecase_id": case.public_id, **more})


@pytest.fixture
def case(owner):
    return CaseFactory(patient=owner.patient, policy=PolicyFactory(patient=owner.patient))


def test_pharmacy_records_do_not_tick_the_therapy_records(owner_client, owner, case):
    services.document_upload(
        case=case, category="treatment_history", upload=pdf_upload(), by=owner, title="Pharmacy"
    )

    html = owner_client.get(_url("claims:step_documents", case)).content.decode()

    assert "Uploaded" in _item(html, "Pharmacy or treatment history: each medicine")
    assert "Not yet" in _item(html, "Records of talk therapy you have had")


def _item(html: str, text: str) -> str:
    """The list item that holds `text`."""
    at = html.index(text)
    return html[html.rindex("<li", 0, at) : html.index("</li>", at)]


def test_a_case_shared_at_the_start_is_not_asked_for_consent_again(owner_client, owner):
    clinic = ClinicFactory(name="Riverside")
    case = services.case_start(
        patient=owner.patient, treatment="esketamine", condition="trd", clinic=clinic
    )
    url = _url("claims:step_submit", case)

    html = owner_client.get(url).content.decode()
    assert "Riverside can see this case; it is not yet sent for review" in html
    assert "Not shared with a clinic" not in html

    response = owner_client.post(url, {"action": "send", "clinic": clinic.pk})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.review_status == CoverageCase.ReviewStatus.SUBMITTED


def test_another_clinic_still_needs_the_patients_agreement(owner_client, owner):
    case = services.case_start(
        patient=owner.patient, treatment="esketamine", condition="trd", clinic=ClinicFactory()
    )
    other = ClinicFactory()

    response = owner_client.post(
        _url("claims:step_submit", case), {"action": "send", "clinic": other.pk}
    )

    assert response.status_code == 200
    assert "Please tick the box to agree" in response.content.decode()
    case.refresh_from_db()
    assert case.clinic_id != other.pk


def test_month_only_dates_stay_month_only_on_the_staff_case_page(
    client, otp_login, clinic_staff, owner, case
):
    TreatmentTrialFactory(
        patient=owner.patient,
        start_date=date(2024, 3, 1),
        start_precision="month",
        end_date=date(2024, 6, 30),
        end_precision="month",
    )
    clinic_staff.groups.add(Group.objects.get(name=services.REVIEWER_GROUP))
    services.case_share_with_clinic(case=case, clinic=clinic_staff.clinics.first())
    otp_login(client, clinic_staff)

    html = client.get(reverse("admin:claims_coveragecase_change", args=[case.pk])).content.decode()

    assert "03/2024 – 06/2024" in html
    assert "2024-03-01" not in html


def test_after_a_denial_the_next_step_is_the_appeal(owner_client, case):
    DenialFactory(pa_request__case=case)

    assert next_step(case).slug == "appeal"
    html = owner_client.get(reverse("claims:dashboard")).content.decode()
    assert _url("claims:step_appeal", case) in html


def test_the_provider_comes_before_the_referral(owner_client, case):
    html = owner_client.get(_url("claims:step_referral", case)).content.decode()

    assert html.index('id="provider-heading"') < html.index('id="referral-heading"')


@pytest.mark.parametrize(
    ("payer", "plan", "shown"),
    [
        ("Acme Health", "Acme Health PPO", "Acme Health PPO"),
        ("Cigna Healthcare", "Open Access Plus", "Cigna Healthcare — Open Access Plus"),
        ("Cigna Healthcare", "", "Cigna Healthcare"),
    ],
)
def test_payer_and_plan_names_do_not_run_together(owner, payer, plan, shown):
    policy = InsurancePolicy(patient=owner.patient, payer_other=payer, plan_name=plan)
    if Payer.objects.filter(name=payer).exists():
        policy.payer = Payer.objects.get(name=payer)

    assert str(policy) == shown


def test_a_downloaded_document_keeps_its_own_name(owner_client, owner, case):
    document = services.document_upload(
        case=case, category="medical_records", upload=pdf_upload("visit-notes-may.pdf"), by=owner
    )

    response = owner_client.get(
        _url("claims:document_download", case, supportingdocument_id=document.public_id)
    )

    b"".join(response.streaming_content)
    response.close()
    assert 'filename="visit-notes-may.pdf"' in response["Content-Disposition"]


def test_logging_out_says_so(owner_client):
    response = owner_client.post(reverse("patients:logout"), follow=True)

    assert "You are logged out" in response.content.decode()


def test_a_refused_decision_keeps_denied_and_the_received_date(owner_client, case):
    PriorAuthorizationRequest.objects.create(case=case, submitted_on=timezone.localdate())
    received = (timezone.localdate() - timedelta(days=1)).isoformat()

    response = owner_client.post(
        _url("claims:step_submit", case),
        {"action": "decision", "decision": "denied", "decision_received_on": received},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="denied" selected>' in html
    assert f'value="{received}"' in html


def test_a_missing_agreement_is_asked_for_once(owner_client, case):
    clinic = ClinicFactory()

    response = owner_client.post(
        _url("claims:step_submit", case), {"action": "send", "clinic": clinic.pk}
    )

    assert response.content.decode().count("Please tick the box to agree") == 1
