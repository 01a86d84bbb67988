"""Clinic staff reach admin only with a second factor: a code from a confirmed authenticator app
(django-otp TOTP). A password-only session gets the admin login; patients never get in."""

import base64
import re
import threading
import time

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import SharedCaseFactory

NOW = "2026-11-30 15:00:10+00:00"
SETUP = reverse("patients:two_factor_setup")
ADMIN_LOGIN = reverse("admin:login")
ADMIN_INDEX = reverse("admin:index")


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    accepted = {code_for(device, step) for step in (-1, 0, 1)}  # the tolerance either side
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def device(reviewer):
    return TOTPDevice.objects.create(user=reviewer, name="Phone", confirmed=True)


def _admin_login(client, user, password, token):
    return client.post(
        f"{ADMIN_LOGIN}?next={ADMIN_INDEX}",
        {"username": user.email, "password": password, "otp_token": token, "next": ADMIN_INDEX},
    )


def _is_turned_away_to_admin_login(response):
    return response.status_code == 302 and response["Location"].startswith(ADMIN_LOGIN)


# --- The admin site -----------------------------------------------------------------------------


def test_admin_refuses_a_password_only_staff_session(client, reviewer, device, clinic):
    case = SharedCaseFactory(clinic=clinic)
    client.force_login(reviewer)  # the password, not the code

    for url in (
        ADMIN_INDEX,
        reverse("admin:claims_coveragecase_changelist"),
        reverse("admin:claims_coveragecase_change", args=[case.pk]),
        reverse("admin:patients_diagnosis_changelist"),
    ):
        assert _is_turned_away_to_admin_login(client.get(url)), url


def test_the_same_staff_session_verified_by_a_code_is_let_in(client, otp_login, reviewer, clinic):
    case = SharedCaseFactory(clinic=clinic)
    otp_login(client, reviewer)

    assert client.get(ADMIN_INDEX).status_code == 200
    change = reverse("admin:claims_coveragecase_change", args=[case.pk])
    assert client.get(change).status_code == 200


def test_admin_client_without_a_second_factor_is_refused(client, admin_user):
    """The conftest admin_client is verified; the same superuser with a password alone is not,
    so that override cannot hide admin letting unverified sessions in."""
    client.force_login(admin_user)

    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))
    url = reverse("admin:claims_coveragecase_changelist")
    assert _is_turned_away_to_admin_login(client.get(url))


def test_the_verified_admin_client_is_let_in(admin_client):
    assert admin_client.get(ADMIN_INDEX).status_code == 200


def test_the_admin_login_asks_for_the_code_and_links_to_setup(client, db):
    response = client.get(ADMIN_LOGIN)
    page = response.content.decode()

    assert response.status_code == 200
    assert 'name="otp_token"' in page
    assert 'autocomplete="one-time-code"' in page
    assert f'href="{SETUP}"' in page
    assert "Set up two-factor sign-in" in page
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    assert " style=" not in page


def test_admin_login_with_the_right_code_reaches_admin(client, reviewer, device, password, frozen):
    response = _admin_login(client, reviewer, password, code_for(device))

    assert response.status_code == 302
    assert response["Location"] == ADMIN_INDEX
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    index = client.get(ADMIN_INDEX)
    assert index.status_code == 200
    assert "Site administration" in index.content.decode()


def test_admin_login_with_a_wrong_code_fails(client, reviewer, device, password, frozen):
    response = _admin_login(client, reviewer, password, wrong_code(device))

    assert response.status_code == 200
    assert GENERIC in response.content.decode()
    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))


def test_admin_login_without_a_code_is_refused(client, reviewer, device, password):
    response = _admin_login(client, reviewer, password, "")

    assert GENERIC in response.content.decode()
    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))


GENERIC = "Please enter a correct email address, password and 6-digit code."


def _errors(response) -> str:
    page = response.content.decode()
    return re.findall(r'<p class="errornote">(.*?)</p>|<ul class="errorlist[^"]*">(.*?)</ul>', page,
                      re.S).__repr__()  # fmt: skip


def test_finding_2_the_admin_login_does_not_confirm_a_right_password(
    client, reviewer, device, password, frozen
):
    """The probe: with the right password the login asked for the code, with a wrong one it
    said the password was wrong, so the answer confirmed a guessed password."""
    answers = {
        "right password, wrong code": _admin_login(client, reviewer, password, wrong_code(device)),
        "right password, no code": _admin_login(client, reviewer, password, ""),
        "wrong password, right code": _admin_login(client, reviewer, "not-it", code_for(device)),
        "wrong password, no code": _admin_login(client, reviewer, "not-it", ""),
    }

    assert all(GENERIC in r.content.decode() for r in answers.values())
    assert len({_errors(r) for r in answers.values()}) == 1, {k: _errors(r) for k, r in
                                                                answers.items()}  # fmt: skip


