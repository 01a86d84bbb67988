"""The shapes of a coverage case, who may see it, and what happens on decisions and appeals."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import RestrictedError
from django.http import Http404
from django.urls import reverse

from claims import services
from claims.models import Appeal, CoverageCase, Denial, PriorAuthorizationRequest, appeal_levels_for
from claims.selectors import get_case_for_user
from patients.models import Diagnosis, InsurancePolicy, Patient, User
from patients.services import patient_delete_account
from tests.factories import (
    CaseFactory,
    DenialFactory,
    DiagnosisFactory,
    PARequestFactory,
    PolicyFactory,
    SharedCaseFactory,
    build_patient_world,
    pdf_upload,
)

Decision = PriorAuthorizationRequest.Decision


def test_one_policy_can_back_many_cases(owner):
    policy = PolicyFactory(patient=owner.patient)

    iv = services.case_start(
        patient=owner.patient, treatment="iv_ketamine", condition="trd", policy=policy
    )
    spravato = services.case_start(
        patient=owner.patient, treatment="esketamine", condition="trd", policy=policy
    )

    assert set(policy.cases.all()) == {iv, spravato}


def test_a_case_cannot_use_someone_elses_policy(owner, outsider):
    with pytest.raises(ValidationError) as error:
        services.case_start(
            patient=owner.patient,
            treatment="esketamine",
            condition="trd",
            policy=PolicyFactory(patient=outsider.patient),
        )
    assert "your own insurance policies" in str(error.value)


def test_a_case_holds_many_pa_requests(owner):
    case = CaseFactory(patient=owner.patient)
    PARequestFactory(case=case, kind="initial")
    PARequestFactory(case=case, kind="resubmission")
    PARequestFactory(case=case, kind="reauthorization")
    assert sorted(case.pa_requests.values_list("kind", flat=True)) == [
        "initial",
        "reauthorization",
        "resubmission",
    ]


@pytest.mark.parametrize(
    ("decision", "opens_denial"),
    [(Decision.DENIED, True), (Decision.PARTIALLY_APPROVED, True), (Decision.APPROVED, False)],
)
def test_a_denial_or_partial_approval_opens_a_denial_record(owner, decision, opens_denial):
    pa_request = PARequestFactory(case=CaseFactory(patient=owner.patient))
    decided_on = pa_request.submitted_on + datetime.timedelta(days=7)
    received_on = decided_on + datetime.timedelta(days=4)

    services.pa_request_record_decision(
        pa_request=pa_request,
        decision=decision,
        decided_on=decided_on,
        received_on=received_on,
        approved_sessions=8 if decision != Decision.DENIED else None,
    )

    assert Denial.objects.filter(pa_request=pa_request).exists() is opens_denial
    if opens_denial:
        denial = pa_request.denial
        assert (denial.notice_date, denial.received_on) == (decided_on, received_on)


def test_a_decision_before_the_request_was_sent_is_refused(owner):
    pa_request = PARequestFactory(case=CaseFactory(patient=owner.patient))
    with pytest.raises(ValidationError) as error:
        services.pa_request_record_decision(
            pa_request=pa_request,
            decision=Decision.DENIED,
            decided_on=pa_request.submitted_on - datetime.timedelta(days=1),
        )
    assert "before the request was sent" in str(error.value)


@pytest.mark.parametrize(
    ("plan_type", "level", "allowed"),
    [
        ("employer_self_funded", Appeal.Level.INTERNAL_FIRST, True),
        ("employer_self_funded", Appeal.Level.EXTERNAL_REVIEW, True),
        ("employer_self_funded", Appeal.Level.MA_RECONSIDERATION, False),
        ("medicare_advantage", Appeal.Level.MA_RECONSIDERATION, True),
        ("medicare_advantage", Appeal.Level.EXTERNAL_REVIEW, False),
        ("medicare", Appeal.Level.MEDICARE_REDETERMINATION, True),
        ("medicaid", Appeal.Level.STATE_FAIR_HEARING, True),
        ("medicaid", Appeal.Level.INTERNAL_SECOND, False),
    ],
)
def test_appeal_levels_fit_the_plan_type(owner, plan_type, level, allowed):
    case = CaseFactory(
        patient=owner.patient, policy=PolicyFactory(patient=owner.patient, plan_type=plan_type)
    )
    denial = DenialFactory(pa_request__case=case, pa_request__decision=Decision.DENIED)

    if allowed:
        assert services.appeal_file(denial=denial, level=level).level == level
    else:
        with pytest.raises(ValidationError) as error:
            services.appeal_file(denial=denial, level=level)
        assert "does not apply to this kind of plan" in str(error.value)


def test_every_plan_type_has_appeal_levels():
    for plan_type in InsurancePolicy.PlanType.values:
        assert appeal_levels_for(plan_type), plan_type


def test_a_policy_behind_a_case_cannot_be_deleted_alone(owner):
    case = CaseFactory(patient=owner.patient)
    with pytest.raises(RestrictedError):
        case.policy.delete()


def test_sharing_records_the_patients_consent_time(owner, clinic):
    case = CaseFactory(patient=owner.patient)
    services.case_share_with_clinic(case=case, clinic=clinic)
    case.refresh_from_db()
    assert case.clinic == clinic
    assert case.clinic_consent_at is not None


# --- Access ---------------------------------------------------------------------------------------


def test_the_owner_and_the_sharing_clinic_see_a_case(owner, clinic, clinic_staff):
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    assert get_case_for_user(owner, case.public_id) == case
    assert get_case_for_user(clinic_staff, case.public_id) == case


def test_others_get_404(owner, outsider, clinic, clinic_staff, other_clinic_staff):
    shared = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    private = CaseFactory(patient=owner.patient)
    for user, case in [
        (outsider, shared),
        (other_clinic_staff, shared),
        (clinic_staff, private),
    ]:
        with pytest.raises(Http404):
            get_case_for_user(user, case.public_id)


# --- Documents, export and deletion ---------------------------------------------------------------


def test_an_upload_is_stored_under_a_random_name_not_the_patients(owner):
    case = CaseFactory(patient=owner.patient)

    document = services.document_upload(
        case=case, category="medical_records", upload=pdf_upload("Jane Doe records.pdf"), by=owner
    )

    assert document.original_name == "Jane Doe records.pdf"
    assert "Jane" not in document.file.name
    assert document.file.name.startswith(f"documents/{case.public_id}/")
    assert (document.content_type, document.page_count) == ("application/pdf", 1)
    assert len(document.sha256) == 64


def test_a_bad_upload_stores_nothing(owner):
    case = CaseFactory(patient=owner.patient)
    fake = SimpleUploadedFile("scan.pdf", b"just some text", content_type="application/pdf")

    with pytest.raises(ValidationError):
        services.document_upload(case=case, category="medical_records", upload=fake, by=owner)

    assert not case.documents.exists()


def test_export_includes_every_record_and_file(client, owner):
    world = build_patient_world(owner)  # holds one uploaded PDF
    client.force_login(owner)

    archive = zipfile.ZipFile(io.BytesIO(client.post(reverse("patients:export")).content))

    records = json.loads(archive.read("data.json"))["records"]
    history = json.loads(archive.read("history.json"))
    assert history["patients.Diagnosis"][0]["icd10_code"] == "F33.2"
    for model in world:
        assert records.get(model._meta.label), model._meta.label
    assert records["claims.SupportingDocument"][0]["original_name"] == "records.pdf"
    files = sorted(n for n in archive.namelist() if n.startswith("files/"))
    assert [n.split("-")[0] for n in files] == ["files/packet", "files/supportingdocument"]
    assert all(archive.read(name).startswith(b"%PDF") for name in files)


def test_deleting_the_account_removes_every_record_file_and_history(
    owner, outsider, password, django_capture_on_commit_callbacks
):
    world = build_patient_world(owner)
    build_patient_world(outsider)
    gone = DiagnosisFactory(patient=owner.patient, icd10_code="F41.1")
    gone_id = gone.pk
    gone.delete()  # removed by the patient before closing the account: its history stays...
    assert Diagnosis.history.filter(id=gone_id).exists()
    document = services.document_upload(
        case=world[CoverageCase], category="medical_records", upload=pdf_upload(), by=owner
    )
    storage, name = document.file.storage, document.file.name

    with django_capture_on_commit_callbacks(execute=True):
        patient_delete_account(user=owner, password=password)

    for model, obj in world.items():
        assert not model.objects.filter(pk=obj.pk).exists(), model
        history = getattr(model, "history", None)
        if history is not None:
            assert not history.filter(id=obj.pk).exists(), model
    assert not storage.exists(name)
    assert not Diagnosis.history.filter(id=gone_id).exists()  # ...until the account goes
    assert not Diagnosis.history.filter(patient_id=world[Patient].pk).exists()
    assert User.objects.filter(pk=outsider.pk).exists()
    assert Diagnosis.history.filter(patient_id=outsider.patient.pk).exists()
    assert Patient.objects.filter(user=outsider).exists()
    assert CoverageCase.objects.filter(patient__user=outsider).count() == 1


def test_a_case_has_one_letter_of_each_kind(owner):
    from django.db import IntegrityError, transaction

    from claims.models import Letter

    case = CaseFactory(patient=owner.patient)
    Letter.objects.create(case=case, kind="medical_necessity", text="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.create(case=case, kind="medical_necessity", text="b")
