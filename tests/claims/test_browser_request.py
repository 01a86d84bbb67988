"""In a real browser: a patient enters who they are (the profile) and what is requested (step 5),
makes the packet, downloads it, and the PDF states both: legal name and date of birth on the
cover and in every footer (never the email), and the request with code, units, sessions, period,
site NPI and REMS status."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tests.factories import PASSWORD, CaseFactory, PolicyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITE_NPI = "1245319599"


@pytest.fixture
def case(db):
    user = UserFactory(email="ana@example.com")
    patient = user.patient
    patient.legal_first_name = patient.legal_last_name = ""
    patient.date_of_birth = None
    patient.save()
    policy = PolicyFactory(patient=patient, member_id="MEM-4455", plan_type="employer_self_funded")
    return CaseFactory(patient=patient, policy=policy)


def _form(page, action):
    return page.locator("form", has=page.locator(f"input[name=action][value={action}]"))


def _submit(page, control):
    with page.expect_navigation():
        control.click()
    errors = page.locator("form .alert-danger, .invalid-feedback")
    if errors.count():
        pytest.fail(f"form refused on {page.url}: {errors.all_inner_texts()}")


def test_the_profile_and_the_request_reach_the_downloaded_packet(live_server, case, page):
    url = live_server.url
    start = timezone.localdate() + timedelta(days=7)
    end = start + timedelta(days=27)

    page.goto(url + reverse("patients:login"))
    page.fill("input[name=username]", "ana@example.com")
    page.fill("input[name=password]", PASSWORD)
    _submit(page, page.locator("[name=submit]"))

    # About you.
    page.goto(url + reverse("patients:profile"))
    page.fill("input[name=legal_first_name]", "Ana")
    page.fill("input[name=legal_last_name]", "Rivera")
    page.fill("input[name=date_of_birth]", "1985-04-12")
    _submit(page, page.get_by_role("button", name="Save", exact=True))

    # Step 5: what is requested.
    page.goto(url + reverse("claims:step_submit", args=[case.public_id]))
    asked = _form(page, "treatment_request")
    asked.locator("select[name=product]").select_option("spravato_84")
    asked.locator("input[name=sessions]").fill("8")
    asked.locator("input[name=start_date]").fill(start.isoformat())
    asked.locator("input[name=end_date]").fill(end.isoformat())
    asked.locator("input[name=site_name]").fill("Lakeside Psychiatry")
    asked.locator("input[name=site_npi]").fill(SITE_NPI)
    asked.locator("select[name=site_rems_certified]").select_option("yes")
    _submit(page, asked.get_by_role("button", name="Save", exact=True))

    # The packet: made (tasks run in-process in tests), then downloaded like a patient would.
    _submit(page, page.get_by_role("button", name="Make my packet"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").first.click()
    reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    pages = [p.extract_text() for p in reader.pages]
    cover = "\n".join(pages).split("Letter of medical")[0]

    for fact in ["Ana Rivera", "04/12/1985", "MEM-4455", "J0013", "672", SITE_NPI,
                 "certified in the Spravato REMS", start.strftime("%m/%d/%Y"),
                 end.strftime("%m/%d/%Y")]:  # fmt: skip
        assert fact in cover, fact
    for number, text in enumerate(pages, start=1):
        assert "Ana Rivera" in text, number
        assert "ana@example.com" not in text, number