def test_a_code_is_not_accepted_with_a_wrong_password(client, reviewer, device, frozen):
    response = _admin_login(client, reviewer, "not-the-password", code_for(device))

    assert response.status_code == 200
    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))


def test_a_code_signs_in_once(client, reviewer, device, password, frozen):
    code = code_for(device)
    assert _admin_login(client, reviewer, password, code).status_code == 302
    client.logout()

    again = _admin_login(client, reviewer, password, code)

    assert again.status_code == 200
    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))


def test_staff_without_a_device_are_told_to_set_one_up(client, reviewer, password):
    response = _admin_login(client, reviewer, password, "123456")

    page = response.content.decode()
    assert "If you have not set up your authenticator app yet, use the link below" in page
    assert f'href="{SETUP}"' in page


def test_a_patient_can_never_log_in_to_admin_even_with_a_device(client, owner, password, frozen):
    device = TOTPDevice.objects.create(user=owner, name="Phone", confirmed=True)

    response = _admin_login(client, owner, password, code_for(device))

    assert response.status_code == 200
    assert GENERIC in response.content.decode()
    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))
    # Not even with a verified session: admin is for staff accounts only.
    client.force_login(owner)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))


def test_a_device_of_another_user_does_not_verify_a_session(client, reviewer, other_clinic_staff):
    theirs = TOTPDevice.objects.create(user=other_clinic_staff, name="Phone", confirmed=True)
    client.force_login(reviewer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = theirs.persistent_id
    session.save()

    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))


# --- Where staff land after the account login ---------------------------------------------------


def test_staff_without_a_device_are_sent_from_the_login_to_setup(client, reviewer, password):
    response = client.post(
        reverse("patients:login"), {"username": reviewer.email, "password": password}, follow=True
    )

    assert response.redirect_chain[-1][0] == SETUP
    assert client.get(reverse("patients:home"))["Location"] == SETUP
    assert client.get(ADMIN_LOGIN)["Location"] == SETUP


def test_staff_with_a_device_are_sent_from_the_login_to_the_admin_login(
    client, reviewer, device, password
):
    response = client.post(
        reverse("patients:login"), {"username": reviewer.email, "password": password}, follow=True
    )

    assert response.redirect_chain[-1][0].startswith(ADMIN_LOGIN)
    assert 'name="otp_token"' in response.content.decode()


# --- Setting up an authenticator app ------------------------------------------------------------


def _password_typed_again(client, user, password):
    """A password-only session on the setup page, the password typed again (finding 1)."""
    client.force_login(user)
    assert client.post(SETUP, {"password": password}).status_code == 302


def test_the_setup_page_shows_a_qr_code_and_the_key(client, reviewer, password):
    _password_typed_again(client, reviewer, password)

    response = client.get(SETUP)

    page = response.content.decode()
    device = TOTPDevice.objects.get(user=reviewer)
    assert not device.confirmed
    match = re.search(r'<img[^>]+src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert match, "the QR code"
    assert base64.b64decode(match.group(1)).lstrip().startswith(b"<svg")
    secret = base64.b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    assert "issuer=Coverage%20Guide" in device.config_url
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    # Reloading keeps the key already scanned.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1


def test_a_wrong_code_is_refused(client, reviewer, password, frozen):
    _password_typed_again(client, reviewer, password)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=reviewer)

    response = client.post(SETUP, {"token": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is not right, or it has expired" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))


def test_something_that_is_not_a_code_is_refused(client, reviewer, password):
    _password_typed_again(client, reviewer, password)

    response = client.post(SETUP, {"token": "12ab"})

    assert "Enter the 6 digits your app shows" in response.content.decode()
    assert not TOTPDevice.objects.get(user=reviewer).confirmed


def test_the_right_code_confirms_the_app_and_opens_admin(client, reviewer, password, frozen):
    _password_typed_again(client, reviewer, password)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=reviewer)

    response = client.post(SETUP, {"token": code_for(device)})

    assert response.status_code == 302
    assert response["Location"] == ADMIN_INDEX
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    index = client.get(ADMIN_INDEX)
    assert index.status_code == 200
    assert "Two-factor sign-in is set up" in index.content.decode()


def test_wrong_codes_are_throttled_and_the_count_is_kept(client, reviewer, password, frozen):
    _password_typed_again(client, reviewer, password)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=reviewer)
    client.post(SETUP, {"token": wrong_code(device)})

    too_soon = client.post(SETUP, {"token": code_for(device)})

    assert "Too many wrong codes" in too_soon.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert not device.confirmed
    frozen.shift(2)  # the first failure blocks for 1 s
    assert client.post(SETUP, {"token": code_for(device)})["Location"] == ADMIN_INDEX


