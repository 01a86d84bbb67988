"""The clinic's review workflow: every transition allowed and refused, the note and email to the
patient, approval tied to a packet version, and the CSV export."""

import csv
import datetime as dt
import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims import services
from claims.models import CoverageCase, Packet, ReviewEvent
from patients.models import AccessLog, AppendOnlyError
from tests.factories import SharedCaseFactory, pdf_upload

Review = CoverageCase.ReviewStatus


@pytest.fixture
def case(owner, clinic):
    return SharedCaseFactory(patient=owner.patient, clinic=clinic)


def _ready_packet(case, by):
    with mock.patch("django.db.transaction.on_commit"):
        packet = services.packet_request(case=case, kind="prior_authorization", by=by)
    Packet.objects.filter(pk=packet.pk).update(status=Packet.Status.READY)
    packet.refresh_from_db()
    return packet


def _signed(case, owner):
    document = services.document_upload(
        case=case, category="medical_necessity", upload=pdf_upload("signed.pdf"), by=owner
    )
    return services.case_attach_signed_letter(case=case, document=document)


def _approved(case, owner, reviewer):
    services.case_review_start(case=case, by=reviewer)
    _signed(case, owner)
    _ready_packet(case, reviewer)
    return services.case_approve_to_send(case=case, by=reviewer)


# Every (service, from state) pair: the states it may move from, and where it leads.
TRANSITIONS = {
    "start": ({Review.SUBMITTED}, Review.IN_REVIEW),
    "request_changes": (
        {Review.SUBMITTED, Review.IN_REVIEW, Review.APPROVED_TO_SEND},
        Review.CHANGES_REQUESTED,
    ),
}


@pytest.mark.parametrize("state", Review.values)
@pytest.mark.parametrize("step", TRANSITIONS)
def test_simple_transitions_from_every_state(case, clinic_staff, step, state):
    CoverageCase.objects.filter(pk=case.pk).update(review_status=state)
    allowed, target = TRANSITIONS[step]
    call = {
        "start": lambda: services.case_review_start(case=case, by=clinic_staff),
        "request_changes": lambda: services.case_request_changes(
            case=case, by=clinic_staff, note="Please add your Lexapro trial."
        ),
    }[step]

    if state in allowed:
        assert call().review_status == target
        assert ReviewEvent.objects.get(case=case).to_status == target
    else:
        with pytest.raises(services.CaseStateError):
            call()
        assert CoverageCase.objects.get(pk=case.pk).review_status == state
        assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize(
    "state", [s for s in Review.values if s != Review.IN_REVIEW], ids=lambda s: s
)
def test_approval_only_from_review(case, owner, clinic_staff, state):
    _signed(case, owner)
    _ready_packet(case, clinic_staff)
    CoverageCase.objects.filter(pk=case.pk).update(review_status=state)
    with pytest.raises(services.CaseStateError):
        services.case_approve_to_send(case=case, by=clinic_staff)


def test_approval_needs_the_signed_letter_and_a_ready_current_packet(case, owner, clinic_staff):
    services.case_review_start(case=case, by=clinic_staff)
    with pytest.raises(services.CaseStateError, match="signed letter"):
        services.case_approve_to_send(case=case, by=clinic_staff)
    _signed(case, owner)
    with pytest.raises(services.CaseStateError, match="packet"):
        services.case_approve_to_send(case=case, by=clinic_staff)
    packet = _ready_packet(case, clinic_staff)

    approved = services.case_approve_to_send(case=case, by=clinic_staff, note="Looks complete")

    assert approved.review_status == Review.APPROVED_TO_SEND
    assert approved.approved_packet == packet
    assert ReviewEvent.objects.filter(packet=packet, to_status=Review.APPROVED_TO_SEND).exists()


def test_a_later_edit_makes_the_approval_stale_and_returns_the_case_to_review(
    case, owner, clinic_staff, owner_client
):
    _approved(case, owner, clinic_staff)

    owner_client.post(
        reverse("claims:step_history", args=[case.public_id]),
        {"action": "diagnosis", "after": "stay", "icd10_code": "F41.1"},
    )

    case.refresh_from_db()
    assert case.review_status == Review.IN_REVIEW
    assert case.approved_packet is None
    event = ReviewEvent.objects.filter(case=case).first()
    assert (event.from_status, event.to_status, event.by) == (
        Review.APPROVED_TO_SEND,
        Review.IN_REVIEW,
        None,
    )
    with pytest.raises(services.CaseStateError):
        services.case_mark_sent(
            case=case, by=clinic_staff, method="fax", submitted_on=dt.date(2026, 11, 30)
        )


