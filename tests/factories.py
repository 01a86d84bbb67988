"""factory_boy factories for every model; tests build their data here."""

import factory
from factory.django import DjangoModelFactory

from patients.models import Clinic, User

PASSWORD = "correct horse battery staple"  # noqa: S105


def _valid_npi(n: int) -> str:
    """The n-th 9-digit base with the check digit that makes a valid NPI."""
    from patients.validators import npi_check_digit_ok

    base = f"{100000000 + n:09d}"
    return next(base + d for d in "0123456789" if npi_check_digit_ok(base + d))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    role = User.Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class StaffFactory(UserFactory):
    role = User.Role.STAFF
    is_staff = True


class ClinicFactory(DjangoModelFactory):
    class Meta:
        model = Clinic
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Clinic {n}")
    npi = factory.Sequence(_valid_npi)
    tax_id = "12-3456789"
    city = "Springfield"
    state = "IL"
    phone = "(217) 555-0100"
    fax = "(217) 555-0101"

    @factory.post_generation
    def staff(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.staff.add(*extracted)


def build_patient_world(patient: User) -> dict:
    """One of every record a patient can own, for tests that walk every URL.

    Later models add their rows here; tests/test_url_authorization.py picks them up by model.
    """
    return {User: patient}
