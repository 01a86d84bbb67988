"""Issue 17: what goes to payers and the clinic's admin stays English, whatever the language a
patient views the site in."""

from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from claims import letters as drafting
from claims.services import letter_get_or_draft
from tests.factories import CaseFactory


def test_admin_is_english_with_a_spanish_cookie(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert '<html lang="en"' in response.content.decode()


def test_patient_pages_follow_the_cookie(owner_client):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = owner_client.get(reverse("claims:dashboard"))
    assert response["Content-Language"] == "es"


def test_a_letter_drafted_while_the_page_is_spanish_is_drafted_in_english(owner):
    case = CaseFactory(patient=owner.patient)
    real = drafting.draft_letter
    seen = []

    def draft(**kwargs):
        seen.append(translation.get_language())
        return real(**kwargs)

    with mock.patch.object(drafting, "draft_letter", side_effect=draft), translation.override("es"):
        letter = letter_get_or_draft(case=case, kind="medical_necessity")
    assert seen == ["en"]
    english = real(kind="medical_necessity", case=case, denial=None)
    assert letter.text == english


@pytest.mark.django_db
def test_a_packet_pdf_renders_in_english_under_a_spanish_request():
    from claims import pdf

    seen = []
    with (
        mock.patch.object(
            pdf, "packet_facts", side_effect=lambda p: seen.append(translation.get_language())
        ),
        translation.override("es"),
        pytest.raises(TypeError),  # the fake facts stop the render once the language is seen
    ):
        pdf.render_packet_pdf(mock.Mock(kind="prior_authorization"))
    assert seen == ["en"]
