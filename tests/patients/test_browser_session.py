"""In a real browser: the idle-timeout warning appears, "Stay logged in" renews the session, and
an ignored warning ends at the login page."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, email, password):
    page.goto(live_server.url + reverse("patients:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit] >> text=Log in")
    page.wait_for_url(live_server.url + reverse("claims:dashboard"))


def test_the_idle_warning_appears_and_stay_logged_in_renews(
    live_server, owner, password, settings, page
):
    settings.SESSION_COOKIE_AGE = 6
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 4
    _log_in(page, live_server, owner.email, password)
    warning = page.locator("#session-warning")

    warning.wait_for(state="visible", timeout=5_000)  # after about 2 s of idleness
    assert "log you out" in warning.inner_text()
    with page.expect_response(lambda r: "keepalive" in r.url) as keepalive:
        page.click("#session-stay")
    assert keepalive.value.status == 204
    warning.wait_for(state="hidden")

    # Ignored this time: the page goes to the login page once the session is over.
    page.wait_for_url(f"{live_server.url}{reverse('patients:login')}?next=*", timeout=12_000)
    page.goto(live_server.url + reverse("patients:home"))
    assert reverse("patients:login") in page.url


def test_pages_load_under_the_content_security_policy(live_server, owner, password, page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(page, live_server, owner.email, password)
    page.goto(live_server.url + reverse("patients:export"))
    assert not [e for e in errors if "Content Security Policy" in e]
