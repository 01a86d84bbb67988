"""Staff see in admin only the cases patients shared with their clinic, and those cases' records."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from claims.models import CostEstimate, CoverageCase, NetworkProviderCheck, OutOfNetworkClaim
from patients.models import Diagnosis
from tests.factories import (
    CaseFactory,
    DiagnosisFactory,
    SharedCaseFactory,
    TreatmentSessionFactory,
    UserFactory,
    days_ago,
)

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


def _case_records(case):
    """One row of each issue-16 admin for the case (issue 16 review)."""
    session = TreatmentSessionFactory(case=case)
    claim = OutOfNetworkClaim.objects.create(case=case, submitted_on=days_ago(5))
    claim.sessions.add(session)
    check = NetworkProviderCheck.objects.create(
        case=case, name="Lakeside Psychiatry", answer=NetworkProviderCheck.Answer.NO_ANSWER
    )
    estimate = CostEstimate.objects.create(case=case, sessions=6)
    return [session, claim, check, estimate]


@pytest.mark.parametrize(("who", "sees"), [("clinic_staff", True), ("other_clinic_staff", False)])
def test_session_log_claims_checks_and_estimates_stay_with_the_clinic(
    request, client, otp_login, shared_and_private, who, sees
):
    """Staff of another clinic neither list nor open these rows of a case shared elsewhere."""
    shared, private = shared_and_private
    records = _case_records(shared)
    hidden = _case_records(private)
    otp_login(client, _reviewer(request.getfixturevalue(who)))

    for record in records:
        model = type(record)
        assert _rows(client, model) == ({record} if sees else set()), model.__name__
        info = (model._meta.app_label, model._meta.model_name)
        change = client.get(reverse("admin:{}_{}_change".format(*info), args=[record.pk]))
        history = client.get(reverse("admin:{}_{}_history".format(*info), args=[record.pk]))
        if sees:
            assert (change.status_code, history.status_code) == (200, 200), model.__name__
        else:
            assert change.status_code == 302, model.__name__  # admin: "doesn't exist"
            assert history.status_code in (302, 404), model.__name__
    for record in hidden:  # a case shared with no clinic: nobody on staff
        info = (record._meta.app_label, record._meta.model_name)
        change = client.get(reverse("admin:{}_{}_change".format(*info), args=[record.pk]))
        assert change.status_code == 302, type(record).__name__
