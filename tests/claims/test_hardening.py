"""Issue 14, the probe findings on the wizard's side: each test is named after its finding and
fails on the code before the fix."""

import threading
import uuid
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.urls import reverse

from claims import services
from claims.models import CoverageCase, Denial, InsurerCall, PriorAuthorizationRequest
from patients.models import SymptomScore
from patients.validators import LATEST_DATE
from tests.factories import (
    CaseFactory,
    DenialFactory,
    PolicyFactory,
    SymptomScoreFactory,
    TreatmentTrialFactory,
    UserFactory,
    pdf_upload,
)

RANGE_MESSAGE = "dates here run from 1900 to 2099"


@pytest.fixture
def case(owner):
    patient = owner.patient
    return CaseFactory(patient=patient, policy=PolicyFactory(patient=patient))


def _url(name, case):
    return reverse(name, kwargs={"coveragecase_id": case.public_id})


# --- Finding 3: far-future dates ---------------------------------------------------------------

# (page, a post with one date far out, the field refused). Each was saved before (or was a 500).
FAR_DATES = [
    pytest.param("claims:step_history", {"action": "score", "instrument": "phq9",
                 "taken_on": "9999-12-31", "total": "12"}, "taken_on", id="score"),
    pytest.param("claims:step_history", {"action": "trial", "kind": "medication",
                 "name_as_entered": "Zoloft", "dose_unit": "mg/day", "adherence": "unknown",
                 "started": "01/2020", "stopped": "12/9999"}, "stopped", id="trial-stopped"),
    pytest.param("claims:step_history", {"action": "diagnosis", "icd10_code": "F33.2",
                 "diagnosed_on": "9999-01-01"}, "diagnosed_on", id="diagnosis"),
    pytest.param("claims:step_history", {"action": "episode", "since": "03/2150"}, "since",
                 id="episode"),
    pytest.param("claims:step_policy", {"action": "call", "called_at": "9999-12-31T10:00",
                 "representative": "Sam"}, "called_at", id="call"),
    pytest.param("claims:step_submit", {"action": "pa_request", "kind": "initial",
                 "submitted_by": "patient", "method": "portal", "submitted_on": "9999-12-31",
                 "urgency": "standard"}, "submitted_on", id="request-sent"),
    pytest.param("claims:step_submit", {"action": "decision", "decision": "denied",
                 "decided_on": "9999-12-31"}, "decided_on", id="decision"),
    pytest.param("claims:step_appeal", {"action": "denial", "notice_date": "1899-12-31",
                 "reason": "not_medically_necessary"}, "notice_date", id="denial-too-early"),
    pytest.param("claims:step_appeal", {"action": "appeal", "level": "internal_1",
                 "filed_on": "9999-12-31"}, "filed_on", id="appeal"),
]  # fmt: skip


@pytest.mark.parametrize(("page", "data", "field"), FAR_DATES)
def test_finding_3_a_date_out_of_range_is_refused_with_a_message(
    owner_client, case, page, data, field
):
    request = PriorAuthorizationRequest.objects.create(case=case, submitted_on=date(2026, 1, 5))
    DenialFactory(pa_request=request)

    response = owner_client.post(_url(page, case), {**data, "after": "stay"})

    assert response.status_code == 200, response.get("Location")
    html = response.content.decode()
    assert RANGE_MESSAGE in html
    assert f'name="{field}"' in html
    assert not SymptomScore.objects.filter(taken_on__year__gt=2099).exists()
    assert not case.patient.treatment_trials.exists()
    assert not case.patient.diagnoses.exists()


def test_finding_3_the_model_refuses_a_date_out_of_range(owner):
    score = SymptomScore(
        patient=owner.patient, instrument="phq9", total=12, taken_on=date(9999, 12, 31)
    )

    with pytest.raises(ValidationError) as refused:
        score.full_clean()

    assert "taken_on" in refused.value.message_dict


def test_finding_3_every_page_and_packet_request_works_at_the_latest_date(
    owner_client, owner, case
):
    """The bounds leave room for every computation: a score, a trial, a decision and a denial
    on 31 December 2099, then deadlines (months later), the timeline and the packet digest."""
    last = LATEST_DATE
    SymptomScoreFactory(patient=owner.patient, taken_on=last)
    TreatmentTrialFactory(patient=owner.patient, start_date=date(2099, 1, 1), end_date=last)
    request = PriorAuthorizationRequest.objects.create(case=case, submitted_on=last)

    decided = owner_client.post(
        _url("claims:step_submit", case),
        {"action": "decision", "id": request.public_id, "decision": "denied",
         "decided_on": last.isoformat(), "decision_received_on": last.isoformat(),
         "after": "stay"},
    )  # fmt: skip
    denial = owner_client.post(
        _url("claims:step_appeal", case),
        {"action": "denial", "notice_date": last.isoformat(), "received_on": last.isoformat(),
         "reason": "not_medically_necessary", "after": "stay"},
    )  # fmt: skip

    assert decided.status_code == 302
    assert denial.status_code == 302
    assert Denial.objects.get(pa_request__case=case).received_on == last
    assert case.deadlines.filter(due_on__gt=last).exists()  # computed past the bound, safely
    for page in ["claims:case_overview", "claims:step_history", "claims:step_submit",
                 "claims:step_appeal"]:  # fmt: skip
        assert owner_client.get(_url(page, case)).status_code == 200, page
    assert owner_client.get(reverse("claims:dashboard")).status_code == 200
    made = owner_client.post(
        reverse("claims:packet_create", kwargs={"coveragecase_id": case.public_id}),
        {"kind": "prior_authorization"},
    )
    assert made.status_code == 302
    assert case.packets.exists()


