"""Issue 17: the language switcher, the account's language after login, emails in the
recipient's language."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from claims.models import Deadline
from claims.services import deadline_reminders_send
from patients.models import Patient
from tests.factories import PASSWORD, CaseFactory, UserFactory
from tests.patients.test_profile import _profile

COOKIE = settings.LANGUAGE_COOKIE_NAME

SIGNUP = {
    "email": "nueva@example.com",
    "password1": "a long and unusual passphrase",
    "password2": "a long and unusual passphrase",
    "accept_terms": "on",
    "accept_privacy": "on",
}


@pytest.fixture
def rendered_in():
    """The language active when each email template was rendered, by template name."""
    seen: dict[str, str] = {}

    def render(name, *args, **kwargs):
        seen[name] = translation.get_language()
        return render_to_string(name, *args, **kwargs)

    with mock.patch("patients.emails.render_to_string", side_effect=render):
        yield seen


def _spanish(user):
    Patient.objects.filter(user=user).update(preferred_language="es")
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["patients:login", "patients:signup", "patients:terms"])
def test_every_page_has_a_labelled_switcher(client, url):
    page = client.get(reverse(url)).content.decode()
    assert f'action="{reverse("patients:set_language")}"' in page
    assert 'aria-label="Language"' in page
    assert 'name="language" value="es" lang="es"' in page
    assert "Español" in page


def test_the_languages_are_named_in_themselves_on_a_spanish_page(client):
    client.cookies[COOKIE] = "es"
    page = client.get(reverse("patients:login")).content.decode()
    assert 'value="en" lang="en"' in page
    assert ">English</button>" in page
    assert 'aria-current="true">Español</button>' in page


def test_a_logged_in_patients_pages_have_the_switcher(owner_client):
    page = owner_client.get(reverse("claims:dashboard")).content.decode()
    assert f'action="{reverse("patients:set_language")}"' in page


@pytest.mark.django_db
def test_switching_sets_the_cookie_and_returns_to_the_page(client):
    response = client.post(
        reverse("patients:set_language"), {"language": "es", "next": reverse("patients:login")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:login")
    assert response.cookies[COOKIE].value == "es"
    assert '<html lang="es">' in client.get(reverse("patients:login")).content.decode()


def test_a_patient_switching_keeps_it_on_their_account(owner_client, owner):
    owner_client.post(reverse("patients:set_language"), {"language": "es", "next": "/"})
    assert Patient.objects.get(user=owner).preferred_language == "es"


def test_an_unknown_language_changes_nothing(owner_client, owner):
    response = owner_client.post(reverse("patients:set_language"), {"language": "xx", "next": "/"})
    assert COOKIE not in response.cookies
    assert Patient.objects.get(user=owner).preferred_language == "en"


def test_a_language_django_ships_but_the_site_does_not_offer_is_not_saved(owner_client, owner):
    """check_for_language() says yes to any language Django has a catalog for: posting "fr"
    answered 500 (the account's field refused it) instead of changing nothing."""
    response = owner_client.post(reverse("patients:set_language"), {"language": "fr", "next": "/"})

    assert response.status_code == 302
    assert Patient.objects.get(user=owner).preferred_language == "en"


@pytest.mark.django_db
def test_login_applies_the_accounts_language(client):
    user = _spanish(UserFactory(email="ana@example.com"))
    response = client.post(
        reverse("patients:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "es"


@pytest.mark.django_db
def test_login_replaces_the_browsers_language_with_the_accounts(client):
    user = UserFactory(email="ann@example.com")
    client.cookies[COOKIE] = "es"
    response = client.post(
        reverse("patients:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.cookies[COOKIE].value == "en"


@pytest.mark.django_db
def test_a_failed_login_sets_no_language(client):
    user = _spanish(UserFactory(email="ana@example.com"))
    response = client.post(reverse("patients:login"), {"username": user.email, "password": "no"})
    assert COOKIE not in response.cookies


@pytest.mark.django_db
def test_signing_up_in_spanish_makes_spanish_the_accounts_language(client, rendered_in):
    client.cookies[COOKIE] = "es"
    client.post(reverse("patients:signup"), SIGNUP)
    assert Patient.objects.get(user__email="nueva@example.com").preferred_language == "es"
    assert rendered_in["emails/signup_confirm_subject.txt"] == "es"


@pytest.mark.django_db
def test_signing_up_in_english_keeps_english(client, rendered_in):
    client.post(reverse("patients:signup"), SIGNUP)
    assert Patient.objects.get(user__email="nueva@example.com").preferred_language == "en"
    assert rendered_in["emails/signup_confirm_body.txt"] == "en"


@pytest.mark.django_db
def test_the_already_have_an_account_email_is_in_the_owners_language(client, rendered_in):
    _spanish(UserFactory(email="nueva@example.com"))
    client.post(reverse("patients:signup"), SIGNUP)  # the page in English
    assert rendered_in["emails/signup_existing_subject.txt"] == "es"


@pytest.mark.django_db
def test_the_password_reset_email_is_in_the_accounts_language(client, mailoutbox):
    _spanish(UserFactory(email="ana@example.com"))
    with mock.patch(
        "django.contrib.auth.forms.PasswordResetForm.send_mail",
        side_effect=lambda *a, **k: seen.append(translation.get_language()),
    ):
        seen: list[str] = []
        client.post(reverse("patients:password_reset"), {"email": "ana@example.com"})
    assert seen == ["es"]


@pytest.mark.django_db
def test_a_spanish_patients_reminder_is_rendered_in_spanish(
    rendered_in, mailoutbox, django_capture_on_commit_callbacks
):
    case = CaseFactory(patient=_spanish(UserFactory(email="ana@example.com")).patient)
    due = dt.date(2027, 1, 30)
    Deadline.objects.create(
        case=case, key="test", kind="appeal_filing", due_on=due, computed_due_on=due
    )
    today = due - dt.timedelta(days=7)
    with (
        time_machine.travel(dt.datetime.combine(today, dt.time(9)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        deadline_reminders_send(today=today)
    assert len(mailoutbox) == 1
    assert rendered_in == {
        "emails/deadline_reminder_subject.txt": "es",
        "emails/deadline_reminder_body.txt": "es",
        "emails/deadline_reminder_body.html": "es",
    }
    assert translation.get_language() == "en"  # restored afterwards


def test_choosing_spanish_on_the_profile_switches_the_site_now(owner_client, owner):
    response = owner_client.post(reverse("patients:profile"), _profile(preferred_language="es"))
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "es"
