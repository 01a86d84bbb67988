"""Reads for the patients app."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Patient, SymptomScore, User
from .scales import SAFETY_WINDOW


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


def recent_safety_flags(*, now: datetime) -> QuerySet[SymptomScore]:
    """Answers that called for the crisis resources (PHQ-9 item 9 above zero) within
    patients.scales.SAFETY_WINDOW of `now`, newest first: the same rule as
    scales.safety_window_open, in SQL."""
    return SymptomScore.objects.filter(
        safety_flag=True, created_at__gt=now - SAFETY_WINDOW
    ).order_by("-created_at")


def safety_alert_for(patient: Patient, *, now: datetime) -> SymptomScore | None:
    """The patient's most recent answer that still shows the crisis resources, if any."""
    return recent_safety_flags(now=now).filter(patient=patient).first()


def shares_with_a_clinic(patient: Patient) -> bool:
    """Whether any of the patient's cases is shared with a clinic, with consent recorded: its
    staff then see the queue's safety flag. (Lookups on the relation claims adds, as above.)"""
    return Patient.objects.filter(
        pk=patient.pk, cases__clinic__isnull=False, cases__clinic_consent_at__isnull=False
    ).exists()
