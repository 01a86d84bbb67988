"""In a real browser: a new patient fills steps 1 to 4 of the coverage wizard (and records a
denied request in step 5, so that step 6 shows its forms), logs out, logs in again and finds every
answer. Each wizard page passes axe-core (nothing serious or critical) at desktop and phone widths,
no label points at a duplicated id, and nothing scrolls sideways on a phone.

Screenshots of every checked page at both widths go to $SCREENSHOT_DIR when it is set."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from tests.axe_checks import problems as _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "river@example.com"
PASSWORD = "a long and unusual passphrase"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}


def _form(page, action: str):
    """The wizard form that posts this `action` (a step page holds several)."""
    return page.locator("form", has=page.locator(f"input[name=action][value={action}]"))


def _submit(page, control):
    """Click a button or link, wait for the page it leads to, and fail with the form's errors."""
    with page.expect_navigation():
        control.click()
    errors = page.locator("form .alert-danger, .invalid-feedback, main > .alert-danger")
    if errors.count():
        pytest.fail(f"form refused on {page.url}: {errors.all_inner_texts()}")


def _save(page, action: str, label: str = "Save"):
    _submit(page, _form(page, action).get_by_role("button", name=label, exact=True))


def _check_page(page, name: str, shots: Path | None) -> list[str]:
    """Check the page at both widths and screenshot it; then check it again with every closed
    <details> opened, since axe skips what is hidden (step 1's policy form is)."""
    problems = []
    for width, height in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": height})
        problems += _problems(page, name, width)
        if shots:
            page.screenshot(path=shots / f"{name}-{width}.png", full_page=True)
    opened = page.evaluate(
        """() => [...document.querySelectorAll("details:not([open])")]
            .map(details => { details.open = true; }).length"""
    )
    if opened:
        for width, height in WIDTHS.values():
            page.set_viewport_size({"width": width, "height": height})
            problems += _problems(page, f"{name} (details opened)", width)
    width, height = WIDTHS["desktop"]
    page.set_viewport_size({"width": width, "height": height})
    return problems


def _shown_text(page) -> str:
    """The main content's text outside forms: what the page shows as saved, not form options."""
    return page.evaluate(
        """() => {
            const main = document.querySelector("main").cloneNode(true);
            main.querySelectorAll("form").forEach(form => form.remove());
            return main.textContent.replace(/\\s+/g, " ");
        }"""
    )


