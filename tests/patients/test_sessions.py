"""The idle timeout without a database write on every page (patients/sessions.py): a session is
renewed at most once a minute, ends SESSION_COOKIE_AGE after its last renewal, and the page's
countdown never runs past that end."""

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.sessions import idle_seconds

START = "2026-11-29 10:00:00+00:00"


def _session_writes(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)


def test_pages_within_a_minute_do_not_write_the_session(client, owner):
    home = reverse("patients:home")
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(owner)
        assert _session_writes(client, home) == 0  # logging in was the renewal
        traveller.shift(30)
        assert _session_writes(client, home) == 0
        traveller.shift(31)  # a minute since the last renewal
        assert _session_writes(client, home) == 1
        assert _session_writes(client, home) == 0


def test_a_patient_busy_for_hours_stays_signed_in(client, owner, settings):
    home = reverse("patients:home")
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(owner)
        for _ in range(4 * settings.SESSION_COOKIE_AGE // 50):  # a click every 50 s, 4 times over
            traveller.shift(50)
            assert client.get(home).status_code == 200


def test_the_page_countdown_never_outlasts_the_session(client, owner, settings):
    """Worst case: the last click came just under a minute after the last renewal. The page
    counts down idle_seconds() from that click; the session is still there when it ends, and
    gone SESSION_COOKIE_AGE after the renewal."""
    home = reverse("patients:home")
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(owner)
        client.get(home)  # renewed here
        traveller.shift(59)
        client.get(home)  # not renewed: the page's countdown starts here
        traveller.shift(idle_seconds() - 1)
        assert client.get(home).status_code == 200
        traveller.shift(settings.SESSION_COOKIE_AGE + 1)
        response = client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patients:login"))


def test_stay_logged_in_always_renews(client, owner, settings):
    home = reverse("patients:home")
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(owner)
        client.get(home)  # renewed at 0
        traveller.shift(30)
        assert client.post(reverse("patients:session_keepalive")).status_code == 204  # at 30
        traveller.shift(settings.SESSION_COOKIE_AGE - 10)  # past 0 + age, before 30 + age
        assert client.get(home).status_code == 200
