"""A new patient walks the whole wizard through the Django client, and nothing they type is lost."""

import datetime as dt
import logging
import re
import uuid

import pytest
from django.urls import reverse

from claims.models import CoverageCase, InsurerCall
from claims.progress import steps_of
from patients.decorators import KEPT_POST
from patients.models import AccessLog, TreatmentTrial
from tests.factories import ClinicFactory, days_ago, pdf_upload

PASSWORD = "a long and unusual passphrase"


def _states(case) -> dict[str, str]:
    return {s.slug: s.state for s in steps_of(CoverageCase.objects.get(pk=case.pk))}


def _post(client, url, data, follow=False):
    response = client.post(url, data, follow=follow)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200 and not follow:
        errors = re.findall(r'class="invalid-feedback"[^>]*>\s*<strong>([^<]+)', response.text)
        pytest.fail(f"form refused: {errors or response.text[:500]}")
    return response


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Riverside Mood Clinic")


def test_a_new_patient_walks_all_six_steps(client, clinic, caplog, mailoutbox):
    caplog.set_level(logging.DEBUG)
    client.post(
        reverse("patients:signup"),
        {
            "email": "river@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_terms": "on",
            "accept_privacy": "on",
        },
    )
    (confirm,) = mailoutbox  # the sign-up link, finished with the password chosen
    client.post(re.search(r"http://testserver(\S+)", confirm.body).group(1), {"password": PASSWORD})
    mailoutbox.clear()
    dashboard = client.get(reverse("claims:dashboard"))
    assert "You have no cases yet" in dashboard.text

    # Start a case.
    response = _post(
        client,
        reverse("claims:case_start"),
        {"treatment": "esketamine", "condition": "trd", "policy": "", "clinic": ""},
    )
    case = CoverageCase.objects.get()
    assert response["Location"] == reverse("claims:case_overview", args=[case.public_id])
    assert _states(case) == {
        "policy": "not_started",
        "history": "not_started",
        "referral": "not_started",
        "documents": "not_started",
        "submit": "not_started",
        "appeal": "not_needed",
    }
    step = {slug: reverse(f"claims:step_{slug}", args=[case.public_id]) for slug in _states(case)}
    for url in step.values():
        assert client.get(url).status_code == 200

    # Step 1: add the policy, then log a call with its reference number.
    _post(
        client,
        step["policy"],
        {
            "action": "policy",
            "after": "stay",
            "rank": "primary",
            "payer_other": "River Health Plan",
            "plan_type": "employer_self_funded",
            "grandfathered": "no",
            "member_id": "RHP-0001",
            "subscriber_relationship": "self",
            "treatment_benefit": "medical",
            "prior_auth_required": "unknown",
            "out_of_network_covered": "unknown",
            "in_network_deductible": "$1,000",
        },
    )
    assert _states(case)["policy"] == "in_progress"
    policy = CoverageCase.objects.get(pk=case.pk).policy
    assert policy.member_id == "RHP-0001"
    assert str(policy.in_network_deductible) == "1000.00"
    policy_data = {
        "action": "policy",
        "after": "stay",
        "rank": "primary",
        "payer_other": "River Health Plan",
        "plan_type": "employer_self_funded",
        "grandfathered": "no",
        "member_id": "RHP-0001",
        "subscriber_relationship": "self",
        "treatment_benefit": "medical",
        "prior_auth_required": "yes",
        "out_of_network_covered": "no",
    }
    _post(client, step["policy"], policy_data)
    _post(
        client,
        step["policy"],
        {
            "action": "call",
            "after": "continue",
            "submission_id": str(uuid.uuid4()),
            "called_at": "2026-11-02T10:30",
            "representative": "Sam",
            "reference_number": "REF-778",
            "answer_0": "Yes, through Evicore",
        },
    )
    # Step 1 also needs the patient's legal name and date of birth ("About you").
    assert _states(case)["policy"] == "in_progress"
    response = client.post(
        f"{reverse('patients:profile')}?next={step['policy']}",
        {
            "legal_first_name": "River",
            "legal_last_name": "Song",
            "date_of_birth": days_ago(40 * 365).isoformat(),
            "preferred_language": "en",
        },
    )
    assert response["Location"] == step["policy"]
    assert _states(case)["policy"] == "complete"
    call = InsurerCall.objects.get()
    assert call.questions_and_answers[0]["answer"] == "Yes, through Evicore"
    assert "REF-778" in client.get(step["policy"]).text

    # Step 2: a diagnosis by code, two treatment trials (month-only dates), a PHQ-9 score.
    _post(client, step["history"], {"action": "diagnosis", "after": "stay", "icd10_code": "F33.2"})
    for name, start, end in [("Zoloft", "03/2021", "07/2021"), ("Wellbutrin", "09/2021", "")]:
        _post(
            client,
            step["history"],
            {
                "action": "trial",
                "after": "stay",
                "kind": "medication",
                "name_as_entered": name,
                "daily_dose": "150",
                "dose_unit": "mg/day",
                "weeks_at_dose": "8",
                "started": start,
                "stopped": end,
                "adherence": "as_prescribed",
                "response": "no_response",
            },
        )
    assert _states(case)["history"] == "in_progress"
    _post(
        client,
        step["history"],
        {
            "action": "score",
            "after": "continue",
            "submission_id": str(uuid.uuid4()),
            "instrument": "phq9",
            "taken_on": "2026-10-30",
            "total": "19",
        },
    )
    assert _states(case)["history"] == "complete"
    history_page = client.get(step["history"]).text
    assert "F33.2" in history_page
    assert "sertraline" in history_page  # Zoloft matched to its generic

    # Step 3: the provider, then the referral, received.
    _post(
        client,
        step["referral"],
        {
            "action": "provider",
            "after": "stay",
            "name": "Dr. Morgan Lee",
            "npi": "1245319599",
            "specialty": "psychiatrist",
        },
    )
    assert _states(case)["referral"] == "in_progress"
    provider = case.patient.providers.get()
    _post(
        client,
        step["referral"],
        {
            "action": "referral",
            "after": "continue",
            "provider": provider.pk,
            "status": "received",
            "requested_on": "2026-11-03",
            "received_on": "2026-11-10",
        },
    )
    assert _states(case)["referral"] == "complete"

    # Step 4: upload visit notes, then download them back.
    _post(
        client,
        step["documents"],
        {
            "action": "upload",
            "after": "continue",
            "submission_id": str(uuid.uuid4()),
            "category": "medical_records",
            "title": "Visit notes",
            "file": pdf_upload("visit notes.pdf"),
        },
    )
    assert _states(case)["documents"] == "complete"
    document = case.documents.get()
    download = client.get(
        reverse("claims:document_download", args=[case.public_id, document.public_id])
    )
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.filter(action="download", object_id=document.public_id).exists()

    # Step 5: send to the clinic (with consent), record the request, then the denial.
    _post(
        client,
        step["submit"],
        {"action": "send", "after": "stay", "clinic": clinic.pk, "consent": "on"},
    )
    case.refresh_from_db()
    assert (case.clinic, case.review_status) == (clinic, "submitted")
    assert case.clinic_consent_at is not None
    assert _states(case)["submit"] == "in_progress"
    _post(
        client,
        step["submit"],
        {
            "action": "pa_request",
            "after": "stay",
            "submission_id": str(uuid.uuid4()),
            "kind": "initial",
            "submitted_by": "clinic",
            "method": "fax",
            "submitted_on": "2026-11-12",
            "reference_number": "PA-5521",
            "urgency": "standard",
        },
    )
    assert "Not needed right now" in client.get(step["appeal"]).text
    _post(
        client,
        step["submit"],
        {
            "action": "decision",
            "after": "continue",
            "decision": "denied",
            "decided_on": "2026-11-20",
            "decision_received_on": "2026-11-23",
        },
    )
    assert _states(case)["submit"] == "complete"
    assert _states(case)["appeal"] == "not_started"

    # Step 6: the denial's details, the peer-to-peer prompt, an appeal and its outcome.
    appeal_page = client.get(step["appeal"]).text
    assert "peer-to-peer" in appeal_page.lower()
    _post(
        client,
        step["appeal"],
        {
            "action": "denial",
            "after": "stay",
            "notice_date": "2026-11-20",
            "received_on": "2026-11-23",
            "reason": "criteria_not_met",
            "reason_text": "Two adequate trials not documented.",
            "reference_number": "DN-1",
        },
    )
    _post(
        client,
        step["appeal"],
        {
            "action": "appeal",
            "after": "stay",
            "submission_id": str(uuid.uuid4()),
            "level": "internal_1",
            "filed_on": "2026-11-25",
            "outcome": "pending",
        },
    )
    assert _states(case)["appeal"] == "in_progress"
    appeal = case.pa_requests.get().denial.appeals.get()
    _post(
        client,
        step["appeal"],
        {
            "action": "appeal",
            "after": "later",
            "id": str(appeal.public_id),
            "level": "internal_1",
            "filed_on": "2026-11-25",
            "outcome": "overturned",
            "decided_on": "2026-12-20",
        },
    )
    assert all(state == "complete" for state in _states(case).values())
    final = client.get(reverse("claims:dashboard")).text
    assert "Every step is done" in final

    # Nothing the patient typed reached the logs.
    for secret in ["F33.2", "Zoloft", "RHP-0001", "REF-778", "Two adequate trials", "Sam"]:
        assert secret not in caplog.text, secret