def _days_ago(days: int) -> str:
    """A date as a date field takes it. Relative to today: some dates may not be in the future."""
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def _pdf(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    with path.open("wb") as out:
        writer.write(out)
    return path


def test_a_patient_fills_the_wizard_and_finds_every_answer_after_logging_in_again(
    live_server, tmp_path, page
):
    shots = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    url = live_server.url
    problems = []

    # Sign up.
    page.goto(url + reverse("patients:signup"))
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=accept_terms]")
    page.check("input[name=accept_privacy]")
    _submit(page, page.get_by_role("button", name="Create my account"))
    assert page.url == url + reverse("patients:signup_sent")
    # The link in the email finishes the account with the password chosen (the live server
    # shares this process's outbox).
    (confirm,) = mail.outbox
    page.goto(re.search(r"https?://\S+", confirm.body).group(0))
    page.fill("input[name=password]", PASSWORD)
    _submit(page, page.get_by_role("button", name="Finish creating my account"))
    assert page.url == url + reverse("claims:dashboard")

    # Start an esketamine case.
    _submit(page, page.get_by_role("link", name="Start a new case").first)
    problems += _check_page(page, "case-start", shots)
    page.check("input[name=treatment][value=esketamine]")
    page.select_option("select[name=condition]", "trd")
    _submit(page, page.get_by_role("button", name="Start"))
    overview = page.url
    steps = {
        slug: overview + slug + "/"
        for slug in ("policy", "history", "referral", "documents", "submit", "appeal")
    }

    # Step 1: the policy (insurer not in the list), then a call with its reference number.
    page.goto(steps["policy"])
    problems += _check_page(page, "step-policy-empty", shots)  # the whole policy form is open
    policy = _form(page, "policy")
    policy.locator("input[name=payer_other]").fill("River Health Plan")
    policy.locator("input[name=member_id]").fill("RHP-000123")
    policy.locator("select[name=plan_type]").select_option("employer_self_funded")
    _save(page, "policy")
    call = _form(page, "call")
    call.locator("input[name=called_at]").fill(_days_ago(27) + "T10:30")
    call.locator("input[name=representative]").fill("Sam")
    call.locator("input[name=reference_number]").fill("REF-778899")
    _save(page, "call")

    # Step 2: a diagnosis found by searching, a treatment trial with month-only dates, a PHQ-9.
    page.goto(steps["history"])
    page.fill("#code-search", "depression, recurrent, severe")
    _submit(page, page.get_by_role("button", name="Search", exact=True))
    hit = page.locator("li", has=page.locator("strong", has_text=re.compile(r"^F33\.2$")))
    _submit(page, hit.get_by_role("button", name="Add F33.2 as my main diagnosis"))
    trial = _form(page, "trial")
    trial.locator("select[name=kind]").select_option("medication")
    trial.locator("input[name=name_as_entered]").fill("Zoloft")
    trial.locator("input[name=daily_dose]").fill("150")
    trial.locator("select[name=dose_unit]").select_option("mg/day")
    trial.locator("input[name=weeks_at_dose]").fill("8")
    trial.locator("input[name=started]").fill("03/2021")
    trial.locator("input[name=stopped]").fill("07/2021")
    trial.locator("select[name=adherence]").select_option("as_prescribed")
    trial.locator("select[name=response]").select_option("no_response")
    _save(page, "trial")
    # Talk therapy: the medication's fields go away and the sessions come.
    trial = _form(page, "trial")
    assert trial.locator("input[name=daily_dose]").is_visible()
    assert not trial.locator("input[name=sessions]").is_visible()
    trial.locator("select[name=kind]").select_option("psychotherapy")
    assert not trial.locator("input[name=daily_dose]").is_visible()
    assert not trial.locator("input[name=role]").first.is_visible()
    trial.locator("input[name=name_as_entered]").fill("CBT")
    trial.locator("select[name=therapy_type]").select_option("cbt")
    trial.locator("input[name=sessions]").fill("16")
    trial.locator("input[name=course_weeks]").fill("20")
    trial.locator("select[name=response]").select_option("partial")
    _save(page, "trial")
    score = _form(page, "score")
    score.locator("select[name=instrument]").select_option("phq9")
    score.locator("input[name=taken_on]").fill(_days_ago(30))
    score.locator("input[name=total]").fill("19")
    _save(page, "score")

    # Step 3: the provider, then the referral.
    page.goto(steps["referral"])
    provider = _form(page, "provider")
    provider.locator("input[name=name]").fill("Dr. Morgan Lee")
    provider.locator("input[name=npi]").fill("1245319599")
    provider.locator("select[name=specialty]").select_option("psychiatrist")
    _save(page, "provider", "Save provider")
    referral = _form(page, "referral")
    referral.locator("select[name=provider]").select_option(label="Dr. Morgan Lee")
    referral.locator("select[name=status]").select_option("received")
    referral.locator("input[name=requested_on]").fill(_days_ago(26))
    referral.locator("input[name=received_on]").fill(_days_ago(19))
    _save(page, "referral")

    # Step 4: one PDF of medical records.
    page.goto(steps["documents"])
    upload = _form(page, "upload")
    upload.locator("select[name=category]").select_option("medical_records")
    upload.locator("input[name=title]").fill("Visit notes, Dr. Lee, 2025")
    upload.locator("input[name=file]").set_input_files(_pdf(tmp_path / "visit-notes.pdf"))
    _save(page, "upload", "Upload")

    # Step 5: a request the clinic faxed, denied; step 6 then opens the denial and appeal forms.
    page.goto(steps["submit"])
    pa_request = _form(page, "pa_request")
    pa_request.locator("select[name=method]").select_option("fax")
    pa_request.locator("input[name=submitted_on]").fill(_days_ago(17))
    pa_request.locator("input[name=reference_number]").fill("PA-445566")
    _save(page, "pa_request")
    decision = _form(page, "decision")
    decision.locator("select[name=decision]").select_option("denied")
    decision.locator("input[name=decided_on]").fill(_days_ago(9))
    _save(page, "decision")

    # Log out, log in again.
    _submit(page, page.get_by_role("button", name="Log out"))
    page.goto(url + reverse("patients:login"))
    page.fill("input[name=username]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    _submit(page, page.get_by_role("button", name="Log in"))
    assert page.url == url + reverse("claims:dashboard")

    # Every answer is still there, and each page passes the checks.
    expected = {
        "policy": [
            "under: River Health Plan.",
            "Member ID: RHP-000123.",
            "Sam · Reference REF-778899",
        ],
        "history": [
            "F33.2 Major depressive disorder, recurrent severe",
            "Zoloft (sertraline) 150 mg/day 8 03/2021 – 07/2021 Did not help",
            "Talk therapy (psychotherapy): CBT CBT (cognitive behavioral therapy) 16 sessions 20",
            "PHQ-9: 19 ·",
        ],
        "referral": ["From: Dr. Morgan Lee. Status: Received."],
        "documents": ["Medical records / visit notes: Visit notes, Dr. Lee, 2025 (visit-notes.pdf"],
        "submit": ["Reference PA-445566 · Denied"],
        "appeal": ["The denial", "Record an appeal"],
    }
    problems += _check_page(page, "dashboard", shots)
    page.goto(overview)
    problems += _check_page(page, "overview", shots)
    for slug, values in expected.items():
        page.goto(steps[slug])
        shown = _shown_text(page)
        missing = [value for value in values if value not in shown]
        assert not missing, f"step {slug} lost {missing}: {shown}"
        if slug == "policy":  # the plan's details are shown only in its (closed) form
            assert policy.locator("input[name=payer_other]").input_value() == "River Health Plan"
            assert policy.locator("select[name=plan_type]").input_value() == "employer_self_funded"
        problems += _check_page(page, f"step-{slug}", shots)
    page.goto(steps["history"] + "?q=depression%2C+recurrent%2C+severe")
    problems += _check_page(page, "step-history-search", shots)
    page.goto(url + reverse("claims:financing"))
    problems += _check_page(page, "financing", shots)

    assert not [p for p in problems if p.startswith("BLOCKING")], "\n".join(problems)
    print("\n".join(problems))  # minor findings, for the record
