"""Issue 14, finding 2: the account pages anyone can reach are rate-limited (patients/throttle.py):
failed logins from one address across many emails, sign-ups and password-reset requests."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from patients import throttle
from patients.models import User
from tests.factories import PASSWORD, UserFactory
from tests.redis_server import free_port

pytestmark = pytest.mark.django_db


def _limit(rate: str) -> int:
    return int(rate.split("/")[0])


def test_finding_2_one_password_tried_across_many_emails_is_stopped(client):
    """The probe: the lockout counted per email and address, so one password tried on a list
    of emails from one address was never slowed."""
    real = UserFactory(email="real.patient@example.com")
    tries = _limit(throttle.LOGIN_FAILURES_PER_ADDRESS)
    for n in range(tries + 1):  # more than the limit
        client.post(
            reverse("patients:login"),
            {"username": f"someone{n}@example.com", "password": "Winter2026!"},
        )

    # Even the right password of a real account is not checked from this address now.
    blocked = client.post(reverse("patients:login"), {"username": real.email, "password": PASSWORD})

    assert blocked.status_code == 200
    assert "too many failed sign-ins from your network" in blocked.content.decode()
    assert client.get(reverse("patients:home")).status_code == 302  # not logged in
    # Another address is not affected.
    elsewhere = client.post(
        reverse("patients:login"),
        {"username": real.email, "password": PASSWORD},
        REMOTE_ADDR="192.0.2.77",
    )
    assert elsewhere.status_code == 302


def test_finding_2_password_reset_requests_are_limited_per_email(client, owner, mailoutbox):
    """The probe: 11 reset mails in seconds to one address."""
    url = reverse("patients:password_reset")
    answers = [client.post(url, {"email": owner.email}) for _ in range(11)]

    assert len(mailoutbox) == _limit(throttle.RESETS_PER_EMAIL)
    assert [a.status_code for a in answers[: len(mailoutbox)]] == [302] * len(mailoutbox)
    assert answers[-1].status_code == 429
    assert "too many reset requests" in answers[-1].content.decode()


def test_the_reset_limit_is_the_same_for_an_email_without_an_account(client, owner):
    url = reverse("patients:password_reset")
    limit = _limit(throttle.RESETS_PER_EMAIL)
    with_account = [client.post(url, {"email": owner.email}).status_code for _ in range(5)]
    client.get("/")  # a new address would reset nothing: the limits are per email here
    without = [client.post(url, {"email": "nobody@example.com"}).status_code for _ in range(5)]

    assert with_account == without == [302] * limit + [429] * (5 - limit)


def test_finding_2_signups_are_limited_per_address(client, mailoutbox):
    url = reverse("patients:signup")
    limit = _limit(throttle.SIGNUPS_PER_ADDRESS)
    data = {"password1": "a long and unusual passphrase", "password2": "a long and unusual "
            "passphrase", "accept_terms": "on", "accept_privacy": "on"}  # fmt: skip
    answers = [
        client.post(url, {**data, "email": f"person{n}@example.com"}) for n in range(limit + 2)
    ]

    assert [a.status_code for a in answers] == [302] * limit + [429, 429]
    assert User.objects.count() == limit
    refused = answers[-1].content.decode()
    assert "too many sign-ups from your network" in refused
    assert f'value="person{limit + 1}@example.com"' in refused  # what was typed is kept


def test_wrong_passwords_at_the_sign_up_link_count_toward_the_address_limit(client, mailoutbox):
    """The link page checks a password outside the login form, so it counts failures the same."""
    signup = {"email": "new@example.com", "password1": "a long and unusual passphrase",
              "password2": "a long and unusual passphrase", "accept_terms": "on",
              "accept_privacy": "on"}  # fmt: skip
    client.post(reverse("patients:signup"), signup)
    link = re.search(r"http://testserver(\S+)", mailoutbox[0].body).group(1)
    for _ in range(_limit(throttle.LOGIN_FAILURES_PER_ADDRESS) + 1):  # more than the limit
        client.post(link, {"password": "not it"})

    blocked = client.post(link, {"password": signup["password1"]})

    assert "too many failed sign-ins from your network" in blocked.content.decode()
    assert not User.objects.get().is_active


def _unreachable_redis_cache() -> dict:
    """A Redis cache at a loopback port nothing listens on: what the web sees when Redis is down."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_logins_sign_ups_and_resets_still_work_when_redis_is_down(client, owner, mailoutbox):
    """The limits count in Redis; with Redis down every one of these pages answered 500 (a
    ConnectionError from the cache). Now they go through unlimited and log a warning."""
    signup = {"email": "new@example.com", "password1": "a long and unusual passphrase",
              "password2": "a long and unusual passphrase", "accept_terms": "on",
              "accept_privacy": "on"}  # fmt: skip
    with override_settings(CACHES=_unreachable_redis_cache()):
        wrong = client.post(
            reverse("patients:login"), {"username": owner.email, "password": "not it"}
        )
        right = client.post(
            reverse("patients:login"), {"username": owner.email, "password": PASSWORD}
        )
        client.logout()
        signed_up = client.post(reverse("patients:signup"), signup)
        reset = client.post(reverse("patients:password_reset"), {"email": owner.email})

    assert wrong.status_code == 200
    assert "correct email" in wrong.content.decode().lower()
    assert right.status_code == 302
    assert signed_up.status_code == 302
    assert User.objects.filter(email="new@example.com", is_active=False).exists()
    assert reset.status_code == 302
    assert len(mailoutbox) == 2  # the sign-up link and the reset link


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_each_client_has_its_own_failed_login_count(client):
    """Behind a reverse proxy every request's REMOTE_ADDR is the proxy's: counted by it, one
    person's typos locked out everyone. The proxy's X-Forwarded-For entry names the client; what
    a client wrote further left of it is ignored."""
    real = UserFactory(email="real.patient@example.com")
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    for n in range(_limit(throttle.LOGIN_FAILURES_PER_ADDRESS) + 1):
        client.post(
            reverse("patients:login"),
            # the attacker writes a new address of its own each time; the proxy appends the real one
            {"username": f"someone{n}@example.com", "password": "Winter2026!"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9",
            **proxy,
        )

    from_attacker = client.post(
        reverse("patients:login"),
        {"username": real.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        **proxy,
    )
    from_patient = client.post(
        reverse("patients:login"),
        {"username": real.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.44",
        **proxy,
    )

    assert "too many failed sign-ins from your network" in from_attacker.content.decode()
    assert from_patient.status_code == 302


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(client):
    """With no proxy configured, a client writing X-Forwarded-For cannot pick a fresh address."""
    real = UserFactory(email="real.patient@example.com")
    for n in range(_limit(throttle.LOGIN_FAILURES_PER_ADDRESS) + 1):
        client.post(
            reverse("patients:login"),
            {"username": f"someone{n}@example.com", "password": "Winter2026!"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )

    blocked = client.post(reverse("patients:login"), {"username": real.email, "password": PASSWORD})

    assert "too many failed sign-ins from your network" in blocked.content.decode()