# --- Finding 10: the one-time form token ---------------------------------------------------------


def test_finding_10_a_refused_upload_does_not_spend_the_forms_token(owner_client, case):
    """The probe: a wrong file, then the right one sent again from the same page (the same
    one-time token): the second was answered "That was already saved." and 0 documents."""
    url = _url("claims:step_documents", case)
    token = str(uuid.uuid4())
    fake = SimpleUploadedFile("notes.pdf", b"not a pdf at all", content_type="application/pdf")

    refused = owner_client.post(
        url,
        {"action": "upload", "category": "medical_records", "submission_id": token, "file": fake},
    )
    retried = owner_client.post(
        url, {"action": "upload", "category": "medical_records", "submission_id": token,
             "file": pdf_upload()},
        follow=True,
    )  # fmt: skip

    assert refused.status_code == 200
    assert "That was already saved" not in retried.content.decode()
    assert case.documents.count() == 1


def test_finding_10_a_save_that_fails_does_not_spend_the_forms_token(
    owner_client, case, monkeypatch
):
    url = _url("claims:step_policy", case)
    call = {"action": "call", "after": "stay", "submission_id": str(uuid.uuid4()),
            "called_at": "2026-02-03T10:30", "representative": "Sam"}  # fmt: skip
    real_save = services.insurer_call_save

    def refuse_once(**kwargs):
        monkeypatch.setattr(services, "insurer_call_save", real_save)
        raise ValidationError("The database was busy; please save again.")

    monkeypatch.setattr(services, "insurer_call_save", refuse_once)
    first = owner_client.post(url, call)
    second = owner_client.post(url, call)

    assert first.status_code == 200  # the message on the form, not a 500
    assert "The database was busy" in first.content.decode()
    assert second.status_code == 302
    assert InsurerCall.objects.filter(case=case).count() == 1


# --- Finding 9: notes stay with the clinic that wrote them ------------------------------------


def test_finding_9_a_case_sent_to_another_clinic_hides_the_first_clinics_notes(
    client, otp_login, owner, reviewer, other_reviewer
):
    first, second = reviewer.clinics.get(), other_reviewer.clinics.get()
    case = services.case_start(
        patient=owner.patient, treatment="esketamine", condition="trd", clinic=first
    )
    services.case_send_to_clinic(case=case, clinic=first)
    services.case_review_start(case=case, by=reviewer)
    services.case_request_changes(case=case, by=reviewer, note="FIRST-CLINIC-NOTE")
    services.case_send_to_clinic(case=case, clinic=second)

    otp_login(client, other_reviewer)
    page = client.get(reverse("admin:claims_coveragecase_change", args=[case.pk])).text
    trail = client.get(reverse("admin:claims_reviewevent_changelist")).text

    assert "FIRST-CLINIC-NOTE" not in page
    assert reviewer.email not in page
    assert reviewer.email not in trail
    # The second clinic sees its own step: the case arriving.
    assert str(CoverageCase.ReviewStatus.SUBMITTED.label) in page
    assert case.review_events.filter(clinic=second).count() == 1
    assert case.review_events.filter(clinic=first).count() == 3


# --- Finding 13: concurrent writes on SQLite ----------------------------------------------------


@pytest.mark.fault
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's locking; PostgreSQL has row locks",
)
def test_finding_13_twenty_simultaneous_saves_on_sqlite_all_land(seeds_restored, transactional_db):
    """The probe: 20 simultaneous saves on one case, 19 answered 500 "database is locked"."""
    owner = UserFactory(email="busy@example.com")
    case = CaseFactory(patient=owner.patient, policy=PolicyFactory(patient=owner.patient))
    url = _url("claims:step_policy", case)
    clients = []
    for _ in range(20):
        client = Client(raise_request_exception=False)
        client.force_login(owner)
        clients.append(client)
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def save(client: Client, n: int) -> None:
        start.wait()
        try:
            response = client.post(url, {"action": "call", "after": "stay",
                                         "called_at": "2026-02-03T10:30",
                                         "representative": f"Rep {n}"})  # fmt: skip
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 20
    assert InsurerCall.objects.filter(case=case).count() == 20
