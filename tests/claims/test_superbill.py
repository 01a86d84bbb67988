"""The superbill (issue 16): made from the session log like a packet, read back with pypdf
(every field of DOMAIN.md §6 [R65]), refused while a field is missing, through the patient's
page and the staff's admin action, and shown on the session page with its status."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages.storage.cookie import CookieStorage
from django.urls import reverse
from pypdf import PdfReader

from claims import services
from claims.models import Packet, SessionLine
from claims.selectors import superbill_missing_fields
from tests.factories import (
    DiagnosisFactory,
    PolicyFactory,
    ProviderFactory,
    SharedCaseFactory,
    TreatmentRequestFactory,
    TreatmentSessionFactory,
)

NOW = dt.datetime(2026, 3, 20, 15, tzinfo=dt.UTC)
FIRST, SECOND, THIRD = dt.date(2026, 3, 4), dt.date(2026, 3, 6), dt.date(2026, 3, 11)
PRESCRIBER_NPI = "1234567893"
SITE_NPI = "1245319599"
TAX_ID = "12-3456789"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def case(owner, clinic):
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Robin", "Quill"
    patient.date_of_birth = dt.date(1985, 4, 12)
    patient.save()
    policy = PolicyFactory(
        patient=patient, member_id="MEM-7788", plan_type="employer_fully_insured"
    )
    case = SharedCaseFactory(patient=patient, policy=policy, clinic=clinic)
    DiagnosisFactory(patient=patient, icd10_code="F33.2", is_primary=True)
    DiagnosisFactory(patient=patient, icd10_code="F41.1", description="Generalized anxiety")
    prescriber = ProviderFactory(
        patient=patient, name="Dana Whitfield", credentials="MD", npi=PRESCRIBER_NPI
    )
    TreatmentRequestFactory(
        case=case,
        prescriber=prescriber,
        site_name="Northside Mood Clinic",
        site_npi=SITE_NPI,
        site_tax_id=TAX_ID,
        site_address="100 Main St\nSpringfield, IL 62701",
        site_phone="(217) 555-0100",
    )
    TreatmentSessionFactory(case=case, service_date=FIRST, charge=Decimal("900.00"))
    second = TreatmentSessionFactory(
        case=case,
        service_date=SECOND,
        charge=Decimal("1050.00"),
        amount_paid=Decimal("1050.00"),
        lines=False,
    )
    SessionLine.objects.create(session=second, position=0, code="J0013", units=84,
                               charge=Decimal("900.00"))  # fmt: skip
    SessionLine.objects.create(session=second, position=1, code="99213", units=1,
                               modifiers="25", diagnosis_pointer="AB",
                               charge=Decimal("150.00"))  # fmt: skip
    # Not paid: the clinic's to bill, so not on the superbill.
    TreatmentSessionFactory(
        case=case, service_date=THIRD, amount_paid=Decimal(0), paid_by="", charge=Decimal("777")
    )
    return case


def _make(case, by, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        packet = services.superbill_request(case=case, by=by)
    packet.refresh_from_db()
    return packet


def _text(packet) -> str:
    with packet.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_complete_case_misses_nothing(case):
    assert superbill_missing_fields(case) == []


@pytest.mark.pdf
def test_the_superbill_prints_every_field(case, owner, django_capture_on_commit_callbacks):
    packet = _make(case, owner, django_capture_on_commit_callbacks)

    assert packet.status == Packet.Status.READY, packet.error
    assert packet.kind == Packet.Kind.SUPERBILL
    text = _text(packet)
    for fact in [
        "Robin Quill",
        "04/12/1985",
        "MEM-7788",
        "Dana Whitfield, MD",
        f"Individual NPI {PRESCRIBER_NPI}",
        f"Organization NPI {SITE_NPI}",
        f"Tax ID (EIN) {TAX_ID}",
        "Northside Mood Clinic",
        "100 Main St",
        "(217) 555-0100",
        "A F33.2",
        "B F41.1",
        "Provider signature",
    ]:
        assert fact in text, fact
    # Each line: date, POS, code, modifiers, units, NDC, pointer, charge (and the session's paid).
    assert "03/04/2026 11 J0013 — 84 50458-028-03 A $900.00 $900.00" in text
    assert "03/06/2026 11 J0013 — 84 50458-028-03 A $900.00 $1,050.00" in text
    assert "99213 25 1 — AB $150.00" in text
    assert "03/11/2026" not in text  # not paid yet
    assert "Total charges $1,950.00" in text
    assert "Total paid by the patient $1,950.00" in text
    assert "paid in full" in text


@pytest.mark.pdf
def test_the_patient_makes_it_and_downloads_it_from_the_session_page(
    owner_client, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("claims:superbill_create", args=[case.public_id]))
    assert response.status_code == 302
    packet = Packet.objects.get(case=case, kind=Packet.Kind.SUPERBILL)
    assert packet.status == Packet.Status.READY

    page = owner_client.get(reverse("claims:sessions", args=[case.public_id])).content.decode()
    download = reverse("claims:packet_download", args=[case.public_id, packet.public_id])
    assert download in page
    assert "/media/" not in page
    data = b"".join(owner_client.get(download).streaming_content)
    assert "MEM-7788" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_the_page_polls_a_superbill_being_made(owner_client, case, owner):
    packet = Packet.objects.create(case=case, kind=Packet.Kind.SUPERBILL, version=1)

    page = owner_client.get(reverse("claims:sessions", args=[case.public_id])).content.decode()

    status = reverse("claims:packet_status", args=[case.public_id, packet.public_id])
    assert f'data-packet-status-url="{status}"' in page
    assert "Your superbill" in page
    assert "Make a new version" in page


def test_a_field_removed_before_the_render_fails_the_superbill_naming_it(
    owner_client, case, owner, django_capture_on_commit_callbacks
):
    """Issue 16 review: the render checks again; a blank is never printed, nor retried."""
    with django_capture_on_commit_callbacks(execute=False) as dispatch:
        packet = services.superbill_request(case=case, by=owner)
    prescriber = case.treatment_request.prescriber
    prescriber.npi = ""
    prescriber.save()

    for callback in dispatch:
        callback()  # the worker renders it (eager in tests)

    packet.refresh_from_db()
    assert packet.status == Packet.Status.FAILED
    assert "the prescriber's NPI" in packet.error
    assert not packet.file
    assert packet.attempts == 1  # failed at once, not retried
    page = owner_client.get(reverse("claims:sessions", args=[case.public_id]))
    # The failed packet says why, beside the page's own list of what is missing.
    assert "It still needs: the prescriber&#x27;s NPI." in page.content.decode()


@pytest.mark.parametrize(
    ("breakage", "named"),
    [
        (lambda case: case.treatment_request.prescriber.__class__.objects.filter(
            pk=case.treatment_request.prescriber_id).update(npi=""),
         "the prescriber's NPI"),
        (lambda case: case.treatment_request.__class__.objects.filter(
            pk=case.treatment_request.pk).update(site_tax_id=""),
         "the clinic's tax ID (EIN)"),
        (lambda case: case.treatment_request.__class__.objects.filter(
            pk=case.treatment_request.pk).update(site_npi=""),
         "the clinic's organization NPI"),
        (lambda case: case.policy.__class__.objects.filter(pk=case.policy_id).update(
            member_id=""),
         "your member ID"),
        (lambda case: SessionLine.objects.filter(code="99213").update(charge=None),
         "a charge for 99213 on 2026-03-06"),
    ],
)  # fmt: skip
def test_the_view_refuses_naming_what_is_missing(owner_client, case, breakage, named):
    breakage(case)

    response = owner_client.post(
        reverse("claims:superbill_create", args=[case.public_id]), follow=True
    )

    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert "The superbill still needs a few details: see the list on this page." in page
    assert named in page  # in the page's own list
    assert not Packet.objects.filter(case=case).exists()


def _broken_line(case):
    """A J3490 line without its NDC or charge on 2026-03-11, and a 99213 without its charge."""
    SessionLine.objects.filter(code="99213").update(charge=None)
    session = TreatmentSessionFactory(case=case, service_date=THIRD, ndc="", lines=False)
    SessionLine.objects.create(session=session, code="J3490", units=1, charge=None)


HEALTH_DETAILS = ("J3490", "99213", "J0013", "2026-03", "03/", "Mar")


def _cookie_messages(response) -> list[str]:
    """The messages as the browser keeps them: the cookie, signed and compressed, read back."""
    cookie = response.cookies["messages"].value
    return [str(m) for m in CookieStorage(response.wsgi_request)._decode(cookie)]


def test_the_refusal_keeps_codes_and_dates_out_of_the_messages_cookie(owner_client, case):
    """Issue 16 review: messages may travel in a cookie; the page lists the details."""
    _broken_line(case)

    response = owner_client.post(reverse("claims:superbill_create", args=[case.public_id]))

    assert response.status_code == 302
    # The default storage keeps it in the cookie, with no code or date of service.
    assert _cookie_messages(response) == [
        "The superbill still needs a few details: see the list on this page."
    ]
    page = owner_client.get(response.url)
    (message,) = [str(m) for m in page.context["messages"]]
    assert message == "The superbill still needs a few details: see the list on this page."
    listed = page.content.decode().split("data-superbill-missing", 1)[1]
    assert "the NDC for J3490 on 2026-03-11" in listed
    assert "a charge for 99213 on 2026-03-06" in listed


def test_j3490_needs_its_ndc_and_a_pointer_needs_its_diagnosis(case):
    session = TreatmentSessionFactory(case=case, service_date=THIRD, ndc="", lines=False)
    SessionLine.objects.create(session=session, code="J3490", units=1, charge=Decimal("900"),
                               diagnosis_pointer="C")  # fmt: skip

    missing = superbill_missing_fields(case)

    assert "the NDC for J3490 on 2026-03-11" in missing
    assert "a diagnosis for J3490 on 2026-03-11 (its pointer is C)" in missing


def test_line_charges_must_add_up_to_the_session(case):
    SessionLine.objects.filter(code="99213").update(charge=Decimal("100"))

    (problem,) = superbill_missing_fields(case)

    assert "2026-03-06" in problem
    assert "$1050.00" in problem


def test_nothing_paid_is_named(owner, case):
    case.treatment_sessions.update(amount_paid=Decimal(0))

    assert "a session you have paid for" in superbill_missing_fields(case)


# --- staff in admin -------------------------------------------------------------------------


def _action(client, case):
    return client.post(
        reverse("admin:claims_coveragecase_changelist"),
        {"action": "make_superbill", "_selected_action": [case.pk]},
        follow=True,
    )


def test_staff_make_it_for_their_clinics_case(
    client, case, reviewer, otp_login, django_capture_on_commit_callbacks
):
    otp_login(client, reviewer)

    with django_capture_on_commit_callbacks(execute=False):
        response = _action(client, case)

    assert "1 superbill(s) queued." in response.content.decode()
    packet = Packet.objects.get(case=case, kind=Packet.Kind.SUPERBILL)
    assert packet.requested_by == reviewer


def test_the_admin_action_refuses_and_the_case_page_names_the_missing_npi(
    client, case, reviewer, otp_login
):
    prescriber = case.treatment_request.prescriber
    prescriber.npi = ""
    prescriber.save()
    otp_login(client, reviewer)

    response = _action(client, case)

    page = response.content.decode().replace("&#x27;", "'")
    assert "The superbill still needs a few details: see “Superbill” on the case's page." in page
    assert not Packet.objects.filter(case=case).exists()
    change = client.get(reverse("admin:claims_coveragecase_change", args=[case.pk]))
    assert "the prescriber's NPI" in change.content.decode().replace("&#x27;", "'")


def test_the_admin_refusal_keeps_codes_and_dates_out_of_the_messages_cookie(
    client, case, reviewer, otp_login
):
    _broken_line(case)
    otp_login(client, reviewer)

    response = client.post(
        reverse("admin:claims_coveragecase_changelist"),
        {"action": "make_superbill", "_selected_action": [case.pk]},
    )

    assert response.status_code == 302
    (message,) = _cookie_messages(response)
    assert "still needs a few details" in message
    assert not [detail for detail in HEALTH_DETAILS if detail in message]
    change = client.get(reverse("admin:claims_coveragecase_change", args=[case.pk]))
    assert "a charge for 99213 on 2026-03-06" in change.content.decode()


def test_other_clinics_staff_cannot_make_it(client, case, other_reviewer, otp_login):
    otp_login(client, other_reviewer)

    _action(client, case)

    assert not Packet.objects.filter(case=case).exists()


@pytest.mark.parametrize("intruder", ["outsider", "other_clinic_staff"])
def test_others_get_404(request, client, case, intruder):
    client.force_login(request.getfixturevalue(intruder))

    response = client.post(reverse("claims:superbill_create", args=[case.public_id]))

    assert response.status_code == 404
    assert not Packet.objects.filter(case=case).exists()


def test_anonymous_goes_to_login(client, case):
    response = client.post(reverse("claims:superbill_create", args=[case.public_id]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patients:login"))
