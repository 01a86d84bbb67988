"""Seed a demo clinic, staff reviewer and patient for local development; print the logins."""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from patients import services as patient_services
from patients.models import Clinic, User

DEMO_PATIENT_EMAIL = "demo.patient@example.com"
DEMO_STAFF_EMAIL = "reviewer@clinic.example.com"
DEMO_PASSWORD = "coverage-demo-2026"  # noqa: S105 - local demo only; the command refuses DEBUG off
REVIEWER_GROUP = "reviewer"
REVIEWER_APPS = ["patients", "claims"]


class Command(BaseCommand):
    help = "Create (or refresh) the demo clinic, staff reviewer and patient. Development only."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    @transaction.atomic
    def handle(self, *args, quiet=False, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with known passwords: DEBUG only.")
        clinic, _ = Clinic.objects.get_or_create(
            npi="1234567893",  # the CMS documentation's example NPI; its check digit is valid
            defaults={
                "name": "Riverside Ketamine & Mood Clinic",
                "tax_id": "12-3456789",
                "address_line1": "100 Main Street, Suite 200",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
                "phone": "(217) 555-0100",
                "fax": "(217) 555-0101",
            },
        )
        reviewers, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
        reviewers.permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=REVIEWER_APPS, codename__startswith="view_"
            )
        )
        staff = self._account(DEMO_STAFF_EMAIL, "Jordan Reviewer", User.Role.STAFF, is_staff=True)
        staff.groups.add(reviewers)
        patient_services.clinic_add_staff(clinic=clinic, user=staff)
        patient = User.objects.filter(email=DEMO_PATIENT_EMAIL).first()
        if patient is None:
            patient = patient_services.patient_sign_up(
                email=DEMO_PATIENT_EMAIL, password=DEMO_PASSWORD
            )
        patient.set_password(DEMO_PASSWORD)
        patient.full_name = "Alex Demo"
        patient.save(update_fields=["password", "full_name"])
        if not quiet:
            self.stdout.write(
                "\nDemo logins (development only)\n"
                f"  Patient: {DEMO_PATIENT_EMAIL} / {DEMO_PASSWORD}  ->  /account/login/\n"
                f"  Staff reviewer ({clinic.name}):\n"
                f"           {DEMO_STAFF_EMAIL} / {DEMO_PASSWORD}  ->  /admin/\n"
            )

    def _account(self, email, name, role, **flags):
        user = User.objects.filter(email=email).first() or User(email=email)
        user.full_name, user.role = name, role
        for key, value in flags.items():
            setattr(user, key, value)
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user
