"""Staff see in admin only the cases patients shared with their clinic, and those cases' records."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from claims.models import CoverageCase
from patients.models import Diagnosis
from tests.factories import CaseFactory, DiagnosisFactory, SharedCaseFactory, UserFactory

APPS = ("patients", "claims")


def _reviewer(user):
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=APPS, codename__startswith="view_")
    )
    return user


@pytest.fixture
def shared_and_private(clinic):
    sharer = UserFactory().patient
    shared = SharedCaseFactory(patient=sharer, clinic=clinic)
    DiagnosisFactory(patient=sharer, description="shared patient's diagnosis")
    keeper = UserFactory().patient
    private = CaseFactory(patient=keeper)
    DiagnosisFactory(patient=keeper, description="private patient's diagnosis")
    return shared, private


def _rows(client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    return set(response.context["cl"].queryset)


def test_staff_see_only_cases_shared_with_their_clinic(
    client, otp_login, clinic_staff, shared_and_private
):
    shared, private = shared_and_private
    otp_login(client, _reviewer(clinic_staff))

    assert _rows(client, CoverageCase) == {shared}
    assert {d.patient for d in _rows(client, Diagnosis)} == {shared.patient}
    change = reverse("admin:claims_coveragecase_change", args=[private.pk])
    assert client.get(change).status_code == 302  # admin: "doesn't exist"


def test_other_clinic_staff_see_nothing(client, otp_login, other_clinic_staff, shared_and_private):
    shared, _ = shared_and_private
    otp_login(client, _reviewer(other_clinic_staff))

    assert _rows(client, CoverageCase) == set()
    assert _rows(client, Diagnosis) == set()
    change = reverse("admin:claims_coveragecase_change", args=[shared.pk])
    assert client.get(change).status_code == 302


def test_staff_do_not_see_other_accounts(client, otp_login, clinic_staff, owner):
    from patients.models import User

    otp_login(client, _reviewer(clinic_staff))
    assert _rows(client, User) == {clinic_staff}
