"""Reads for the patients app."""

from django.db.models import Q
from django.http import Http404

from .models import Patient, User


def clinic_staff_case_q(user: User, *, to_case: str = "") -> Q:
    """The one rule for which coverage cases a clinic's staff member may see: cases a patient
    shared with one of that member's clinics, with the patient's consent recorded.

    `to_case` is the lookup path from the queried model to the case ("" on cases themselves,
    "cases__" on patients). Spelled as lookups on the relation the claims app adds, so that
    patients needs no import from claims.
    """
    return Q(**{f"{to_case}clinic__staff": user, f"{to_case}clinic_consent_at__isnull": False})


def get_patient_for_user(user: User) -> Patient:
    """The patient profile of this account: a patient's own, never anyone else's (404 for staff
    and for an account without one)."""
    try:
        return Patient.objects.get(user=user, user__role=User.Role.PATIENT)
    except Patient.DoesNotExist as exc:
        raise Http404 from exc