@pytest.fixture
def case(owner):
    from tests.factories import CaseFactory

    return CaseFactory(patient=owner.patient)


def _history(case):
    return reverse("claims:step_history", args=[case.public_id])


def test_a_refused_form_keeps_everything_typed(owner_client, case):
    response = owner_client.post(
        _history(case),
        {
            "action": "trial",
            "after": "stay",
            "kind": "medication",
            "name_as_entered": "Lexapro",
            "daily_dose": "twenty",
            "started": "06/2022",
            "stopped": "01/2022",
            "side_effects": "felt flat",
        },
    )

    assert response.status_code == 200
    html = response.text
    assert "as a number" in html  # the message, at the field
    assert "before the start date" in html
    assert 'value="Lexapro"' in html
    assert 'value="twenty"' in html
    assert 'value="06/2022"' in html
    assert "felt flat" in html
    assert 'role="alert"' in html
    assert not TreatmentTrial.objects.exists()


def test_a_double_submit_saves_once(owner_client, case):
    url = reverse("claims:step_policy", args=[case.public_id])
    data = {
        "action": "call",
        "after": "stay",
        "submission_id": str(uuid.uuid4()),
        "called_at": "2026-11-02T10:30",
        "reference_number": "ONCE-1",
    }

    first = owner_client.post(url, data)
    second = owner_client.post(url, data, follow=True)

    assert first.status_code == 302
    assert InsurerCall.objects.filter(case=case).count() == 1
    assert "already saved" in second.text