def test_a_password_alone_cannot_add_a_second_device(client, reviewer, device):
    client.force_login(reviewer)

    page = client.get(SETUP).content.decode()
    client.post(SETUP, {"token": "123456"})

    assert "already set up" in page
    assert "data:image/svg+xml" not in page
    assert list(TOTPDevice.objects.filter(user=reviewer)) == [device]


def test_patients_get_404_on_the_setup_page(client, owner, outsider):
    for patient in (owner, outsider):
        client.force_login(patient)
        assert client.get(SETUP).status_code == 404
        assert client.post(SETUP, {"token": "123456"}).status_code == 404
    assert not TOTPDevice.objects.exists()


def test_anonymous_is_sent_to_login_from_the_setup_page(client, db):
    response = client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('patients:login')}?next={SETUP}"


def test_an_administrator_removes_a_lost_device_without_seeing_its_key(admin_client, device):
    change = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])

    assert admin_client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 200
    page = admin_client.get(change).content.decode()
    assert device.key not in page
    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


def _shown_key(page: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert match, "the key"
    return match.group(1).replace(" ", "")


def test_finding_1_each_session_gets_its_own_key_and_only_the_confirmed_one_survives(
    client, reviewer, password, frozen
):
    """The probe: with only the password, an attacker read the key of the unconfirmed device;
    the real staff member later confirmed that same device, and the attacker's codes opened
    admin."""
    from django.test import Client

    attacker = Client()
    _password_typed_again(attacker, reviewer, password)
    attacker_key = _shown_key(attacker.get(SETUP).content.decode())
    _password_typed_again(client, reviewer, password)
    own_key = _shown_key(client.get(SETUP).content.decode())
    assert attacker_key != own_key
    assert _shown_key(client.get(SETUP).content.decode()) == own_key  # a reload keeps it

    own = next(d for d in TOTPDevice.objects.filter(user=reviewer) if _b32(d) == own_key)
    assert client.post(SETUP, {"token": code_for(own)})["Location"] == ADMIN_INDEX

    # The attacker's key is gone: its codes confirm nothing and open nothing.
    assert list(TOTPDevice.objects.filter(user=reviewer)) == [own]
    stolen = TOTPDevice(user=reviewer, key=base64.b32decode(attacker_key).hex())
    page = attacker.post(SETUP, {"token": code_for(stolen)}).content.decode()
    assert "already set up" in page
    refused = _admin_login(Client(), reviewer, password, code_for(stolen))
    assert GENERIC in refused.content.decode()


def _b32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def test_finding_1_no_key_is_shown_until_the_password_is_typed_again(client, reviewer, password):
    client.force_login(reviewer)

    page = client.get(SETUP).content.decode()
    wrong = client.post(SETUP, {"password": "not-the-password"}).content.decode()

    assert "type your password again first" in page
    assert 'id="totp-secret"' not in page
    assert "data:image/svg+xml" not in page
    assert "That password is not right" in wrong
    assert 'id="totp-secret"' not in wrong
    assert not TOTPDevice.objects.filter(user=reviewer).exists()


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="SQLite transactions here take the write lock when they begin (IMMEDIATE)",
)
def test_two_sessions_confirming_at_once_leave_one_device(
    seeds_restored, transactional_db, monkeypatch
):
    """Each setup session has its own device, so two tabs confirming at the same moment both
    passed the "no device yet" check and both confirmed: two keys for one account, one of them
    possibly the one a thief saw. The user's row is now locked before the check."""
    from django.db import connections

    from patients import services
    from tests.factories import StaffFactory

    staff = StaffFactory(email="two.tabs@example.com")
    devices = [TOTPDevice.objects.create(user=staff, name=n, confirmed=False) for n in "AB"]
    real_check = services.user_has_device

    def slow_check(user, confirmed=True):
        found = real_check(user, confirmed=confirmed)
        time.sleep(0.5)  # widen the window between the check and the confirmation
        return found

    monkeypatch.setattr(services, "user_has_device", slow_check)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(device: TOTPDevice) -> None:
        start.wait()
        try:
            services.staff_totp_confirm(device=device, token=code_for(device))
            outcomes.append("confirmed")
        except services.AccountError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(d,)) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["confirmed", "refused"]
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 1
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_wrong_codes_count_toward_the_lockout_like_wrong_passwords(
    client, reviewer, device, password, frozen
):
    """Someone who has the password could try codes without the email's lockout ever counting
    them (only the device's own short delays slowed them). Now a wrong code is a failed login."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _admin_login(client, reviewer, password, wrong_code(device))
    frozen.shift(120)  # past the device's own delay after wrong codes, within the lockout

    response = _admin_login(client, reviewer, password, code_for(device))

    assert response.status_code == 429
    assert _is_turned_away_to_admin_login(client.get(ADMIN_INDEX))
