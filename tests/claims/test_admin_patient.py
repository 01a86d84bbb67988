"""Clinic reviewers see who the patient is: legal name and date of birth in the review queue and
on the case page, and find a case by the patient's name ("Dana Lopez", "Lopez, Dana")."""

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from tests.factories import PatientFactory, SharedCaseFactory, days_ago

QUEUE = reverse("admin:claims_coveragecase_changelist")


@pytest.fixture
def case(owner, clinic):
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Dana", "Lopez"
    patient.date_of_birth = days_ago(15_000)
    patient.sex_on_insurance = "female"
    patient.address_line1, patient.city, patient.state = "12 Elm Street", "Springfield", "IL"
    patient.postal_code = "62704"
    patient.save()
    return SharedCaseFactory(patient=patient, clinic=clinic)


@pytest.fixture
def namesakes(clinic):
    """Other patients of the clinic who share one of the two names."""
    return [
        SharedCaseFactory(patient=PatientFactory(legal_first_name=first, legal_last_name=last),
                          clinic=clinic)
        for first, last in [("Dana", "Smith"), ("Ana", "Lopez")]
    ]  # fmt: skip


def _results(client, q: str) -> list:
    return list(client.get(QUEUE, {"q": q}).context["cl"].result_list)


def test_the_queue_shows_the_legal_name_and_date_of_birth(client, otp_login, reviewer, case):
    otp_login(client, reviewer)

    html = client.get(QUEUE).content.decode()

    assert "Dana Lopez" in html
    assert date_format(case.patient.date_of_birth, "SHORT_DATE_FORMAT") in html
    assert "column-date_of_birth" in html


@pytest.mark.parametrize("q", ["Dana Lopez", "dana lopez", "Lopez, Dana", "Lopez Dana", "Lopez"])
def test_a_reviewer_finds_the_case_by_first_and_last_name(
    client, otp_login, reviewer, case, namesakes, q
):
    otp_login(client, reviewer)

    found = _results(client, q)

    assert case in found
    if q != "Lopez":
        assert found == [case]  # not Dana Smith, nor Ana Lopez


def test_a_name_search_stays_in_the_reviewers_clinic(client, otp_login, other_reviewer, case):
    otp_login(client, other_reviewer)

    assert _results(client, "Dana Lopez") == []


def test_the_case_page_shows_who_the_patient_is(client, otp_login, reviewer, case):
    otp_login(client, reviewer)

    html = client.get(reverse("admin:claims_coveragecase_change", args=[case.pk])).text

    for fact in [
        "Dana Lopez",
        date_format(case.patient.date_of_birth, "SHORT_DATE_FORMAT"),
        "Female",
        "12 Elm Street, Springfield IL 62704",
    ]:
        assert fact in html, fact