def test_a_form_posted_after_the_session_expired_is_restored_after_login(
    client, owner, password, case
):
    client.force_login(owner)
    url = reverse("claims:step_policy", args=[case.public_id])
    client.get(url)
    session = client.session
    session.flush()  # the idle timeout ends the session on the server
    typed = {
        "action": "call",
        "after": "stay",
        "submission_id": str(uuid.uuid4()),
        "called_at": "2026-11-02T10:30",
        "representative": "Pat at member services",
        "reference_number": "KEPT-42",
        "notes": "Said Spravato is under the medical benefit",
    }

    response = client.post(url, typed)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patients:login"))
    assert not InsurerCall.objects.exists()
    client.post(
        reverse("patients:login") + f"?next={url}",
        {"username": owner.email, "password": password},
    )
    page = client.get(url).text
    assert 'value="KEPT-42"' in page
    assert "Pat at member services" in page
    assert "Said Spravato is under the medical benefit" in page
    assert "We kept what you typed" in page
    assert not InsurerCall.objects.exists()  # kept for the patient to check, not saved blindly
    assert "KEPT-42" not in client.get(url).text  # restored once


def test_sending_to_the_clinic_twice_is_refused_but_resubmitting_after_changes_works(
    owner_client, case, clinic
):
    url = reverse("claims:step_submit", args=[case.public_id])
    send = {"action": "send", "after": "stay", "clinic": clinic.pk, "consent": "on"}

    owner_client.post(url, send)
    again = owner_client.post(url, send, follow=True)

    assert "already with your clinic" in again.text
    CoverageCase.objects.filter(pk=case.pk).update(review_status="changes_requested")
    assert "Resubmit to my clinic" in owner_client.get(url).text
    owner_client.post(url, send)
    assert CoverageCase.objects.get(pk=case.pk).review_status == "submitted"


