"""An insurer call logged on the Spanish page (issue 17): its questions are kept in English, so
the appeal letter to the payer quotes them in English, and the call opened later in either
language shows its answers."""

import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from claims.guidance import INSURER_QUESTIONS
from claims.models import InsurerCall
from tests.factories import CaseFactory, PolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(owner):
    return CaseFactory(patient=owner.patient, policy=PolicyFactory(patient=owner.patient))


def _log_call_in_spanish(client, case) -> InsurerCall:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.post(
        reverse("claims:step_policy", args=[case.public_id]),
        {
            "action": "call",
            "after": "stay",
            "submission_id": str(uuid.uuid4()),
            "called_at": "2026-11-02T10:30",
            "answer_0": "Beneficio médico",
        },
    )
    assert response.status_code == 302
    return InsurerCall.objects.get(case=case)


def test_a_call_logged_in_spanish_keeps_its_questions_in_english(owner_client, case):
    english = str(INSURER_QUESTIONS[0].question)  # the tests run in English

    call = _log_call_in_spanish(owner_client, case)

    assert call.questions_and_answers == [{"question": english, "answer": "Beneficio médico"}]
    page = owner_client.get(reverse("claims:step_policy", args=[case.public_id])).text
    assert english not in page  # the call log shows it in Spanish on a Spanish page
    assert "Beneficio médico" in page


def test_a_call_logged_in_spanish_keeps_its_answers_when_opened_in_english(owner_client, case):
    call = _log_call_in_spanish(owner_client, case)
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = owner_client.get(
        reverse("claims:step_policy", args=[case.public_id]), {"call": str(call.public_id)}
    )

    assert response.context["forms"]["call"]["answer_0"].value() == "Beneficio médico"
