"""In a real browser at 375 px (issue 17, "Done when"): a patient chooses Español on the sign-up
page, signs up and confirms the account in Spanish, walks all six wizard steps in Spanish (saving
a form on steps 1, 2, 3 and 5 and seeing the Spanish success message), with nothing scrolling
sideways on any page, and then gets the deadline reminder email in Spanish.

Spanish runs about 20% longer than English, so every page is screenshotted at full length into
tmp_path and checked for horizontal overflow. The Spanish expected is read from the catalog
(locale/es/LC_MESSAGES/django.po), not written here."""

import re
from datetime import timedelta
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from claims.guidance import STEPS
from claims.models import CoverageCase, Deadline
from claims.services.deadlines import deadline_reminders_send
from patients.models import Patient
from tests.claims.test_browser_wizard import _form, _submit

# The live server's autouse helper sets up `transactional_db` before any fixture a test names, so
# `seeds_restored` would put the seeds back before the flush; conftest's teardown hook re-seeds
# after a live-server test instead, as for the other browser tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "rio@example.com"
PASSWORD = "una frase de paso larga y poco común"
PHONE = {"width": 375, "height": 812}
CATALOG = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def es():
    """msgid -> msgstr from the Spanish catalog; plural entries give their msgstr_plural."""
    entries = {}
    for entry in polib.pofile(str(CATALOG)):
        if entry.obsolete:
            continue
        entries[entry.msgid] = entry.msgstr_plural or entry.msgstr
    return entries


def _save(page, action: str):
    _submit(page, _form(page, action).locator("button[name=after][value=stay]"))


def _days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def _in_spanish_and_fits(page, shots: Path, name: str) -> None:
    """`<html lang="es">`, a full-page screenshot at 375 px, and nothing wider than the phone."""
    assert page.evaluate("document.documentElement.lang") == "es", page.url
    page.screenshot(path=shots / f"{name}-375.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        wide = page.evaluate(
            """(limit) => [...document.querySelectorAll("main *")]
                .filter(el => el.getBoundingClientRect().right > limit)
                .slice(0, 5).map(el => el.tagName + " " + el.textContent.trim().slice(0, 60))""",
            PHONE["width"],
        )
        pytest.fail(f"{name} scrolls sideways at 375 px ({width} px wide): {wide}")


def _success(page) -> str:
    return " ".join(page.locator("main > .alert-success").all_inner_texts())


def test_a_spanish_patient_signs_up_walks_six_steps_and_gets_a_spanish_reminder(
    live_server, tmp_path, page, es
):
    url = live_server.url
    shots = tmp_path / "screens"
    shots.mkdir()
    page.set_viewport_size(PHONE)

    # 1. Sign up in Spanish, chosen with the switcher on the sign-up page.
    page.goto(url + reverse("patients:signup"))
    assert page.evaluate("document.documentElement.lang") == "en"
    switcher = page.get_by_role("form", name="Language")
    with page.expect_navigation():
        switcher.get_by_role("button", name="Español").click()
    page.wait_for_function("document.documentElement.lang === 'es'")
    assert page.url == url + reverse("patients:signup")
    assert page.locator("main h1").inner_text().strip() == es["Create an account"]
    _in_spanish_and_fits(page, shots, "signup")

    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=accept_terms]")
    page.check("input[name=accept_privacy]")
    _submit(page, page.locator("main form button[type=submit], main form input[type=submit]"))
    assert page.url == url + reverse("patients:signup_sent")
    _in_spanish_and_fits(page, shots, "signup-sent")

    # The live server runs in this process: its email lands in this outbox.
    (confirm,) = mail.outbox
    assert confirm.to == [EMAIL]
    page.goto(re.search(r"https?://\S+", confirm.body).group(0))
    _in_spanish_and_fits(page, shots, "signup-confirm")
    page.fill("input[name=password]", PASSWORD)
    _submit(page, page.locator("main form button[type=submit], main form input[type=submit]"))
    assert page.url == url + reverse("claims:dashboard")
    _in_spanish_and_fits(page, shots, "dashboard")
    patient = Patient.objects.get(user__email=EMAIL)
    assert patient.preferred_language == "es"

    # 2. A case, and all six steps in Spanish.
    page.goto(url + reverse("claims:case_start"))
    _in_spanish_and_fits(page, shots, "case-start")
    page.check("input[name=treatment][value=esketamine]")
    page.select_option("select[name=condition]", "trd")
    _submit(page, page.locator("main form [type=submit]").first)
    assert es["Your case is started. Step 1 is about your insurance."] in _success(page)
    case = CoverageCase.objects.get(patient=patient)
    saved = es["Saved."]

    def step(slug: str, number: int):
        guide = next(g for g in STEPS if g.slug == slug)
        page.goto(url + reverse(f"claims:step_{slug}", args=[case.public_id]))
        heading = " ".join(page.locator("main h1").inner_text().split())
        with translation.override("en"):
            title = es[str(guide.title)]
        assert title in heading, (slug, heading)
        assert str(number) in heading

    for number, slug in enumerate(
        ("policy", "history", "referral", "documents", "submit", "appeal"), start=1
    ):
        step(slug, number)
        if slug == "policy":
            policy = _form(page, "policy")
            policy.locator("input[name=payer_other]").fill("Plan de Salud Río")
            policy.locator("input[name=member_id]").fill("PSR-000123")
            policy.locator("select[name=plan_type]").select_option("employer_self_funded")
            _save(page, "policy")
            assert saved in _success(page), _success(page)
        elif slug == "history":
            score = _form(page, "score")
            score.locator("select[name=instrument]").select_option("phq9")
            score.locator("input[name=taken_on]").fill(_days_ago(30))
            score.locator("input[name=total]").fill("17")
            _save(page, "score")
            assert saved in _success(page), _success(page)
        elif slug == "referral":
            provider = _form(page, "provider")
            provider.locator("input[name=name]").fill("Dra. Morgan Lee")
            provider.locator("input[name=npi]").fill("1245319599")
            provider.locator("select[name=specialty]").select_option("psychiatrist")
            _save(page, "provider")
            assert saved in _success(page), _success(page)
        elif slug == "submit":
            # A request faxed three days ago: its decision is now due (the reminder below).
            pa_request = _form(page, "pa_request")
            pa_request.locator("select[name=method]").select_option("fax")
            pa_request.locator("input[name=submitted_on]").fill(_days_ago(3))
            pa_request.locator("input[name=reference_number]").fill("PA-445566")
            _save(page, "pa_request")
            assert _success(page), "no success message after recording the request"
        _in_spanish_and_fits(page, shots, f"step-{number}-{slug}")

    # 3. The reminder for the decision now due, sent 7 days before, in Spanish.
    deadline = Deadline.objects.filter(case=case, met_at__isnull=True).order_by("due_on").first()
    assert deadline is not None, "recording the request made no deadline"
    assert deadline.due_on > timezone.localdate()
    mail.outbox.clear()
    assert deadline_reminders_send(today=deadline.due_on - timedelta(days=7)) >= 1
    (reminder,) = [m for m in mail.outbox if m.to == [EMAIL]]
    subject_forms = es["You have a deadline tomorrow"]
    expected_subject = subject_forms[1] % {"days": 7}
    assert reminder.subject == expected_subject
    body = " ".join(reminder.body.split())
    assert es["Hello,"] in body
    assert es["You have a deadline tomorrow."][1] % {"days": 7} in body
    assert "deadline" not in body.lower()
