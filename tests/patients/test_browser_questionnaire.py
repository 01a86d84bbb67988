"""In a real browser (issue 13, "Done when"): a patient answers the PHQ-9 with item 9 = 1 and sees
the crisis resources at once, acknowledges them, finds them on the dashboard; the clinic's
reviewer sees the safety flag in the queue and asks for changes, which emails the patient. Every
email sent carries no detail of the answers. Screenshots at 1280 and 375 px go to
.local/screenshots/ for a person to look at."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from claims import services as claim_services
from tests.axe_checks import problems
from tests.conftest import otp_force_login
from tests.factories import (
    PASSWORD,
    SharedCaseFactory,
    StaffFactory,
    TreatmentTrialFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / ".local" / "screenshots"
TELLING = ["988", "crisis", "safety", "harm", "dead", "suicid", "phq", "item"]


@pytest.fixture
def case(db):
    patient = UserFactory(email="sam@example.com").patient
    TreatmentTrialFactory(patient=patient, name_as_entered="Zoloft", side_effects="Nausea")
    TreatmentTrialFactory(patient=patient, name_as_entered="Effexor XR", drug_generic="venlafaxine")
    return SharedCaseFactory(patient=patient)


@pytest.fixture
def reviewer_cookie(case):
    """A reviewer of the case's clinic, signed in with a second factor (as admin requires): the
    session cookie, made with the test client before the browser starts."""
    staff = StaffFactory(email="reviewer@clinic.example.com")
    case.clinic.staff.add(staff)
    staff.groups.add(Group.objects.get(name=claim_services.REVIEWER_GROUP))
    client = Client()
    otp_force_login(client, staff)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _checked(page, name: str) -> list[str]:
    """axe-core at 1280 and 375 px (tests/axe_checks.py), back at 1280 after."""
    found = []
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        found += problems(page, name, width)
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


def _fits(page, width: int) -> bool:
    page.set_viewport_size({"width": width, "height": 900})
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_item_9_shows_help_then_the_dashboard_and_queue_flags_and_no_email_tells(
    live_server, case, mailoutbox, reviewer_cookie, page
):
    url = live_server.url
    page.goto(url + reverse("patients:login"))
    page.fill("input[name=username]", "sam@example.com")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("[name=submit]").click()

    # The PHQ-9 from step 2, item by item: 1 for every item, item 9 included.
    page.goto(url + reverse("claims:step_history", args=[case.public_id]))
    # The trials table fits a phone (shot for a person to look at).
    assert _fits(page, 375)
    assert page.evaluate(  # rows stack on a phone: nothing scrolls inside the table's box either
        "(() => { const box = document.querySelector('#trials-heading ~ .table-responsive');"
        " return box.scrollWidth <= box.clientWidth; })()"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#trials-heading").locator("xpath=..").screenshot(
        path=str(SHOTS / "trials-table-375.png")
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_navigation():
        page.get_by_role("link", name="Fill in the PHQ-9 (depression)").click()
    _shot(page, "questionnaire")
    found = _checked(page, "questionnaire")
    live = page.locator("[data-reveal-for=item_9]")
    for n in range(1, 9):
        page.locator(f"#q-{n}").get_by_label("Several days").check()
    page.locator("#q-9").get_by_label("Not at all").check()
    assert not live.is_visible()
    # Before saving: the help shows the moment item 9 is answered above zero, read out at once.
    page.locator("#q-9").get_by_label("Several days").check()
    assert live.is_visible()
    assert live.get_attribute("role") == "alert"
    assert "call or text 988" in live.inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Save my answers").click()

    # At once, on the page after saving.
    alert = page.get_by_role("alert").filter(has_text="988")
    assert alert.is_visible()
    for words in ["call or text 988", "988lifeline.org", "call 911 or go to the nearest",
                  "cannot respond to emergencies"]:  # fmt: skip
        assert words in alert.inner_text(), words
    assert "Total: 9 of 27" in page.inner_text("main")
    _shot(page, "safety-message")
    with page.expect_navigation():
        alert.get_by_role("button", name="I have read this").click()
    assert "You read this on" in page.inner_text("main")

    # Then on the dashboard.
    page.goto(url + reverse("claims:dashboard"))
    flag = page.locator("#safety-message")
    assert flag.is_visible()
    assert "988" in flag.inner_text()
    _shot(page, "dashboard-flag")

    # Then in the clinic's queue, as words a screen reader reads.
    page.context.clear_cookies()
    host = url.split("://", 1)[1].split(":")[0]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": reviewer_cookie,
                "domain": host,
                "path": "/",
            }
        ]
    )
    page.goto(url + reverse("admin:claims_coveragecase_changelist"))
    row = page.locator("#result_list tbody tr").filter(has_text=str(case.public_id)[:8])
    assert row.get_by_text("Safety flag").is_visible()
    # The step marks, in words for a screen reader (hidden from sight, not from the tree).
    assert "step 1: " in row.locator(".steps .visually-hidden").text_content()
    assert "Several days" not in page.inner_text("body")
    found += _checked(page, "admin queue")
    assert _fits(page, 1280), "the queue scrolls sideways at 1280 px"
    # ... nor does its table scroll inside its own box.
    assert page.evaluate(
        "(() => { const box = document.querySelector('#changelist .results');"
        " return box.scrollWidth <= box.clientWidth; })()"
    ), page.evaluate(
        "(() => { const box = document.querySelector('#changelist .results');"
        " return [box.scrollWidth, box.clientWidth, [...document.querySelectorAll("
        "'#result_list thead th')].map(th => th.className + ':' + th.offsetWidth).join(' ')]; })()"
    )
    page.screenshot(path=str(SHOTS / "admin-queue-1280.png"), full_page=True)
    assert not [p for p in found if p.startswith("BLOCKING")], "\n".join(found)

    # The reviewer asks for changes: the patient gets an email.
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "request_changes")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    page.fill("textarea[name=note]", "Please add a photo of your insurance card.")
    with page.expect_navigation():
        page.locator("input[type=submit][value='Send to the patient']").click()

    assert mailoutbox, "the flow sends the patient an email"
    for message in mailoutbox:
        text = " ".join([message.subject, message.body, *(b for b, _ in message.alternatives)])
        for word in TELLING:
            assert word not in text.lower(), (word, message.subject)
