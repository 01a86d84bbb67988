import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients.models import AccessLog, AppendOnlyError, Consent, User
from patients.services import AccountError, access_log_record, clinic_add_staff
from patients.validators import validate_npi


def test_a_patient_account_can_never_be_staff(owner):
    owner.is_staff = True
    with pytest.raises(IntegrityError), transaction.atomic():
        owner.save()


def test_a_patient_account_can_never_be_superuser(owner):
    owner.is_superuser = True
    with pytest.raises(IntegrityError), transaction.atomic():
        owner.save()


def test_email_is_unique_whatever_its_case(owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="OWNER@EXAMPLE.COM")


def test_patients_cannot_join_a_clinic(clinic, owner, clinic_staff):
    with pytest.raises(AccountError):
        clinic_add_staff(clinic=clinic, user=owner)
    assert list(clinic.staff.all()) == [clinic_staff]


def test_staff_can_join_several_clinics(clinic, other_clinic, clinic_staff):
    clinic_add_staff(clinic=other_clinic, user=clinic_staff)
    assert set(clinic_staff.clinics.all()) == {clinic, other_clinic}


def test_access_log_rows_cannot_be_changed_or_deleted(owner):
    entry = access_log_record(actor=owner, action=AccessLog.Action.VIEW, obj=owner)

    entry.action = AccessLog.Action.DOWNLOAD
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=entry.pk).update(action="download")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().action == AccessLog.Action.VIEW


def test_consent_rows_are_append_only(owner):
    consent = Consent.objects.create(user=owner, document="terms", version="1")
    with pytest.raises(AppendOnlyError):
        consent.delete()


def test_changes_to_a_user_are_kept_in_history(owner):
    before = owner.history.count()
    owner.full_name = "New Name"
    owner.save()
    assert owner.history.count() == before + 1
    assert owner.history.first().full_name == "New Name"


@pytest.mark.parametrize("npi", ["1234567893", "1245319599"])
def test_valid_npis_pass(npi):
    validate_npi(npi)


@pytest.mark.parametrize(
    ("npi", "code"),
    [
        ("1234567890", "npi_check_digit"),
        ("123456789", "npi_format"),
        ("12345678931", "npi_format"),
        ("12345-6789", "npi_format"),
        ("", "npi_format"),
    ],
)
def test_invalid_npis_are_refused_with_a_reason(npi, code):
    with pytest.raises(ValidationError) as error:
        validate_npi(npi)
    assert error.value.code == code
