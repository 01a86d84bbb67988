"""Reads. Every look-up of a case goes through get_case_for_user: the one access choke point."""

from django.db.models import Q, QuerySet
from django.http import Http404

from patients.models import User

from .models import CoverageCase


def cases_visible_to(user: User) -> QuerySet[CoverageCase]:
    """The owning patient's cases, or the cases shared with a staff member's clinics."""
    if not user.is_authenticated or not user.is_active:
        return CoverageCase.objects.none()
    if user.is_patient:
        return CoverageCase.objects.filter(patient__user=user)
    if user.is_superuser:
        return CoverageCase.objects.all()
    return CoverageCase.objects.filter(
        Q(clinic__in=user.clinics.all()) & Q(clinic_consent_at__isnull=False)
    )


def get_case_for_user(user: User, public_id) -> CoverageCase:
    """The case if this user may see it; Http404 otherwise (never 403: no hint it exists)."""
    case = (
        cases_visible_to(user)
        .select_related("patient__user", "policy__payer", "clinic")
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise Http404
    return case
