"""In a real browser (issue 15): a denied request, the first appeal recorded as lost, the ladder
pointing to the next door, and the external review request made and downloaded as a PDF that
names the process, its rule and the last day to ask."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from claims.deadlines import add_months, next_business_day
from tests.factories import PASSWORD, CaseFactory, DenialFactory, PolicyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def denied_case(db):
    user = UserFactory(email="lee@example.com")
    patient = user.patient
    patient.legal_first_name, patient.legal_last_name = "Lee", "Park"
    patient.save()
    # An individual plan: one internal appeal, then the state's external review.
    policy = PolicyFactory(patient=patient, member_id="IND-778", plan_type="marketplace")
    case = CaseFactory(patient=patient, policy=policy)
    DenialFactory(pa_request__case=case, reference_number="DEN-900")
    return case


def _submit(page, control):
    with page.expect_navigation():
        control.click()
    errors = page.locator("form .alert-danger, .invalid-feedback")
    if errors.count():
        pytest.fail(f"form refused on {page.url}: {errors.all_inner_texts()}")


def test_a_lost_first_appeal_leads_to_an_external_review_request(live_server, denied_case, page):
    url = live_server.url
    today = timezone.localdate()
    filed, decided = today - timedelta(days=20), today - timedelta(days=2)

    page.goto(url + reverse("patients:login"))
    page.fill("input[name=username]", "lee@example.com")
    page.fill("input[name=password]", PASSWORD)
    _submit(page, page.locator("[name=submit]"))

    # Step 6: the first appeal, lost.
    page.goto(url + reverse("claims:step_appeal", args=[denied_case.public_id]))
    ladder = page.locator("section[aria-labelledby=ladder-heading]")
    assert "Not started" in ladder.inner_text()
    appeal = page.locator("form", has=page.locator("input[name=action][value=appeal]"))
    appeal.locator("select[name=level]").select_option("internal_1")
    appeal.locator("input[name=filed_on]").fill(filed.isoformat())
    appeal.locator("select[name=outcome]").select_option("upheld")
    appeal.locator("input[name=decided_on]").fill(decided.isoformat())
    _submit(page, appeal.get_by_role("button", name="Save", exact=True))

    ladder = page.locator("section[aria-labelledby=ladder-heading]")
    text = " ".join(ladder.inner_text().split())
    assert "Lost" in text
    assert "Next door: External review (independent reviewer)" in text
    due = next_business_day(add_months(decided, 4))  # 45 CFR 147.136(d)(2)(i), DOMAIN.md §4.4a
    assert due.strftime("%m/%d/%Y") in text

    # The external review request, made and downloaded.
    letters = page.locator("section[aria-labelledby=escalation-heading] li", has_text="External")
    _submit(page, letters.get_by_role("button", name="Make this letter"))
    letters = page.locator("section[aria-labelledby=escalation-heading] li", has_text="External")
    with page.expect_download() as download:
        letters.get_by_role("link", name="Download PDF").click()
    reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    pdf = " ".join(" ".join(p.extract_text() for p in reader.pages).split())

    assert "External review request" in pdf
    assert "45 CFR 147.136(c)" in pdf  # the state process, for an individual plan
    assert "department of insurance" in pdf
    assert f"is {due:%m/%d/%Y}" in pdf
    assert "DEN-900" in pdf
    assert "Lee Park" in pdf
