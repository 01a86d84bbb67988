"""What the case asks for (step 5): one record per case, prefilled from what the case knows,
validated, stated on the packet with codes and units, and its gaps listed before rendering."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from claims import services
from claims.models import Packet, TreatmentRequest
from tests.factories import (
    CaseFactory,
    ClinicFactory,
    DiagnosisFactory,
    PolicyFactory,
    ProviderFactory,
    ReferralFactory,
    SharedCaseFactory,
    TreatmentRequestFactory,
    today,
)


@pytest.fixture
def case(owner):
    return CaseFactory(patient=owner.patient)


def _url(case):
    return reverse("claims:step_submit", args=[case.public_id])


def _post(client, case, **values):
    data = {"action": "treatment_request", "after": "stay", "product": "spravato_84",
            "phase": "induction", "place_of_service": "11", **values}  # fmt: skip
    return client.post(_url(case), data)


def test_the_form_starts_from_what_the_case_knows(owner_client, owner):
    clinic = ClinicFactory(name="Lakeside Psychiatry", tax_id="12-3456789")
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    provider = ProviderFactory(patient=owner.patient, name="Dr. Ada Park")
    ReferralFactory(case=case, provider=provider)

    form = owner_client.get(_url(case)).context["forms"]["treatment_request"]

    assert form["product"].value() == "spravato_56"  # an esketamine case
    assert form["site_npi"].value() == clinic.npi
    assert form["site_name"].value() == "Lakeside Psychiatry"
    assert form["prescriber"].value() == provider.pk


def test_the_patient_saves_the_request_and_finds_it_again(owner_client, case, owner):
    provider = ProviderFactory(patient=owner.patient)
    start = today() + dt.timedelta(days=7)

    response = _post(
        owner_client, case, sessions="8", start_date=start.isoformat(),
        end_date=(start + dt.timedelta(days=27)).isoformat(), prescriber=provider.pk,
        site_rems_certified="yes", oral_antidepressant_continues="yes",
        oral_antidepressant="sertraline 150 mg",
    )  # fmt: skip

    assert response.status_code == 302
    saved = TreatmentRequest.objects.get(case=case)
    assert (saved.product, saved.sessions, saved.start_date) == ("spravato_84", 8, start)
    assert saved.prescriber == provider
    assert saved.ndc_or_default == "50458-028-03"  # FDA label §16, the 84 mg kit
    page = owner_client.get(_url(case)).text
    assert "sertraline 150 mg" in page


def test_a_bad_entry_is_refused_at_the_field_and_nothing_is_lost(owner_client, case):
    response = _post(
        owner_client, case, ndc="not-a-code", site_tax_id="12", sessions="8",
        schedule="Twice a week, weeks 1-4", start_date="2030-05-01", end_date="2030-04-01",
    )  # fmt: skip

    assert response.status_code == 200
    form = response.context["forms"]["treatment_request"]
    assert "An NDC looks like" in form.errors["ndc"][0]
    assert "tax ID (EIN)" in form.errors["site_tax_id"][0]
    assert "end comes before the start" in form.errors["end_date"][0]
    assert 'value="Twice a week, weeks 1-4"' in response.text
    assert not TreatmentRequest.objects.filter(case=case).exists()


def test_another_patients_provider_cannot_be_the_prescriber(case, outsider):
    theirs = ProviderFactory(patient=outsider.patient)
    with pytest.raises(Exception, match="your own providers"):
        services.treatment_request_save(
            case=case, request=TreatmentRequest(product="spravato_56", prescriber=theirs)
        )


def test_outsiders_and_other_clinics_get_404_and_anonymous_logs_in(
    client, case, outsider, other_clinic_staff
):
    for user in (outsider, other_clinic_staff):
        client.force_login(user)
        assert _post(client, case, sessions="8").status_code == 404
    client.logout()
    assert _post(client, case, sessions="8").status_code == 302
    assert not TreatmentRequest.objects.filter(case=case).exists()


def test_missing_facts_are_listed_before_the_packet_and_go_away_when_filled(
    owner_client, case, owner
):
    patient = owner.patient
    patient.legal_first_name = patient.legal_last_name = ""
    patient.date_of_birth = None
    patient.save()
    page = owner_client.get(_url(case)).text
    for missing in ["your legal name", "your date of birth", "what is requested"]:
        assert missing in page

    patient.legal_first_name, patient.legal_last_name = "Ana", "Rivera"
    patient.date_of_birth = dt.date(1985, 4, 12)
    patient.save()
    DiagnosisFactory(patient=patient)
    prescriber = ProviderFactory(patient=patient)
    TreatmentRequestFactory(case=case, prescriber=prescriber)

    missing = [f.label for f in owner_client.get(_url(case)).context["missing"]]
    assert missing == []


@pytest.mark.pdf
def test_the_packet_cover_states_the_request_with_codes_and_units(
    owner, django_capture_on_commit_callbacks
):
    patient = owner.patient
    policy = PolicyFactory(patient=patient, plan_type="employer_self_funded")
    case = CaseFactory(patient=patient, policy=policy)
    prescriber = ProviderFactory(patient=patient, name="Dr. Ada Park", npi="1234567893")
    request = TreatmentRequestFactory(case=case, prescriber=prescriber, site_npi="1245319599")

    with django_capture_on_commit_callbacks(execute=True):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.READY
    with packet.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    # The cover: everything before the letter of medical necessity.
    text = "\n".join(page.extract_text() for page in reader.pages).split("Letter of medical")[0]

    # J0013 after 2026-01-01 (DOMAIN.md §2.1), 84 units a session, 8 sessions: 672 units.
    for fact in ["J0013", "672", "50458-028-03", "1245319599", "Dr. Ada Park",
                 "certified in the Spravato REMS", request.start_date.strftime("%m/%d/%Y"),
                 request.end_date.strftime("%m/%d/%Y")]:  # fmt: skip
        assert fact in text, fact
    assert "[date of the PDMP check]" in text  # missing: named, never invented
    assert "[substance-use screen result]" in text


def test_a_reviewer_answers_the_clinics_part_in_admin_through_the_service(
    client, otp_login, clinic_staff, owner, clinic
):
    from django.contrib.auth.models import Group

    clinic_staff.groups.add(Group.objects.get(name=services.REVIEWER_GROUP))
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    request = TreatmentRequestFactory(case=case)
    otp_login(client, clinic_staff)
    url = reverse("admin:claims_treatmentrequest_change", args=[request.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(pdmp_checked_on=today().isoformat(), substance_use_screen="no_concern")
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    request.refresh_from_db()
    assert (request.pdmp_checked_on, request.substance_use_screen) == (today(), "no_concern")


def test_the_form_groups_show_every_field_once():
    from claims.forms import TreatmentRequestForm

    grouped = [name for _legend, names in TreatmentRequestForm.FIELDSETS for name in names]
    assert sorted(grouped) == sorted(TreatmentRequestForm.Meta.fields)


@pytest.mark.pdf
def test_a_sparse_packet_names_each_missing_fact_instead_of_a_dash(
    owner, django_capture_on_commit_callbacks
):
    patient = owner.patient
    patient.legal_first_name = patient.legal_last_name = ""
    patient.date_of_birth = None
    patient.save()
    case = CaseFactory(patient=patient, policy=None)

    with django_capture_on_commit_callbacks(execute=True):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    packet.refresh_from_db()
    with packet.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    cover = "\n".join(page.extract_text() for page in reader.pages).split("Letter of medical")[0]

    for placeholder in ["[Member ID]", "[Insurer]", "[Plan type]", "[Patient's legal name]",
                        "[What is requested"]:  # fmt: skip
        assert placeholder in cover, placeholder
    assert not re.search(r"(Member ID|Group number|Payer|Plan type|Date of birth)\s+—", cover)
