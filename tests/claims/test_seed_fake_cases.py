import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from claims.deadlines import decision_due
from claims.management.commands.seed_fake_cases import ICD10_DESCRIPTIONS
from claims.models import (
    Appeal,
    CoverageCase,
    Deadline,
    Denial,
    PriorAuthorizationRequest,
    ReviewEvent,
)
from patients import icd10
from patients.drugs import DRUGS
from patients.models import Clinic, Diagnosis, InsurancePolicy, Patient, TreatmentTrial, User
from patients.validators import npi_check_digit_ok


def _seed(**options):
    call_command("seed_fake_cases", count=60, clinics=3, seed=7, stdout=io.StringIO(), **options)


def test_it_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        _seed()
    assert not CoverageCase.objects.exists()

    _seed(force=True)
    assert CoverageCase.objects.count() == 60


def test_it_seeds_consistent_fake_records(db, settings):
    settings.DEBUG = True
    _seed()

    assert CoverageCase.objects.count() == 60
    assert Clinic.objects.count() == 3
    assert all(npi_check_digit_ok(npi) for npi in Clinic.objects.values_list("npi", flat=True))
    assert all(c.staff.count() == 3 for c in Clinic.objects.all())
    emails = User.objects.values_list("email", flat=True)
    assert all(e.startswith("fake-") and e.endswith("@example.invalid") for e in emails)
    assert not any(u.has_usable_password() for u in User.objects.all())
    assert Patient.objects.count() == InsurancePolicy.objects.count() == 54
    for patient in Patient.objects.all():
        assert 1 <= patient.diagnoses.count() <= 3
        assert patient.diagnoses.filter(is_primary=True).count() == 1
        assert 2 <= patient.treatment_trials.count() <= 8
    known = {d.generic: d.drug_class for d in DRUGS}
    for trial in TreatmentTrial.objects.all():
        assert known[trial.drug_generic] == trial.drug_class
    assert all(d.is_billable for d in Diagnosis.objects.all())
    # A shared case always carries the patient's consent (a database constraint, too).
    assert not CoverageCase.objects.filter(clinic__isnull=False, clinic_consent_at=None).exists()
    assert not CoverageCase.objects.filter(
        clinic=None, review_status__in=["submitted", "in_review", "sent"]
    ).exists()
    denied = PriorAuthorizationRequest.objects.filter(decision="denied")
    assert Denial.objects.count() == denied.count()
    assert Appeal.objects.count() <= 2 * Denial.objects.count()
    # Deadlines only where a request was made; a decision clock wherever the plan type has one
    # (decision_due gives none for, e.g., Original Medicare: the seed's draws may give such a plan).
    with_requests = set(
        CoverageCase.objects.filter(pa_requests__isnull=False).values_list("pk", flat=True)
    )
    with_deadlines = set(Deadline.objects.values_list("case", flat=True))
    assert with_deadlines <= with_requests
    clocked = set()
    for request in PriorAuthorizationRequest.objects.exclude(submitted_on=None).select_related(
        "case__policy"
    ):
        policy = request.case.policy
        clock = decision_due(
            plan_type=policy.plan_type if policy else "",
            submitted_on=request.submitted_on,
            expedited=request.urgency == PriorAuthorizationRequest.Urgency.EXPEDITED,
            treatment=request.case.treatment,
            benefit=policy.treatment_benefit if policy else "unknown",
        )
        if clock is not None:
            clocked.add(request.case_id)
    assert clocked
    assert clocked <= set(
        Deadline.objects.filter(kind=Deadline.Kind.DECISION_DUE).values_list("case", flat=True)
    )
    assert ReviewEvent.objects.filter(to_status="submitted").count() == (
        CoverageCase.objects.exclude(review_status="not_shared").count()
    )
    # Each step belongs to the clinic the case is with, so its staff see it (issue 14, finding 9).
    assert not ReviewEvent.objects.exclude(clinic=F("case__clinic")).exists()


def test_the_same_seed_gives_the_same_cases(db, settings):
    settings.DEBUG = True
    _seed()
    _seed()  # added beside the first set, with new emails and clinic NPIs

    def rows(cases):
        return [
            (
                c.patient.legal_name,
                c.patient.date_of_birth,
                c.treatment,
                c.condition,
                c.review_status,
                c.clinic.name if c.clinic else None,
            )
            for c in cases
        ]

    cases = list(CoverageCase.objects.select_related("patient", "clinic").order_by("pk"))
    assert rows(cases[:60]) == rows(cases[60:])
    assert Clinic.objects.count() == 6


def test_its_diagnosis_descriptions_match_the_code_set():
    for code, description in ICD10_DESCRIPTIONS.items():
        info = icd10.lookup(code)
        assert info.billable
        assert info.description == description
