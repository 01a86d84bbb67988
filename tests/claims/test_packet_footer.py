"""The packet's footer (issue 18, item 5): WeasyPrint runs once per packet, and every page, the
appended uploads' included, says whose packet it is and "Page X of Y" of the whole packet. pypdf
stamps it in Helvetica when Helvetica can draw it; other names are drawn by WeasyPrint in the
same pass. Read back with pypdf, as a reader's copy and paste would."""

import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

from claims import services
from claims.models import Packet
from tests.conftest import packet_page_texts
from tests.factories import CaseFactory, PolicyFactory, pdf_upload

pytestmark = pytest.mark.pdf


@pytest.fixture
def pdf():
    """claims.pdf, imported by the tests that need it (loading WeasyPrint takes about a second)."""
    from claims import pdf

    return pdf


def _case(owner, first: str, last: str, member_id: str = "MEM-7788"):
    patient = owner.patient
    patient.legal_first_name, patient.legal_middle_name, patient.legal_last_name = first, "", last
    patient.save()
    return CaseFactory(patient=patient, policy=PolicyFactory(patient=patient, member_id=member_id))


def _png_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, "PNG")
    return SimpleUploadedFile("card.png", buffer.getvalue(), content_type="image/png")


def _shared_resources_upload(pages: int = 3) -> SimpleUploadedFile:
    """An A4 PDF written as some producers write them: its pages share one resource dictionary,
    and each page's content is an array behind a reference (a small grey square, no text)."""
    writer = PdfWriter()
    shared = writer._add_object(DictionaryObject({NameObject("/ProcSet"): NameObject("/PDF")}))
    for _ in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = shared
        square = DecodedStreamObject()
        square.set_data(b"0.5 g 20 20 40 40 re f")
        contents = ArrayObject([writer._add_object(square)])
        page[NameObject("/Contents")] = writer._add_object(contents)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("a4.pdf", buffer.getvalue(), content_type="application/pdf")


def _upload_all(case, owner) -> int:
    """Three uploads: two PDF pages, an image page and three A4 pages. Returns the page count."""
    for upload in (pdf_upload(pages=2), _png_upload(), _shared_resources_upload(pages=3)):
        services.document_upload(case=case, category="medical_records", upload=upload, by=owner)
    return 2 + 1 + 3


def _render(case, owner, django_capture_on_commit_callbacks) -> Packet:
    with django_capture_on_commit_callbacks(execute=True):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.READY, packet.error
    return packet


@pytest.mark.parametrize(
    ("first", "last", "stamped"),
    [
        ("Robin", "Quill", True),
        ("José", "Núñez", True),  # Latin-1: Helvetica's WinAnsiEncoding has it
        ("Иван", "Петров", False),  # Cyrillic: WeasyPrint draws it
        ("Nguyễn Thị", "Ánh", False),  # ễ and ị are outside WinAnsiEncoding
    ],
)
def test_every_page_names_the_patient_and_counts_the_whole_packet(
    owner, django_capture_on_commit_callbacks, pdf, first, last, stamped
):
    case = _case(owner, first, last)
    uploaded = _upload_all(case, owner)

    packet = _render(case, owner, django_capture_on_commit_callbacks)

    identity = f"{first} {last} · Member ID MEM-7788"
    assert pdf.Footer(identity=identity, appended_pages=uploaded).stamped is stamped
    pages = packet_page_texts(packet)
    total = len(pages)
    assert packet.page_count == total
    for number, text in enumerate(pages, start=1):
        assert identity in text, number
        assert f"Page {number} of {total}" in text, number
    # The uploads are blank: their pages carry the footer and nothing else, each its own number
    # (the A4 pages share their resources), and the body is what comes before them.
    body = total - uploaded
    assert "Enclosures follow in the order above." in pages[body - 1]
    for number, text in enumerate(pages[body:], start=body + 1):
        assert " ".join(text.split()) == f"{identity} Page {number} of {total}", number
    with packet.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    assert {(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages} == {
        (612, 792)
    }


@pytest.mark.parametrize(("first", "last"), [("Robin", "Quill"), ("Иван", "Петров")])
def test_weasyprint_renders_each_packet_once(
    owner, django_capture_on_commit_callbacks, first, last
):
    from weasyprint import HTML

    case = _case(owner, first, last)
    _upload_all(case, owner)

    with mock.patch.object(HTML, "write_pdf", autospec=True, side_effect=HTML.write_pdf) as write:
        packet = _render(case, owner, django_capture_on_commit_callbacks)

    assert write.call_count == 1
    assert packet.page_count == len(packet_page_texts(packet))


def test_without_a_member_id_the_footer_says_which_fact_is_missing(
    owner, django_capture_on_commit_callbacks
):
    case = _case(owner, "", "", member_id="")
    services.document_upload(case=case, category="medical_records", upload=pdf_upload(), by=owner)

    pages = packet_page_texts(_render(case, owner, django_capture_on_commit_callbacks))

    for number, text in enumerate(pages, start=1):
        assert f"[Patient's legal name] · Member ID [Member ID] Page {number} of " in (
            " ".join(text.split())
        )


def test_a_name_cannot_break_out_of_the_footer_css(owner, django_capture_on_commit_callbacks):
    # Cyrillic sends it to WeasyPrint, where the name becomes a CSS string: quotes, a backslash
    # and braces must print as themselves.
    case = _case(owner, 'Иван "}@page{', "Петров\\")
    services.document_upload(case=case, category="medical_records", upload=pdf_upload(), by=owner)

    pages = packet_page_texts(_render(case, owner, django_capture_on_commit_callbacks))

    for number, text in enumerate(pages, start=1):
        assert f'Иван "}}@page{{ Петров\\ · Member ID MEM-7788 Page {number} of' in (
            " ".join(text.split())
        ), number


@pytest.mark.parametrize(
    ("identity", "stamped"),
    [
        ("Robin Quill · Member ID MEM-7788", True),
        ("Zoë Ørsted-Œlund · Member ID 123", True),
        ("王小明 · Member ID 123", False),
        ("Łukasz Wiśniewski · Member ID 123", False),
        ("Robin\tQuill · Member ID 123", False),  # not printable: never drawn as a glyph
        (f"{'Maximiliana ' * 9}Quill · Member ID MEM-7788", False),  # too long for one line
    ],
)
def test_helvetica_draws_what_it_can_on_one_line(pdf, identity, stamped):
    assert pdf.Footer(identity=identity, appended_pages=1).stamped is stamped
