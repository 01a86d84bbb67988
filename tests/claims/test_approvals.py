"""The stale-approval rule lives in the services that change a packet's sources: whoever calls
them (a view, admin, a script) cannot forget it."""

from unittest import mock

import pytest
from django.urls import reverse

from claims import services
from claims.models import CoverageCase, Packet
from patients.models import Diagnosis
from tests.factories import (
    InsurerCallFactory,
    SharedCaseFactory,
    TreatmentTrialFactory,
    pdf_upload,
)

Review = CoverageCase.ReviewStatus


def _approve(case, reviewer):
    """A case approved to send: in review, signed letter, a ready current packet."""
    owner = case.patient.user
    services.case_review_start(case=case, by=reviewer)
    document = services.document_upload(
        case=case, category="medical_necessity", upload=pdf_upload("signed.pdf"), by=owner
    )
    services.case_attach_signed_letter(case=case, document=document)
    with mock.patch("django.db.transaction.on_commit"):
        packet = services.packet_request(case=case, kind="prior_authorization", by=reviewer)
    Packet.objects.filter(pk=packet.pk).update(status=Packet.Status.READY)
    return services.case_approve_to_send(case=case, by=reviewer)


def _status(case) -> str:
    return CoverageCase.objects.get(pk=case.pk).review_status


def test_a_history_edit_withdraws_the_approval_of_every_case_of_the_patient(
    owner, clinic, clinic_staff
):
    first = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    second = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    _approve(first, clinic_staff)
    _approve(second, clinic_staff)

    services.history_diagnosis_save(patient=owner.patient, icd10_code="F41.1")

    assert (_status(first), _status(second)) == (Review.IN_REVIEW, Review.IN_REVIEW)
    assert CoverageCase.objects.get(pk=first.pk).approved_packet is None


@pytest.mark.parametrize(
    "edit",
    [
        "trial_save",
        "record_delete",
        "call_delete",
        "letter_save",
        "document_upload",
        "policy_save",
    ],
)
def test_each_service_that_changes_the_packet_withdraws_a_stale_approval(
    owner, clinic, clinic_staff, edit
):
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    trial = TreatmentTrialFactory(patient=owner.patient)
    _approve(case, clinic_staff)
    letter = case.letters.get(kind="medical_necessity")

    {
        "trial_save": lambda: services.history_trial_save(trial=trial),
        "record_delete": lambda: services.history_record_delete(record=trial),
        "call_delete": lambda: services.insurer_call_delete(call=_call(case)),
        "letter_save": lambda: services.letter_save(letter=letter, text="New.", by=owner),
        "document_upload": lambda: services.document_upload(
            case=case, category="medical_records", upload=pdf_upload(), by=owner
        ),
        "policy_save": lambda: services.policy_save(case=case, policy=case.policy),
    }[edit]()

    expected = Review.APPROVED_TO_SEND if edit == "call_delete" else Review.IN_REVIEW
    assert _status(case) == expected  # calls are not in the packet: that approval stands


def _call(case):
    return InsurerCallFactory(case=case)


def test_an_edit_that_leaves_the_packet_as_it_was_keeps_the_approval(owner, clinic, clinic_staff):
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    _approve(case, clinic_staff)

    assert services.approval_withdraw_if_stale(case=case) is False
    assert _status(case) == Review.APPROVED_TO_SEND


def test_an_admin_letter_edit_goes_through_the_letter_service(
    client, otp_login, reviewer, owner, clinic
):
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    _approve(case, reviewer)
    letter = case.letters.get(kind="medical_necessity")
    otp_login(client, reviewer)

    client.post(
        reverse("admin:claims_letter_change", args=[letter.pk]), {"text": "Edited in admin."}
    )

    letter.refresh_from_db()
    assert (letter.text, letter.edited_by) == ("Edited in admin.", reviewer)
    assert _status(case) == Review.IN_REVIEW  # the approved packet showed the old text


def test_the_review_panel_steps_go_through_review_apply(client, otp_login, reviewer, owner, clinic):
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    otp_login(client, reviewer)
    url = reverse("admin:claims_coveragecase_review", args=[case.pk])

    with mock.patch("claims.services.review_apply", wraps=services.review_apply) as apply:
        client.post(url, {"step": "start", "urgency": "standard"})

    apply.assert_called_once()
    assert _status(case) == Review.IN_REVIEW


def test_a_step_page_decides_out_of_date_without_codes_or_the_timeline(owner_client, owner):
    case = SharedCaseFactory(patient=owner.patient)
    with mock.patch("django.db.transaction.on_commit"):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    Packet.objects.filter(pk=packet.pk).update(status=Packet.Status.READY, page_count=3)
    Diagnosis.objects.create(patient=owner.patient, icd10_code="F41.1", description="GAD")

    with (
        mock.patch("claims.codes.treatment_codes", side_effect=AssertionError("codes built")),
        mock.patch("claims.timeline.trials_timeline_svg", side_effect=AssertionError("drawn")),
    ):
        page = owner_client.get(reverse("claims:step_submit", args=[case.public_id]))

    assert page.status_code == 200
    assert page.context["packet_out_of_date"] is True
