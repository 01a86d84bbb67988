import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from claims.management.commands.seed_demo import DEMO_PASSWORD, DEMO_STAFF_EMAIL
from claims.models import CoverageCase
from patients.management.commands.demo_totp_code import DEMO_TOTP_SECRET
from patients.models import Clinic, User
from patients.validators import npi_check_digit_ok


def test_seed_demo_makes_a_half_finished_esketamine_case_once(db, settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo", "--quiet")

    out = capsys.readouterr().out
    assert "demo.patient@example.com" in out
    assert "make staff-code" in out  # how to get the reviewer's admin code
    assert DEMO_TOTP_SECRET in out
    case = CoverageCase.objects.get()
    patient = case.patient
    assert case.treatment == "esketamine"
    assert case.policy.member_id
    assert patient.diagnoses.count() == 2
    assert patient.diagnoses.get(is_primary=True).icd10_code == "F33.2"
    # Four medications and a course of talk therapy with its sessions.
    assert sorted(patient.treatment_trials.values_list("kind", flat=True)) == [
        *["medication"] * 4,
        "psychotherapy",
    ]
    assert patient.treatment_trials.get(kind="psychotherapy").sessions == 16
    assert case.calls.count() == 1
    assert case.referrals.count() == 1
    assert not case.pa_requests.exists()
    staff = User.objects.get(email="reviewer@clinic.example.com")
    assert staff.is_staff
    assert not staff.is_superuser
    assert list(staff.clinics.all()) == list(Clinic.objects.all())
    device = TOTPDevice.objects.get(user=staff)  # one, however often the command runs
    assert device.confirmed
    # Two providers, two NPIs, each with a valid check digit.
    clinic_npi, referrer_npi = Clinic.objects.get().npi, case.referrals.get().provider.npi
    assert clinic_npi != referrer_npi
    assert npi_check_digit_ok(clinic_npi)
    assert npi_check_digit_ok(referrer_npi)


def test_the_demo_staff_code_signs_the_reviewer_in_to_admin(db, settings, client, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--quiet")

    # Held 10 s into a 30 s TOTP step of the clock the test runs under, so the printed code is
    # still the current one when it is typed, and the session is as fresh as the sign-in.
    now = timezone.now()
    with time_machine.travel(now.replace(second=10 if now.second < 30 else 40), tick=False):
        call_command("demo_totp_code")
        code = re.match(r"(\d{6}) ", capsys.readouterr().out).group(1)
        response = client.post(
            reverse("admin:login"),
            {"username": DEMO_STAFF_EMAIL, "password": DEMO_PASSWORD, "otp_token": code},
        )
        admin_index = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert admin_index.status_code == 200


def test_demo_totp_code_needs_the_seeded_demo(db, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("demo_totp_code")


def test_demo_totp_code_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_totp_code")


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
