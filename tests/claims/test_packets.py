"""Packets: the PDF read back with pypdf, the render task's idempotency and failure path, safe
rendering, downloads, and versions."""

import datetime as dt
import errno
import io
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from claims import services
from claims.models import Packet, SupportingDocument
from claims.tasks import render_packet
from patients.models import AccessLog
from tests.factories import (
    CaseFactory,
    DenialFactory,
    DiagnosisFactory,
    PolicyFactory,
    SharedCaseFactory,
    SymptomScoreFactory,
    TreatmentTrialFactory,
    pdf_upload,
)


def _png_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, "PNG")
    return SimpleUploadedFile("card.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def pdf():
    """claims.pdf, imported by the tests that need it: loading WeasyPrint costs about a second
    per process, which the fast suite (`-m "not pdf"`) need not pay at collection."""
    from claims import pdf

    return pdf


@pytest.fixture
def case(owner):
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Robin", "Quill"
    patient.save()
    policy = PolicyFactory(patient=patient, member_id="MEM-7788", plan_type="employer_self_funded")
    case = CaseFactory(patient=patient, policy=policy)
    DiagnosisFactory(patient=patient, icd10_code="F33.2", is_primary=True)
    DiagnosisFactory(
        patient=patient, icd10_code="F41.1", description="Generalized anxiety disorder"
    )
    TreatmentTrialFactory(patient=patient, name_as_entered="Zoloft", drug_generic="sertraline")
    TreatmentTrialFactory(
        patient=patient,
        name_as_entered="Effexor XR",
        drug_generic="venlafaxine",
        drug_class="SNRI",
        daily_dose=225,
        start_date=dt.date(2024, 5, 1),
        end_date=dt.date(2024, 8, 31),
        side_effects="<img src='file:///etc/passwd'> sweating",
    )
    SymptomScoreFactory(patient=patient, total=22)
    return case


def _make(case, owner, django_capture_on_commit_callbacks, kind="prior_authorization", **kw):
    with django_capture_on_commit_callbacks(execute=True):
        packet = services.packet_request(case=case, kind=kind, by=owner, **kw)
    packet.refresh_from_db()
    return packet


def _read(packet) -> PdfReader:
    with packet.file.open("rb") as fh:
        return PdfReader(io.BytesIO(fh.read()))


def _text(reader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.pdf
def test_the_packet_shows_the_case_and_appends_the_uploads(
    case, owner, django_capture_on_commit_callbacks
):
    services.document_upload(
        case=case, category="medical_records", upload=pdf_upload(pages=2), by=owner, title="Notes"
    )
    services.document_upload(case=case, category="insurance_card", upload=_png_upload(), by=owner)

    packet = _make(case, owner, django_capture_on_commit_callbacks)

    assert packet.status == Packet.Status.READY
    reader = _read(packet)
    text = _text(reader)
    for fact in ["Robin Quill", "MEM-7788", "F33.2", "F41.1", "sertraline", "venlafaxine", "225"]:
        assert fact in text, fact
    assert "LETTER OF MEDICAL NECESSITY".lower() in text.lower()
    assert "DRAFT" in text
    # Escaped, not fetched: the field's markup is printed as text.
    assert "<img src='file:///etc/passwd'>" in text
    total = len(reader.pages)
    assert packet.page_count == total
    main_pages = total - 3  # two PDF pages and one image page appended
    assert main_pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        footer = page.extract_text()
        assert f"Page {number} of {total}" in footer
        assert "Robin Quill" in footer
        assert "MEM-7788" in footer
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
    assert packet.size > 0
    assert len(packet.sha256) == 64
    assert packet.render_ms is not None


@pytest.mark.pdf
@pytest.mark.parametrize(
    ("plan_type", "when", "code", "absent"),
    [
        ("employer_fully_insured", "2025-12-31", "S0013", "J0013"),
        ("employer_fully_insured", "2026-01-02", "J0013", "S0013"),
        ("medicare_advantage", "2026-01-02", "G2082", "J0013"),
    ],
)
def test_the_packet_carries_the_code_for_the_plan_and_date(
    owner, django_capture_on_commit_callbacks, plan_type, when, code, absent
):
    patient = owner.patient
    case = CaseFactory(patient=patient, policy=PolicyFactory(patient=patient, plan_type=plan_type))
    with time_machine.travel(f"{when} 12:00:00+00:00", tick=False):
        packet = _make(case, owner, django_capture_on_commit_callbacks)
    text = _text(_read(packet))
    assert code in text
    assert absent not in text


@pytest.mark.pdf
def test_an_unreadable_upload_is_listed_not_fatal(case, owner, django_capture_on_commit_callbacks):
    broken = SupportingDocument(
        case=case,
        category="test_results",
        title="Lab results",
        content_type="application/pdf",
        extension=".pdf",
        size=10,
        sha256="0" * 64,
    )
    broken.file.save("broken.pdf", ContentFile(b"%PDF-1.4 garbage"), save=True)

    packet = _make(case, owner, django_capture_on_commit_callbacks)

    assert packet.status == Packet.Status.READY
    assert "could not be attached" in _text(_read(packet))


@pytest.mark.pdf
def test_an_upload_missing_from_storage_is_listed_not_fatal(
    case, owner, django_capture_on_commit_callbacks
):
    document = services.document_upload(
        case=case, category="medical_records", upload=pdf_upload(), by=owner, title="Notes"
    )
    document.file.storage.delete(document.file.name)

    packet = _make(case, owner, django_capture_on_commit_callbacks)

    assert packet.status == Packet.Status.READY
    assert "could not be attached" in _text(_read(packet))


@pytest.mark.pdf
def test_an_upload_the_storage_cannot_read_now_is_retried_not_left_out(case, owner, monkeypatch):
    """A bucket that does not answer: the render is tried again later, not finished without the
    document (the packet would look complete to the insurer)."""
    monkeypatch.setitem(render_packet.app.conf, "task_eager_propagates", False)
    services.document_upload(
        case=case, category="medical_records", upload=pdf_upload(), by=owner, title="Notes"
    )
    packet = Packet.objects.create(case=case, kind="prior_authorization", version=1)
    unreachable = ConnectionResetError("the bucket dropped the connection")
    with mock.patch(
        "django.core.files.storage.FileSystemStorage.open", side_effect=unreachable
    ) as opened:
        result = render_packet.apply(args=[packet.pk], throw=False).get()

    packet.refresh_from_db()
    assert result == "failed"
    assert opened.call_count == 1 + render_packet.max_retries  # tried again each time
    assert packet.status == Packet.Status.FAILED  # never READY without the document


@pytest.mark.pdf
def test_the_appeal_packet_answers_the_denial(owner, django_capture_on_commit_callbacks):
    patient = owner.patient
    case = CaseFactory(patient=patient)
    denial = DenialFactory(pa_request__case=case, reason="experimental", reference_number="DEN-314")

    packet = _make(case, owner, django_capture_on_commit_callbacks, kind="appeal", denial=denial)

    text = _text(_read(packet))
    assert "DEN-314" in text
    assert "FDA" in text
    assert "Appeal letter" in text


@pytest.mark.pdf
def test_packets_render_in_english_whatever_the_interface_language(
    case, owner, django_capture_on_commit_callbacks
):
    with translation.override("es"):
        packet = _make(case, owner, django_capture_on_commit_callbacks)
    assert "Patient and coverage" in _text(_read(packet))


@pytest.mark.pdf
def test_rendering_twice_leaves_the_same_state(case, owner, django_capture_on_commit_callbacks):
    packet = _make(case, owner, django_capture_on_commit_callbacks)
    name, digest = packet.file.name, packet.sha256

    assert render_packet.apply(args=[packet.pk]).get() == "ready"

    packet.refresh_from_db()
    assert (packet.file.name, packet.sha256, packet.status) == (name, digest, "ready")
    assert Packet.objects.count() == 1


@pytest.mark.pdf  # patching claims.pdf loads WeasyPrint
def test_a_failing_render_is_retried_then_marked_failed(case, owner, caplog, monkeypatch):
    # Eager retries re-apply the task in this process; they must not raise out of it.
    monkeypatch.setitem(render_packet.app.conf, "task_eager_propagates", False)
    packet = Packet.objects.create(case=case, kind="prior_authorization", version=1)
    full = OSError(errno.ENOSPC, "disk")  # transient: worth trying again
    with mock.patch("claims.pdf.render_packet_pdf", side_effect=full) as render:
        # apply() runs the task and its retries in this process, as a worker would in turn.
        result = render_packet.apply(args=[packet.pk], throw=False).get()

    packet.refresh_from_db()
    assert result == "failed"
    assert render.call_count == 1 + render_packet.max_retries
    assert packet.status == Packet.Status.FAILED
    assert "could not make this packet" in packet.error
    assert "Robin" not in caplog.text
    assert "disk" not in caplog.text  # the exception's text is never logged


@pytest.mark.pdf  # patching claims.pdf loads WeasyPrint
def test_a_missing_packet_is_not_retried(db):
    with mock.patch("claims.pdf.render_packet_pdf") as render:
        assert render_packet.apply(args=[987654], throw=False).get() == "missing"
    assert not render.called


@pytest.mark.pdf
def test_the_fetcher_serves_only_static_files(pdf):
    fetcher = pdf.StaticOnlyFetcher()
    for url in [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/x.png",
        f"{pdf.STATIC_BASE}../../etc/passwd",
        "data:text/plain,hello",
    ]:
        with pytest.raises(ValueError, match="refused|not a static"):
            fetcher.fetch(url)
    response = fetcher.fetch(f"{pdf.STATIC_BASE}css/app.css")
    assert response.status == 200


def test_new_versions_keep_the_old_and_mark_the_newest(case, owner):
    with mock.patch("django.db.transaction.on_commit"):
        first = services.packet_request(case=case, kind="prior_authorization", by=owner)
        second = services.packet_request(case=case, kind="prior_authorization", by=owner)
    first.refresh_from_db()
    assert (first.version, first.is_newest) == (1, False)
    assert (second.version, second.is_newest) == (2, True)


def test_a_later_edit_makes_the_packet_out_of_date(case, owner):
    with mock.patch("django.db.transaction.on_commit"):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    assert not services.packet_is_out_of_date(packet)

    TreatmentTrialFactory(patient=case.patient, name_as_entered="Lexapro")

    assert services.packet_is_out_of_date(packet)


def test_the_request_queues_the_task_after_commit(case, owner, django_capture_on_commit_callbacks):
    with mock.patch("claims.tasks.render_packet.apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
        assert not send.called
        assert packet.status == Packet.Status.QUEUED
        for callback in callbacks:
            callback()
    send.assert_called_once()
    assert send.call_args.args[0] == (packet.pk,)
    assert send.call_args.kwargs["queue"] == "celery"
    packet.refresh_from_db()
    assert packet.dispatched_at is not None


@pytest.mark.pdf
def test_downloads_go_to_the_owner_and_the_clinic_only(
    client,
    owner,
    outsider,
    clinic,
    clinic_staff,
    other_clinic_staff,
    otp_login,
    django_capture_on_commit_callbacks,
):
    patient = owner.patient
    case = SharedCaseFactory(patient=patient, clinic=clinic, policy=PolicyFactory(patient=patient))
    packet = _make(case, owner, django_capture_on_commit_callbacks)
    url = reverse("claims:packet_download", args=[case.public_id, packet.public_id])
    client.force_login(clinic_staff)
    assert client.get(url).status_code == 404  # staff without the reviewer role's permission
    clinic_staff.user_permissions.add(Permission.objects.get(codename="view_supportingdocument"))
    client.force_login(clinic_staff)
    assert client.get(url).status_code == 404  # a password-only session: no second factor yet

    for user, status in [
        (owner, 200),
        (clinic_staff, 200),
        (outsider, 404),
        (other_clinic_staff, 404),
    ]:
        if user.is_patient:
            client.force_login(user)
        else:
            otp_login(client, user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert response["Content-Type"] == "application/pdf"
            assert 'filename="preauthorization-packet-v1.pdf"' in response["Content-Disposition"]
            assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.filter(object_id=packet.public_id, action="download").count() == 2


def test_the_step_page_offers_the_packet_and_the_letter(owner_client, case, owner):
    with mock.patch("django.db.transaction.on_commit"):
        services.packet_request(case=case, kind="prior_authorization", by=owner)
    page = owner_client.get(reverse("claims:step_submit", args=[case.public_id])).text
    assert "Waiting to be made" in page
    assert "data-packet-status-url" in page
    assert "Read and edit the Letter of medical necessity" in page


def test_the_patient_edits_the_letter(owner_client, case, owner):
    letter = services.letter_get_or_draft(case=case, kind="medical_necessity")
    url = reverse("claims:letter_edit", args=[case.public_id, letter.public_id])
    assert "Robin Quill" in owner_client.get(url).text

    owner_client.post(url, {"text": "My own words."})

    letter.refresh_from_db()
    assert letter.text == "My own words."
    assert letter.edited_by == owner


@pytest.mark.pdf
def test_the_signature_never_stands_alone_on_a_page(case, owner, pdf):
    letter = services.letter_get_or_draft(case=case, kind="medical_necessity")
    closing = [
        "Closing words: I ask you to approve this treatment.",
        "Sincerely,\n[Provider signature]\nDr. Jane Okafor, MD\nPsychiatrist\nNPI: 1234567893\n"
        "Riverside Clinic\nPhone: (217) 555-0100\nFax: (217) 555-0101",
    ]
    spilled = False
    # The letter's first page holds 22 one-line paragraphs and the closing (about six such
    # paragraphs tall): stepping the filler from 22 to 28 moves the closing across the page's
    # end, so left to itself the page would break inside it, the signature alone on the next.
    for count in range(22, 30, 2):
        filler = [f"Filler paragraph {n:02d} of the letter body." for n in range(count)]
        services.letter_save(letter=letter, text="\n\n".join([*filler, *closing]), by=owner)
        packet = Packet.objects.create(case=case, kind="prior_authorization", version=count)

        body, _pages = pdf.render_packet_pdf(packet)

        pages = [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]
        signature_page = next(n for n, text in enumerate(pages) if "[Provider signature]" in text)
        assert "Closing words" in pages[signature_page], count
        assert "Sincerely," in pages[signature_page], count
        spilled |= "Filler paragraph 00" not in pages[signature_page]
    assert spilled  # in some render the letter did run onto a second page