def test_sending_needs_consent(owner_client, case, clinic):
    url = reverse("claims:step_submit", args=[case.public_id])
    response = owner_client.post(url, {"action": "send", "after": "stay", "clinic": clinic.pk})
    assert "Please tick the box to agree" in response.text
    assert CoverageCase.objects.get(pk=case.pk).review_status == "not_shared"


def test_a_wrong_file_type_is_refused_with_a_reason(owner_client, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = owner_client.post(
        reverse("claims:step_documents", args=[case.public_id]),
        {
            "action": "upload",
            "after": "stay",
            "category": "medical_records",
            "title": "My notes",
            "file": SimpleUploadedFile("notes.pdf", b"<html>not a pdf</html>"),
        },
    )
    assert response.status_code == 200
    assert "open this kind of file" in response.text
    assert 'value="My notes"' in response.text
    assert not case.documents.exists()


def test_code_search_offers_codes_in_plain_language(owner_client, case):
    page = owner_client.get(
        reverse("claims:step_history", args=[case.public_id]),
        {"q": "depression, recurrent, severe"},
    ).text
    assert "F33.2" in page


def test_staff_cannot_use_the_patient_wizard(client, clinic_staff, case):
    client.force_login(clinic_staff)
    assert client.get(reverse("claims:dashboard"))["Location"] == reverse("admin:index")
    assert client.get(reverse("claims:step_policy", args=[case.public_id])).status_code == 404


def test_a_decision_letter_received_before_its_date_is_refused_not_a_crash(owner_client, case):
    from tests.factories import PARequestFactory

    PARequestFactory(case=case, submitted_on=dt.date(2026, 11, 1))
    response = owner_client.post(
        reverse("claims:step_submit", args=[case.public_id]),
        {
            "action": "decision",
            "after": "stay",
            "decision": "denied",
            "decided_on": "2026-11-10",
            "decision_received_on": "2026-11-05",
        },
    )
    assert response.status_code == 200
    assert "cannot arrive before the date printed on it" in response.text


def test_finding_7_a_kept_form_is_not_restored_to_another_patient(
    client, owner, outsider, password, case
):
    """Issue 14, finding 7: patient A's form, posted after A's session ended, is never shown to
    patient B who signs in next on the same browser (here on /cases/new/, as in the probe)."""
    client.force_login(owner)
    client.get(reverse("claims:dashboard"))  # A's pages mark the browser as A's
    client.session.flush()
    url = reverse("claims:case_start")
    client.post(
        url, {"treatment": "esketamine", "condition": "other", "condition_other": "A-SECRET"}
    )

    client.post(reverse("patients:login"), {"username": outsider.email, "password": password})
    page = client.get(url).text

    assert "A-SECRET" not in page
    assert "We kept what you typed" not in page
    # Nor does it wait for A in B's session.
    assert KEPT_POST not in client.session
