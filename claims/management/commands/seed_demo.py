"""Seed a demo clinic, staff reviewer and patient for local development; print the logins."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from claims import services as claim_services
from claims.models import InsurerCall, Referral
from patients import services as patient_services
from patients.management.commands.demo_totp_code import DEMO_TOTP_KEY, DEMO_TOTP_SECRET
from patients.models import Clinic, InsurancePolicy, Patient, Payer, Provider, TreatmentTrial, User
from patients.partial_dates import treatment_dates_from_text

DEMO_PATIENT_EMAIL = "demo.patient@example.com"
DEMO_STAFF_EMAIL = "reviewer@clinic.example.com"
DEMO_PASSWORD = "coverage-demo-2026"  # noqa: S105 - local demo only; the command refuses DEBUG off
# Made-up demo numbers, one per provider (a packet shows both): each has a valid check digit
# (patients.validators.npi_check_digit_ok), so the forms accept them, but they name no one.
DEMO_CLINIC_NPI = "1555000102"
DEMO_CLINIC_NAME = "Riverside Ketamine & Mood Clinic"
DEMO_REFERRER_NPI = "1555000201"


class Command(BaseCommand):
    help = "Create (or refresh) the demo clinic, staff reviewer and patient. Development only."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    @transaction.atomic
    def handle(self, *args, quiet=False, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with known passwords: DEBUG only.")
        # Databases seeded before the made-up numbers keep one demo clinic, not two.
        Clinic.objects.filter(npi="1234567893", name=DEMO_CLINIC_NAME).update(npi=DEMO_CLINIC_NPI)
        clinic, _ = Clinic.objects.get_or_create(
            npi=DEMO_CLINIC_NPI,
            defaults={
                "name": DEMO_CLINIC_NAME,
                "tax_id": "12-3456789",
                "address_line1": "100 Main Street, Suite 200",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
                "phone": "(217) 555-0100",
                "fax": "(217) 555-0101",
            },
        )
        reviewers = claim_services.reviewer_group_ensure()
        staff = self._account(DEMO_STAFF_EMAIL, "Jordan Reviewer", User.Role.STAFF, is_staff=True)
        staff.groups.add(reviewers)
        patient_services.clinic_add_staff(clinic=clinic, user=staff)
        # Admin asks staff for an authenticator code: the demo reviewer's app has a published key.
        TOTPDevice.objects.update_or_create(
            user=staff,
            name="Demo authenticator",
            defaults={"key": DEMO_TOTP_KEY, "confirmed": True},
        )
        patient = User.objects.filter(email=DEMO_PATIENT_EMAIL).first()
        if patient is None:
            patient = patient_services.patient_sign_up(
                email=DEMO_PATIENT_EMAIL, password=DEMO_PASSWORD
            )
        patient.set_password(DEMO_PASSWORD)
        patient.full_name = "Alex Demo"
        patient.save(update_fields=["password", "full_name"])
        if not patient.patient.cases.exists():
            seed_demo_case(patient.patient)
        if not quiet:
            self.stdout.write(
                "\nDemo logins (development only)\n"
                f"  Patient: {DEMO_PATIENT_EMAIL} / {DEMO_PASSWORD}  ->  /account/login/\n"
                f"  Staff reviewer ({clinic.name}):\n"
                f"           {DEMO_STAFF_EMAIL} / {DEMO_PASSWORD} + 6-digit code  ->  /admin/\n"
                "           code: run `make staff-code`, or add this key to an authenticator\n"
                f"           app (time-based, 6 digits): {DEMO_TOTP_SECRET}\n"
            )

    def _account(self, email, name, role, **flags):
        user = User.objects.filter(email=email).first() or User(email=email)
        user.full_name, user.role = name, role
        for key, value in flags.items():
            setattr(user, key, value)
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user


def seed_demo_case(patient: Patient) -> None:
    """A realistic, half-finished esketamine case: the policy researched and one call logged, the
    history documented, the referral asked for; no documents, no request sent yet."""
    patient.legal_first_name, patient.legal_last_name = "Alex", "Demo"
    patient.date_of_birth = datetime.date(1988, 6, 2)
    patient.city, patient.state, patient.postal_code = "Springfield", "IL", "62704"
    patient.phone = "(217) 555-0142"
    patient.save()
    policy = InsurancePolicy.objects.create(
        patient=patient,
        payer=Payer.objects.get(name="Cigna Healthcare"),
        plan_name="Open Access Plus",
        plan_type=InsurancePolicy.PlanType.EMPLOYER_SELF_FUNDED,
        grandfathered="no",
        member_id="U12345678",
        group_number="3340021",
        subscriber_name="Alex Demo",
        behavioral_health_manager=Payer.objects.get(name="Evicore"),
        treatment_benefit=InsurancePolicy.Benefit.MEDICAL,
        member_services_phone="(800) 555-0199",
        effective_date=datetime.date(2026, 1, 1),
        in_network_deductible=Decimal("1500.00"),
        in_network_deductible_met=Decimal("620.00"),
        in_network_oop_max=Decimal("6000.00"),
        in_network_coinsurance_percent=Decimal("20"),
        in_network_copay=Decimal("40.00"),
        prior_auth_required="yes",
        out_of_network_covered="unknown",
    )
    patient_services.diagnosis_save(
        patient=patient, icd10_code="F33.2", is_primary=True, diagnosed_on=datetime.date(2019, 9, 1)
    )
    patient_services.diagnosis_save(
        patient=patient, icd10_code="F41.1", diagnosed_on=datetime.date(2020, 2, 1)
    )
    trials = [
        ("Zoloft", "150", 10, "2019-09", "2019-12", "no_response", "Nausea the first weeks."),
        ("Lexapro", "20", 8, "2020-02", "2020-05", "partial", ""),
        ("Wellbutrin XL", "300", 12, "2020-06", "2020-10", "no_response", "Insomnia."),
        ("Abilify", "5", 8, "2020-11", "2021-01", "side_effects", "Restlessness (akathisia)."),
    ]
    for name, dose, weeks, started, stopped, response, side_effects in trials:
        trial = TreatmentTrial(
            patient=patient,
            kind=TreatmentTrial.Kind.MEDICATION,
            name_as_entered=name,
            daily_dose=Decimal(dose),
            weeks_at_dose=weeks,
            adherence=TreatmentTrial.Adherence.AS_PRESCRIBED,
            response=response,
            side_effects=side_effects,
            **treatment_dates_from_text(started=started, stopped=stopped),
        )
        patient_services.treatment_trial_save(trial=trial)
    therapy = TreatmentTrial(
        patient=patient,
        kind=TreatmentTrial.Kind.PSYCHOTHERAPY,
        name_as_entered="CBT with a therapist",
        therapy_type=TreatmentTrial.TherapyType.CBT,
        sessions=16,
        weeks_at_dose=20,
        response=TreatmentTrial.Response.PARTIAL,
        **treatment_dates_from_text(started="2021-03", stopped="2021-08"),
    )
    patient_services.treatment_trial_save(trial=therapy)
    patient_services.symptom_score_record(
        patient=patient, instrument="phq9", taken_on=datetime.date(2026, 10, 14), total=21
    )
    psychiatrist = Provider.objects.create(
        patient=patient,
        name="Dr. Morgan Lee",
        credentials="MD",
        npi=DEMO_REFERRER_NPI,
        specialty=Provider.Specialty.PSYCHIATRIST,
        practice_name="Riverside Ketamine & Mood Clinic",
        phone="(217) 555-0100",
        fax="(217) 555-0101",
    )
    case = claim_services.case_start(
        patient=patient, treatment="esketamine", condition="trd", policy=policy
    )
    InsurerCall.objects.create(
        case=case,
        called_at=datetime.datetime(2026, 10, 20, 15, 10, tzinfo=datetime.UTC),
        phone_number="(800) 555-0199",
        representative="Dana",
        reference_number="CIG-20261020-4471",
        questions_and_answers=[
            {
                "question": "Is Spravato covered under my medical or my pharmacy benefit?",
                "answer": "Medical benefit; reviewed by Evicore.",
            },
            {
                "question": "Is pre-authorization required?",
                "answer": "Yes, the prescriber submits.",
            },
        ],
    )
    Referral.objects.create(
        case=case,
        provider=psychiatrist,
        status=Referral.Status.REQUESTED,
        requested_on=datetime.date(2026, 10, 22),
    )
