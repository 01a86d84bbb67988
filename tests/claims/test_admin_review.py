"""Clinic staff in admin: the review queue and case file, scoped to their clinic, with the
review panel, read-only audit, and downloads only for reviewers."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from claims import services
from claims.models import CoverageCase, Packet, ReviewEvent
from patients.models import AccessLog
from tests.factories import SharedCaseFactory, pdf_upload

Review = CoverageCase.ReviewStatus


@pytest.fixture
def case(owner, clinic):
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Dana", "Lopez"
    patient.save()
    case = SharedCaseFactory(patient=patient, clinic=clinic)
    services.document_upload(case=case, category="medical_records", upload=pdf_upload(), by=owner)
    return case


def test_the_reviewer_group_is_made_by_migrations_with_what_review_needs(db):
    group = Group.objects.get(name=services.REVIEWER_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "review_case",
        "view_coveragecase",
        "view_supportingdocument",
        "change_letter",
    } <= codenames
    assert not {"change_coveragecase", "delete_coveragecase", "view_accesslog"} & codenames


def test_the_queue_shows_what_a_reviewer_needs(client, otp_login, reviewer, case):
    otp_login(client, reviewer)
    page = client.get(reverse("admin:claims_coveragecase_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    for column in ["Dana Lopez", "Esketamine", "Cigna Healthcare", "Sent to the clinic"]:
        assert column in html, column


def test_the_queue_puts_what_needs_a_reviewer_first(client, otp_login, reviewer, clinic):
    sent = SharedCaseFactory(clinic=clinic, review_status=Review.SENT)
    submitted = SharedCaseFactory(clinic=clinic, review_status=Review.SUBMITTED)
    changes = SharedCaseFactory(clinic=clinic, review_status=Review.CHANGES_REQUESTED)
    otp_login(client, reviewer)
    rows = list(
        client.get(reverse("admin:claims_coveragecase_changelist")).context["cl"].result_list
    )
    assert rows == [submitted, changes, sent]


def test_search_finds_by_member_id_and_stays_in_the_clinic(
    client, otp_login, reviewer, other_reviewer, case
):
    url = reverse("admin:claims_coveragecase_changelist")
    member_id = case.policy.member_id
    otp_login(client, reviewer)
    assert list(client.get(url, {"q": member_id}).context["cl"].result_list) == [case]
    otp_login(client, other_reviewer)
    assert list(client.get(url, {"q": member_id}).context["cl"].result_list) == []
    assert list(client.get(url, {"q": "Lopez"}).context["cl"].result_list) == []


def test_another_clinics_staff_get_nothing_anywhere(client, otp_login, other_reviewer, case):
    otp_login(client, other_reviewer)
    document = case.documents.get()
    for url in [
        reverse("admin:claims_coveragecase_change", args=[case.pk]),
        reverse("admin:claims_supportingdocument_change", args=[document.pk]),
        reverse("admin:patients_patient_change", args=[case.patient.pk]),
    ]:
        assert client.get(url).status_code == 302, url  # admin: "not found", back to the index
    for url in [
        reverse("admin:claims_coveragecase_history", args=[case.pk]),
        reverse("admin:patients_patient_history", args=[case.patient.pk]),
        reverse("admin:claims_coveragecase_review", args=[case.pk]),
        reverse("claims:document_download", args=[case.public_id, document.public_id]),
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"step": "start"}).status_code == 404, url
    assert CoverageCase.objects.get(pk=case.pk).review_status == Review.SUBMITTED
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "claims", "model_name": "insurercall", "field_name": "case", "term": ""},
    )
    assert str(case.public_id) not in autocomplete.content.decode()


def test_the_case_page_reads_like_a_file_and_records_the_look(client, otp_login, reviewer, case):
    otp_login(client, reviewer)
    page = client.get(reverse("admin:claims_coveragecase_change", args=[case.pk]))
    html = page.content.decode()
    for section in ["Clinic review", "Diagnoses", "Treatment trials", "Symptom scores",
                    "Who looked at this case", "Supporting documents", "Download"]:  # fmt: skip
        assert section.lower() in html.lower(), section
    assert AccessLog.objects.filter(
        actor=reviewer, action="view", object_id=case.public_id
    ).exists()


def test_the_review_panel_moves_the_case(client, otp_login, reviewer, case, mailoutbox):
    otp_login(client, reviewer)
    url = reverse("admin:claims_coveragecase_review", args=[case.pk])

    client.post(url, {"step": "start", "urgency": "standard"})
    assert CoverageCase.objects.get(pk=case.pk).review_status == Review.IN_REVIEW
    client.post(url, {"step": "request_changes", "note": "Add your PHQ-9.", "urgency": "standard"})

    assert CoverageCase.objects.get(pk=case.pk).review_status == Review.CHANGES_REQUESTED
    assert ReviewEvent.objects.filter(case=case, note="Add your PHQ-9.", by=reviewer).exists()


def test_staff_outside_the_reviewer_group_cannot_review_or_open_files(
    client, otp_login, clinic_staff, case
):
    otp_login(client, clinic_staff)
    document = case.documents.get()
    review = reverse("admin:claims_coveragecase_review", args=[case.pk])
    assert client.post(review, {"step": "start"}).status_code == 404
    download = reverse("claims:document_download", args=[case.public_id, document.public_id])
    assert client.get(download).status_code == 404


def test_reviewers_download_documents_and_the_download_is_logged(client, otp_login, reviewer, case):
    otp_login(client, reviewer)
    document = case.documents.get()
    response = client.get(
        reverse("claims:document_download", args=[case.public_id, document.public_id])
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.filter(actor=reviewer, action="download").count() == 1


@pytest.mark.parametrize("model", ["reviewevent", "accesslog"])
def test_audit_rows_cannot_be_edited_or_deleted_in_admin(admin_client, case, model, owner):
    services.case_review_start(case=case, by=owner)
    AccessLog.objects.create(
        actor=owner, actor_role="patient", action="view", object_type="x", object_id=case.public_id
    )
    app = "claims" if model == "reviewevent" else "patients"
    row = (ReviewEvent if model == "reviewevent" else AccessLog).objects.first()
    change = reverse(f"admin:{app}_{model}_change", args=[row.pk])
    delete = reverse(f"admin:{app}_{model}_delete", args=[row.pk])

    assert admin_client.post(change, {"note": "edited"}).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403
    assert (ReviewEvent if model == "reviewevent" else AccessLog).objects.filter(pk=row.pk).exists()


def test_csv_export_action_sends_only_the_selected_cases(client, otp_login, reviewer, case, clinic):
    other = SharedCaseFactory(clinic=clinic)
    otp_login(client, reviewer)
    response = client.post(
        reverse("admin:claims_coveragecase_changelist"),
        {"action": "export_csv", "_selected_action": [case.pk]},
    )
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert str(case.public_id) in body
    assert str(other.public_id) not in body
    assert "medical_records" not in body  # no documents or clinical free text


def test_regenerate_packet_action_queues_a_packet(
    client, otp_login, reviewer, case, django_capture_on_commit_callbacks
):
    from unittest import mock

    otp_login(client, reviewer)
    with (
        mock.patch("claims.tasks.render_packet.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(
            reverse("admin:claims_coveragecase_changelist"),
            {"action": "regenerate_packet", "_selected_action": [case.pk]},
        )
    packet = Packet.objects.get(case=case)
    assert send.call_args.args[0] == (packet.pk,)
    assert packet.requested_by == reviewer


def test_a_patient_can_never_reach_admin(client, otp_login, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:claims_coveragecase_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_reviewer_edits_a_letters_text_but_cannot_move_it_to_another_case(
    client, otp_login, reviewer, case
):
    other = SharedCaseFactory()  # another clinic's case and document
    foreign = services.document_upload(
        case=other, category="medical_necessity", upload=pdf_upload(), by=other.patient.user
    )
    letter = services.letter_get_or_draft(case=case, kind="medical_necessity")
    otp_login(client, reviewer)
    url = reverse("admin:claims_letter_change", args=[letter.pk])

    client.post(url, {"text": "Edited by the clinic.", "case": other.pk, "signed_copy": foreign.pk})

    letter.refresh_from_db()
    assert letter.text == "Edited by the clinic."
    assert (letter.case_id, letter.signed_copy_id) == (case.pk, None)
