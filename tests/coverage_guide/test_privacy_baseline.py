"""Health information stays out of error reports, logs and emails; idle sessions end."""

import logging
import sys

import time_machine
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter

from tests.factories import CaseFactory

# Built at run time so the value itself never appears in the source lines a report quotes.
SECRET = " ".join(["F33.2", "severe", "depression,", "tried", "sertraline"])


def test_error_reports_hide_every_form_value_and_local_variable(settings):
    request = RequestFactory().post("/cases/", {"diagnosis": SECRET, "note": SECRET})
    try:
        diagnosis = SECRET  # a local variable holding health data
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    reporter = ExceptionReporter(request, *exc_info)

    text = reporter.get_traceback_text()
    html = reporter.get_traceback_html()

    assert diagnosis in SECRET
    assert SECRET not in text
    assert SECRET not in html
    assert "diagnosis" in text  # the field names stay, so the report is still useful


def test_failed_logins_are_logged_without_the_email_address(client, owner, caplog):
    with caplog.at_level(logging.DEBUG):
        for _ in range(6):
            client.post(reverse("patients:login"), {"username": owner.email, "password": "x"})

    assert caplog.records, "axes should log the failures"
    assert owner.email not in caplog.text


def test_an_idle_session_ends_after_the_idle_timeout(client, owner, settings):
    idle = settings.SESSION_COOKIE_AGE
    with time_machine.travel("2026-11-29 10:00:00+00:00", tick=False) as traveller:
        client.force_login(owner)
        assert client.get(reverse("patients:home")).status_code == 200
        traveller.shift(idle - 60)
        assert client.get(reverse("patients:home")).status_code == 200  # activity renews it
        traveller.shift(idle - 60)
        assert client.get(reverse("patients:home")).status_code == 200
        traveller.shift(idle + 1)
        response = client.get(reverse("patients:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patients:login"))


def test_logged_in_pages_carry_the_idle_warning(owner_client, settings):
    body = owner_client.get(reverse("patients:home")).content.decode()
    # The server renews at most once a minute (patients/sessions.py): the page counts down
    # from the soonest end, a minute short of the full idle time.
    assert f'data-session-idle-seconds="{settings.SESSION_COOKIE_AGE - 60}"' in body
    assert "js/session-timeout.js" in body
    assert 'id="session-warning"' in body


def test_the_keepalive_renews_the_session_and_needs_a_post(owner_client):
    url = reverse("patients:session_keepalive")
    assert owner_client.get(url).status_code == 405
    assert owner_client.post(url).status_code == 204


def test_finding_8_signed_in_pages_are_never_cached(owner_client, owner):
    """Issue 14, finding 8 (every URL is also checked by the sweep in test_url_authorization)."""
    case = CaseFactory(patient=owner.patient)
    for url in [
        reverse("claims:dashboard"),
        reverse("claims:step_history", kwargs={"coveragecase_id": case.public_id}),
        reverse("patients:profile"),
    ]:
        response = owner_client.get(url)

        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url
        assert "Cookie" in response["Vary"], url


def test_finding_5_the_access_log_keeps_no_query_string(caplog):
    """Issue 14, finding 5: a diagnosis search is a GET, so its words reached the server's
    access log; so did admin search terms (names, member IDs)."""
    server = logging.getLogger("django.server")
    with caplog.at_level(logging.INFO):
        server.info(
            '"%s" %s %s', "GET /cases/1f2e/history/?q=depression+recurrent HTTP/1.1", "200", "9"
        )
        server.info('"%s" %s %s', "GET /admin/claims/coveragecase/?q=Lopez HTTP/1.1", "200", "9")

    logged = caplog.text
    assert "depression" not in logged
    assert "Lopez" not in logged
    assert "GET /cases/1f2e/history/?…" in logged


def test_finding_5_pypdf_warnings_do_not_reach_the_logs(caplog):
    """pypdf's warnings quote raw bytes of the uploaded file."""
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("pypdf._reader").warning("Object 12 0 found: b'%s'", SECRET)

    assert SECRET not in caplog.text
