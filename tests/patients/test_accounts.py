import re
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
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
    assert "type the password you chose" in opened.content.decode()
    assert not User.objects.get().is_active
    finished = client.post(_link_in(message), {"password": SIGNUP["password1"]})

    assert finished["Location"] == reverse("claims:dashboard")
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
        # Each render masks the CSRF token afresh (the language switcher's form, issue 17).
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
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
def test_a_second_signup_before_the_link_is_opened_takes_its_password_and_sends_a_new_link(
    client, mailoutbox
):
    client.post(reverse("patients:signup"), SIGNUP)
    other = "another long passphrase x"
    client.post(reverse("patients:signup"), {**SIGNUP, "password1": other, "password2": other})

    assert User.objects.count() == 1
    assert User.objects.get().check_password(other)
    first, second = mailoutbox
    assert "This link does not work any more" in client.get(_link_in(first)).content.decode()
    assert client.post(_link_in(second), {"password": other}).status_code == 302
    assert User.objects.get().is_active
    assert Consent.objects.filter(user=User.objects.get()).count() == 4  # each sign-up's consent


@pytest.mark.django_db
def test_finding_2_a_stranger_signing_up_with_your_email_cannot_choose_your_password(
    client, mailoutbox
):
    """Sign-up no longer says an email is taken, so it answers a sign-up for anyone's address with
    a link to that address. The link must not finish an account with a password the address's
    owner never chose: the stranger would know it, and read what the owner later enters."""
    from django.test import Client

    stranger, stranger_password = Client(), "the stranger's own passphrase"
    stranger.post(
        reverse("patients:signup"),
        {**SIGNUP, "password1": stranger_password, "password2": stranger_password},
    )
    (stranger_link_mail,) = mailoutbox

    # The owner opens that link: it asks for the password chosen at sign-up, which they do not
    # know, and does not log them in.
    page = client.get(_link_in(stranger_link_mail))
    assert page.status_code == 200
    assert "type the password you chose" in page.content.decode()
    wrong = client.post(_link_in(stranger_link_mail), {"password": SIGNUP["password1"]})
    assert "That password is not right" in wrong.content.decode()
    assert client.get(reverse("patients:home")).status_code == 302  # not logged in
    assert not User.objects.get().is_active

    # The owner signs up themselves: their password replaces the stranger's, whose link dies.
    client.post(reverse("patients:signup"), SIGNUP)
    own_link = _link_in(mailoutbox[-1])
    assert client.post(own_link, {"password": SIGNUP["password1"]})["Location"] == reverse(
        "claims:dashboard"
    )
    assert User.objects.get().is_active
    gone = stranger.post(_link_in(stranger_link_mail), {"password": stranger_password})
    assert "This link does not work any more" in gone.content.decode()
    login = stranger.post(
        reverse("patients:login"), {"username": SIGNUP["email"], "password": stranger_password}
    )
    assert login.status_code == 200  # refused
    assert stranger.get(reverse("patients:home")).status_code == 302


def test_a_sign_up_does_not_reopen_an_account_an_administrator_turned_off(
    client, owner, mailoutbox
):
    owner.is_active, owner.last_login = False, timezone.now()  # used, then turned off
    owner.save(update_fields=["is_active", "last_login"])

    client.post(reverse("patients:signup"), {**SIGNUP, "email": owner.email})

    (message,) = mailoutbox
    assert "/signup/confirm/" not in message.body
    owner.refresh_from_db()
    assert not owner.is_active
    assert owner.check_password(PASSWORD)


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


@pytest.mark.django_db
def test_a_sign_up_that_loses_a_race_for_its_email_is_answered_as_for_an_existing_account(
    client, owner, mailoutbox, monkeypatch
):
    """Two sign-ups for one new email at once: both looked it up, found nothing, and the second
    to save hit the email's uniqueness and answered 500. Simulated here by a lookup that misses
    the account saved by the other request."""
    lookups = User.objects.select_for_update

    def missing_once(*args, **kwargs):
        monkeypatch.setattr(User.objects, "select_for_update", lookups)
        return User.objects.none()

    monkeypatch.setattr(User.objects, "select_for_update", missing_once)

    response = client.post(reverse("patients:signup"), {**SIGNUP, "email": owner.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("patients:signup_sent")
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert "Someone tried to create" in mailoutbox[0].body
    assert User.objects.filter(email=owner.email).count() == 1


def test_the_sign_up_link_is_mailed_only_after_the_account_is_saved(
    seeds_restored, transactional_db, client, mailoutbox
):
    """The link's email went out inside the transaction: a failure while saving sent a link
    to an account that was never created."""
    seen_when_sent = []
    real_send = mail.EmailMultiAlternatives.send

    def send(message, *args, **kwargs):
        saved = User.objects.filter(email=SIGNUP["email"].lower()).exists()
        seen_when_sent.append((connection.in_atomic_block, saved))
        return real_send(message, *args, **kwargs)

    with mock.patch.object(mail.EmailMultiAlternatives, "send", send):
        client.post(reverse("patients:signup"), SIGNUP)

    assert seen_when_sent == [(False, True)]
