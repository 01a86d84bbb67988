import pytest
from django.core.management import CommandError, call_command

from claims.models import CoverageCase
from patients.models import Clinic, User


def test_seed_demo_makes_a_half_finished_esketamine_case_once(db, settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo", "--quiet")

    assert "demo.patient@example.com" in capsys.readouterr().out
    case = CoverageCase.objects.get()
    patient = case.patient
    assert case.treatment == "esketamine"
    assert case.policy.member_id
    assert patient.diagnoses.count() == 2
    assert patient.diagnoses.get(is_primary=True).icd10_code == "F33.2"
    assert patient.treatment_trials.count() == 4
    assert case.calls.count() == 1
    assert case.referrals.count() == 1
    assert not case.pa_requests.exists()
    staff = User.objects.get(email="reviewer@clinic.example.com")
    assert staff.is_staff
    assert not staff.is_superuser
    assert list(staff.clinics.all()) == list(Clinic.objects.all())


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