def test_sent_writes_the_request_record(case, owner, clinic_staff):
    _approved(case, owner, clinic_staff)

    request = services.case_mark_sent(
        case=case,
        by=clinic_staff,
        method="portal",
        submitted_on=dt.date(2026, 11, 30),
        reference_number="EVI-55",
    )

    case.refresh_from_db()
    assert case.review_status == Review.SENT
    assert (request.kind, request.submitted_by, request.method, request.reference_number) == (
        "initial",
        "clinic",
        "portal",
        "EVI-55",
    )
    assert case.deadlines.filter(kind="decision_due").exists()
    with pytest.raises(services.CaseStateError):
        services.case_mark_sent(
            case=case, by=clinic_staff, method="fax", submitted_on=dt.date(2026, 12, 1)
        )


def test_the_patient_sees_the_note_and_gets_an_email_without_health_data(
    case, owner_client, clinic_staff, mailoutbox, django_capture_on_commit_callbacks
):
    note = "Please add the dates of your sertraline trial."
    with django_capture_on_commit_callbacks(execute=True):
        services.case_request_changes(case=case, by=clinic_staff, note=note)

    page = owner_client.get(reverse("claims:dashboard")).text
    assert "Your clinic asked for changes" in page
    assert "sertraline trial" in page
    (message,) = mailoutbox
    for body in (message.subject, message.body, message.alternatives[0][0]):
        assert "sertraline" not in body
        assert "esketamine" not in body.lower()
    assert "Log in" in message.body


def test_resubmission_returns_the_case_to_the_queue(case, owner_client, clinic_staff, clinic):
    services.case_request_changes(case=case, by=clinic_staff, note="Add your PHQ-9.")

    owner_client.post(
        reverse("claims:step_submit", args=[case.public_id]),
        {"action": "send", "after": "stay", "clinic": clinic.pk, "consent": "on"},
    )

    assert CoverageCase.objects.get(pk=case.pk).review_status == Review.SUBMITTED
    resubmitted = ReviewEvent.objects.filter(case=case).first()
    assert (resubmitted.from_status, resubmitted.to_status) == (
        Review.CHANGES_REQUESTED,
        Review.SUBMITTED,
    )
    assert resubmitted.by == case.patient.user


def test_a_note_is_required_to_request_changes(case, clinic_staff):
    with pytest.raises(ValidationError):
        services.case_request_changes(case=case, by=clinic_staff, note="  ")


def test_review_events_are_append_only(case, clinic_staff):
    services.case_review_start(case=case, by=clinic_staff)
    event = ReviewEvent.objects.get()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ReviewEvent.objects.update(note="changed")


def test_csv_holds_only_the_selected_cases_and_neutralises_formulas(owner, clinic, clinic_staff):
    owner.patient.legal_first_name = '=HYPERLINK("http://x")'
    owner.patient.legal_last_name = "Smith"
    owner.patient.save()
    chosen = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    SharedCaseFactory(clinic=clinic)  # not selected
    out = io.StringIO()

    services.cases_export_csv(
        cases=CoverageCase.objects.filter(pk=chosen.pk), by=clinic_staff, out=out
    )

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == 2
    header, row = rows
    assert row[header.index("case")] == str(chosen.public_id)
    assert row[header.index("patient")].startswith("'=")
    assert AccessLog.objects.filter(action="export", object_id=chosen.public_id).count() == 1


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_csv_safe_neutralises_formula_starts(value):
    assert services.csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Smith", "F33.2", "", "1-2"])
def test_csv_safe_leaves_plain_text(value):
    assert services.csv_safe(value) == value


def test_deleting_a_record_also_withdraws_a_stale_approval(case, owner, clinic_staff, owner_client):
    from tests.factories import TreatmentTrialFactory

    trial = TreatmentTrialFactory(patient=owner.patient)
    _approved(case, owner, clinic_staff)

    owner_client.post(reverse("claims:trial_delete", args=[case.public_id, trial.public_id]))

    assert CoverageCase.objects.get(pk=case.pk).review_status == Review.IN_REVIEW
