"""In a real browser, with a real Celery worker fed through Redis (issue 16): a patient logs three
sessions on the session page, makes the superbill, waits while the page polls it, downloads it,
and the PDF lists each date with its code, units, pointer and charge."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from claims.models import Packet, TreatmentSession
from tests import redis_server
from tests.claims import test_worker_packets
from tests.coverage_guide.test_worker import project_app_using
from tests.factories import (
    PASSWORD,
    CaseFactory,
    DiagnosisFactory,
    PolicyFactory,
    ProviderFactory,
    TreatmentRequestFactory,
    UserFactory,
)

redis_url = redis_server.redis_url
packet_worker = test_worker_packets.packet_worker  # a real worker on the test database

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.pdf,
    pytest.mark.django_db(transaction=True),
]

PRESCRIBER_NPI = "1234567893"
SITE_NPI = "1245319599"


@pytest.fixture
def case(db):
    user = UserFactory(email="sam@example.com")
    patient = user.patient
    patient.legal_first_name, patient.legal_last_name = "Sam", "Okafor"
    patient.save()
    policy = PolicyFactory(patient=patient, member_id="OON-5150", plan_type="employer_self_funded")
    case = CaseFactory(patient=patient, policy=policy)
    DiagnosisFactory(patient=patient, icd10_code="F33.2", is_primary=True)
    prescriber = ProviderFactory(
        patient=patient, name="Ada Morales", credentials="DO", npi=PRESCRIBER_NPI
    )
    TreatmentRequestFactory(
        case=case,
        product="spravato_84",
        prescriber=prescriber,
        site_name="Lakeview Ketamine Center",
        site_npi=SITE_NPI,
        site_tax_id="98-7654321",
        site_address="12 Lake Rd\nEvanston, IL 60201",
        site_phone="(847) 555-0199",
    )
    return case


def _submit(page, control):
    with page.expect_navigation():
        control.click()
    errors = page.locator("form .alert-danger, .invalid-feedback")
    if errors.count():
        pytest.fail(f"form refused on {page.url}: {errors.all_inner_texts()}")


def test_three_sessions_become_a_downloaded_superbill(
    live_server, case, redis_url, packet_worker, page
):
    url = live_server.url
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in (10, 7, 3)]

    page.goto(url + reverse("patients:login"))
    page.fill("input[name=username]", "sam@example.com")
    page.fill("input[name=password]", PASSWORD)
    _submit(page, page.locator("[name=submit]"))

    page.goto(url + reverse("claims:sessions", args=[case.public_id]))
    for day, paid in zip(days, ["900", "$900.00", "450"], strict=True):
        page.fill("input[name=service_date]", day.isoformat())
        assert page.input_value("input[name=dose_mg]") == "84"  # from the request
        page.fill("input[name=charge]", "900")
        page.fill("input[name=amount_paid]", paid)
        page.select_option("select[name=paid_by]", "patient")
        _submit(page, page.get_by_role("button", name="Add the session"))
    assert TreatmentSession.objects.filter(case=case).count() == 3
    assert page.locator("[data-total-charged]").inner_text() == "$2,700.00"
    assert page.locator("[data-total-paid]").inner_text() == "$2,250.00"
    # On a phone, the list and the line editor fit the width: no sideways scrolling.
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("link", name="Edit").first.click()
    page.wait_for_load_state()
    assert page.locator("input[name='lines-0-code']").input_value() == "J0013"
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + reverse("claims:sessions", args=[case.public_id]))

    with project_app_using(redis_url):
        _submit(page, page.get_by_role("button", name="Make the superbill"))
        download_link = page.get_by_role("link", name="Download PDF")
        # packets.js polls the status and reloads the page once the worker is done.
        download_link.wait_for(timeout=90_000)
        with page.expect_download() as download:
            download_link.click()

    packet = Packet.objects.get(case=case, kind=Packet.Kind.SUPERBILL)
    assert packet.status == Packet.Status.READY, redis_server.log_tail(packet_worker)
    reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for day in days:
        assert f"{day:%m/%d/%Y} 11 J0013 — 84 50458-028-03 A $900.00" in text, day
    assert "Sam Okafor" in text
    assert "OON-5150" in text
    assert f"Individual NPI {PRESCRIBER_NPI}" in text
    assert f"Organization NPI {SITE_NPI}" in text
    assert "Tax ID (EIN) 98-7654321" in text
    assert "Total paid by the patient $2,250.00" in text
    assert Decimal(packet.size) == len(download.value.path().read_bytes())
