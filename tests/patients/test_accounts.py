import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import Consent, User
from tests.factories import PASSWORD

SIGNUP = {
    "email": "New.Person@Example.com",
    "password1": "a long and unusual passphrase",
    "password2": "a long and unusual passphrase",
    "accept_terms": "on",
    "accept_privacy": "on",
}


def _link_in(message) -> str:
    return re.search(r"http://testserver(/account/signup/confirm/[^\s]+/)", message.body).group(1)


@pytest.mark.django_db
def test_it_signs_up_a_patient_with_timestamped_consent_once_the_email_link_is_opened(
    client, mailoutbox
):
    response = client.post(reverse("patients:signup"), SIGNUP)

    assert response["Location"] == reverse("patients:signup_sent")
    user = User.objects.get()
    assert user.email == "new.person@example.com"
    assert not user.is_active  # until the link in the email is opened
    assert user.role == User.Role.PATIENT
    assert not user.is_staff
    assert user.patient.preferred_language == "en"  # the profile the wizard fills in
    consents = {c.document: c for c in Consent.objects.filter(user=user)}
    assert set(consents) == {"terms", "privacy"}
    assert all(c.accepted_at is not None and c.version for c in consents.values())
    assert client.get(reverse("patients:home")).status_code == 302  # not logged in yet
    (message,) = mailoutbox
    assert message.to == ["new.person@example.com"]

    opened = client.get(_link_in(message))

    assert opened["Location"] == reverse("claims:dashboard")
    user.refresh_from_db()
    assert user.is_active
    assert client.get(reverse("patients:home")).status_code == 200  # logged in
    client.logout()
    again = client.get(_link_in(message))  # a link works once
    assert "This link does not work any more" in again.content.decode()


@pytest.mark.django_db
def test_signup_without_consent_keeps_what_was_typed(client):
    data = {**SIGNUP, "accept_terms": "", "accept_privacy": ""}

    response = client.post(reverse("patients:signup"), data)

    assert response.status_code == 200
    assert not User.objects.exists()
    body = response.content.decode()
    assert "Please agree to the terms of use" in body
    assert "Please confirm you have read the privacy notice" in body
    assert 'value="New.Person@Example.com"' in body


def test_finding_2_signup_answers_the_same_for_an_email_with_an_account(client, owner, mailoutbox):
    """The probe: "An account with this email address already exists", 30 of 30 tries. Here an
    account implies mental-health treatment."""
    new = client.post(reverse("patients:signup"), SIGNUP, follow=True)
    taken = client.post(
        reverse("patients:signup"), {**SIGNUP, "email": "OWNER@example.com"}, follow=True
    )

    def shown(response):
        page = " ".join(response.content.decode().split())
        return page.replace("new.person@example.com", "EMAIL").replace("owner@example.com", "EMAIL")

    assert new.redirect_chain == [(reverse("patients:signup_sent"), 302)]
    assert taken.redirect_chain == new.redirect_chain
    assert shown(taken) == shown(new)
    assert "already exists" not in shown(taken)
    # The owner is told instead, and nothing about the account changed.
    new_mail, owner_mail = mailoutbox
    assert owner_mail.to == ["owner@example.com"]
    assert "Someone tried to create" in owner_mail.body
    assert "/signup/confirm/" not in owner_mail.body
    assert "/signup/confirm/" in new_mail.body
    assert User.objects.filter(email="owner@example.com").count() == 1
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


@pytest.mark.django_db
def test_a_second_signup_before_the_link_is_opened_sends_the_link_again_without_a_new_password(
    client, mailoutbox
):
    client.post(reverse("patients:signup"), SIGNUP)
    other = "another long passphrase x"
    client.post(reverse("patients:signup"), {**SIGNUP, "password1": other, "password2": other})

    assert User.objects.count() == 1
    first, second = mailoutbox
    assert "/signup/confirm/" in first.body
    assert "/signup/confirm/" in second.body
    assert User.objects.get().check_password(SIGNUP["password1"])


@pytest.mark.django_db
def test_signup_refuses_a_weak_or_mismatched_password(client):
    weak = client.post(
        reverse("patients:signup"), {**SIGNUP, "password1": "123", "password2": "123"}
    )
    mismatch = client.post(reverse("patients:signup"), {**SIGNUP, "password2": "something else"})

    assert "too short" in weak.content.decode()
    assert "not the same" in mismatch.content.decode()
    assert not User.objects.exists()


def test_login_accepts_email_in_any_case_and_logout_ends_the_session(client, owner, password):
    response = client.post(
        reverse("patients:login"), {"username": "Owner@Example.com", "password": password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:dashboard")

    client.post(reverse("patients:logout"))

    assert client.get(reverse("patients:home")).status_code == 302


def test_staff_land_in_admin_after_login(client, clinic_staff, password):
    # With an authenticator app set up; without one they land on its setup page (test_two_factor).
    TOTPDevice.objects.create(user=clinic_staff, name="Phone", confirmed=True)
    client.post(reverse("patients:login"), {"username": clinic_staff.email, "password": password})

    response = client.get(reverse("patients:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_wrong_password_gets_a_message_not_an_error(client, owner):
    response = client.post(reverse("patients:login"), {"username": owner.email, "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_login_is_throttled_after_repeated_failures(client, owner, password, settings):
    url = reverse("patients:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": owner.email, "password": "wrong"})

    response = client.post(url, {"username": owner.email, "password": password})

    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    assert client.get(reverse("patients:home")).status_code == 302  # still logged out


def test_throttling_is_per_account(client, owner, outsider, password, settings):
    url = reverse("patients:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": owner.email, "password": "wrong"})

    response = client.post(url, {"username": outsider.email, "password": password})

    assert response.status_code == 302


def test_password_reset_round_trip(client, owner, mailoutbox):
    client.post(reverse("patients:password_reset"), {"email": "OWNER@example.com"})

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [owner.email]
    html = message.alternatives[0][0]
    link = re.search(r"https?://testserver(/\S+/)", message.body).group(1)
    assert link in html
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a brand new passphrase")


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, mailoutbox):
    response = client.post(reverse("patients:password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("patients:password_reset_done")
    assert mailoutbox == []
