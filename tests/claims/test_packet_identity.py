"""Packets name the patient by their legal name, never their email: on the cover, in the letter
and in the footer of every page, with a bracketed placeholder when the name is not there yet.
A change on the patient's "About you" page makes the packet out of date."""

import pytest

from claims import services
from claims.letters import draft_letter
from claims.models import Letter, Packet
from tests.conftest import packet_page_texts
from tests.factories import CaseFactory, PolicyFactory, days_ago, pdf_upload

EMAIL = "owner@example.com"  # the owner fixture's


@pytest.fixture
def case(owner):
    patient = owner.patient
    patient.legal_first_name, patient.legal_middle_name = "Robin", "Ann"
    patient.legal_last_name = "Quill"
    patient.date_of_birth = days_ago(14_000)
    patient.save()
    policy = PolicyFactory(patient=patient, member_id="MEM-7788")
    return CaseFactory(patient=patient, policy=policy)


def _pages(case, owner, django_capture_on_commit_callbacks) -> list[str]:
    # A two-page upload: its pages are appended and get the same footer.
    services.document_upload(
        case=case, category="medical_records", upload=pdf_upload(pages=2), by=owner
    )
    with django_capture_on_commit_callbacks(execute=True):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.READY, packet.error
    return packet_page_texts(packet)


@pytest.mark.pdf
def test_the_cover_and_every_footer_name_the_patient_never_the_email(
    case, owner, django_capture_on_commit_callbacks
):
    pages = _pages(case, owner, django_capture_on_commit_callbacks)

    born = case.patient.date_of_birth.strftime("%m/%d/%Y")
    assert "Robin Ann Quill" in pages[0]
    assert f"Date of birth {born}" in pages[0]
    assert len(pages) >= 4
    for number, text in enumerate(pages, start=1):
        assert "Robin Ann Quill · Member ID MEM-7788" in text, number
        assert f"Page {number} of {len(pages)}" in text, number
        assert EMAIL not in text, number
    letter = next(text for text in pages if "Letter of medical necessity" in text)
    assert "Robin Ann Quill" in letter.split("Page ")[0]


@pytest.mark.pdf
def test_without_a_name_each_page_shows_a_placeholder_that_names_it(
    case, owner, django_capture_on_commit_callbacks
):
    patient = case.patient
    patient.legal_first_name = patient.legal_middle_name = patient.legal_last_name = ""
    patient.date_of_birth = None
    patient.save()

    pages = _pages(case, owner, django_capture_on_commit_callbacks)

    assert "Patient [Patient's legal name]" in pages[0]
    assert "Date of birth [Patient's date of birth]" in pages[0]
    assert "Patient —" not in pages[0]
    assert "Date of birth —" not in pages[0]
    for number, text in enumerate(pages, start=1):
        assert "[Patient's legal name] · Member ID MEM-7788" in text, number
        assert EMAIL not in text, number


def test_the_drafted_letter_uses_the_legal_name_and_birth_date(case):
    text = draft_letter(kind=Letter.Kind.MEDICAL_NECESSITY, case=case)

    assert "Robin Ann Quill" in text
    assert str(case.patient.date_of_birth.year) in text
    assert EMAIL not in text


def test_a_change_about_the_patient_makes_the_packet_out_of_date(case, owner):
    packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    assert not services.packet_is_out_of_date(packet)

    patient = case.patient
    patient.preferred_language = "es"  # not printed on packets
    patient.save()
    assert not services.packet_is_out_of_date(packet)

    patient.legal_last_name = "Quill-Baker"
    patient.save()
    assert services.packet_is_out_of_date(packet)
