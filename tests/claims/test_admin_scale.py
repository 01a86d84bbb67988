"""The review queue costs the same number of queries for 10 cases as for 1,000."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import User

pytestmark = pytest.mark.slow


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def test_changelist_and_search_queries_do_not_grow_with_cases(admin_client, otp_login, settings):
    settings.DEBUG = True  # seed_fake_cases refuses to make fake patients otherwise
    # Seeding 990 cases can take over a minute: the session's renewal then (3 queries, once a
    # minute, patients/sessions.py) is not what this test counts.
    settings.SESSION_RENEW_SECONDS = 24 * 3600
    url = reverse("admin:claims_coveragecase_changelist")
    seed = {"clinics": 1, "seed": 3, "stdout": io.StringIO()}
    call_command("seed_fake_cases", count=10, **seed)
    reviewer = User.objects.filter(clinics__isnull=False, groups__name="reviewer").first()
    client = Client()  # admin_client is pytest-django's `client`: the reviewer needs their own
    otp_login(client, reviewer)

    def measure():
        return [
            _queries(admin_client, url),
            _queries(admin_client, url, q="Smith"),
            _queries(admin_client, url, review_status="submitted"),
            _queries(client, url),
            _queries(client, url, step="submit", deadline="7"),
        ]

    at_10 = measure()
    call_command("seed_fake_cases", count=990, **seed)
    at_1000 = measure()

    assert at_10 == at_1000
    assert max(at_1000) < 20
