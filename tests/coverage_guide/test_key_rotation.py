"""Rotating the secret key (README, "Deploying"): with the old key in SECRET_KEY_FALLBACKS, what
it signed keeps working, signed-in patients stay signed in and a kept form is not lost; without
it, those end."""

import uuid

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import CaseFactory

from .test_settings import PRODUCTION_ENV, _import_settings

OLD_KEY = "the-key-being-rotated-out-" + "o" * 40
NEW_KEY = "the-new-key-" + "n" * 50


def test_fallback_keys_come_from_the_environment_or_a_file(tmp_path):
    listed = _import_settings(
        "print(s.SECRET_KEY_FALLBACKS)", **PRODUCTION_ENV, SECRET_KEY_FALLBACKS="k1, k2"
    )
    assert listed.stdout.strip().splitlines()[-1] == "['k1', 'k2']"

    keys = tmp_path / "fallbacks"
    keys.write_text("first-old-key\nsecond-old-key\n")
    from_file = _import_settings(
        "print(s.SECRET_KEY_FALLBACKS)", **PRODUCTION_ENV, SECRET_KEY_FALLBACKS_FILE=str(keys)
    )
    assert from_file.stdout.strip().splitlines()[-1] == "['first-old-key', 'second-old-key']"

    none = _import_settings("print(s.SECRET_KEY_FALLBACKS)", **PRODUCTION_ENV)
    assert none.stdout.strip().splitlines()[-1] == "[]"


def test_a_signed_in_patient_stays_signed_in_through_a_rotation(client, owner, settings):
    dashboard = reverse("claims:dashboard")
    settings.SECRET_KEY = OLD_KEY
    client.force_login(owner)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]

    assert client.get(dashboard).status_code == 200
    # That request moved the session to the new key: it outlives the fallback.
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(dashboard).status_code == 200


def test_a_session_not_used_before_the_fallback_is_removed_ends_quietly(client, owner, settings):
    dashboard = reverse("claims:dashboard")
    settings.SECRET_KEY = OLD_KEY
    client.force_login(owner)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []

    response = client.get(dashboard)  # signed out, not an error
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patients:login"))


def test_a_password_reset_link_sent_before_the_rotation_still_works(client, owner, settings):
    settings.SECRET_KEY = OLD_KEY
    token = default_token_generator.make_token(owner)
    uid = urlsafe_base64_encode(force_bytes(owner.pk))

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    response = client.get(
        reverse("patients:password_reset_confirm", kwargs={"uidb64": uid, "token": token}),
        follow=True,
    )
    assert response.status_code == 200
    assert 'name="new_password1"' in response.text  # not the "link is invalid" page


@pytest.fixture
def case(owner):
    return CaseFactory(patient=owner.patient)


def test_a_form_kept_across_the_rotation_is_not_lost(client, owner, password, case, settings):
    """The browser's kept-form tag was made under the old key: it still says whose form it is."""
    settings.SECRET_KEY = OLD_KEY
    client.force_login(owner)
    url = reverse("claims:step_policy", args=[case.public_id])
    client.get(url)  # tags the browser as this patient's, under the old key
    client.session.flush()  # the session ends while the patient types
    typed = {
        "action": "call",
        "after": "stay",
        "submission_id": str(uuid.uuid4()),
        "called_at": "2026-11-02T10:30",
        "representative": "Pat at member services",
        "reference_number": "ROTATED-7",
    }
    client.post(url, typed)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    client.post(
        reverse("patients:login") + f"?next={url}",
        {"username": owner.email, "password": password},
    )
    page = client.get(url).text
    assert 'value="ROTATED-7"' in page
    assert "We kept what you typed" in page
