"""The coverage case itself: starting it, the policy it is pursued under, sharing it with a
clinic, and the one-time tokens that stop a double click from saving twice."""

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Clinic, InsurancePolicy, Patient, User

from ..models import CoverageCase, CriteriaSet, FormSubmission
from .approvals import approval_withdraw_if_stale
from .deadlines import deadlines_refresh
from .errors import CaseStateError
from .transitions import Review, review_transition


@transaction.atomic
def case_start(
    *,
    patient: Patient,
    treatment: str,
    condition: str,
    policy: InsurancePolicy | None = None,
    treatment_other: str = "",
    condition_other: str = "",
    clinic: Clinic | None = None,
) -> CoverageCase:
    """Open a new coverage case for a patient, under one of their own policies; shared with a
    clinic from the start when the patient chose one (their consent, timestamped)."""
    if policy is not None and policy.patient_id != patient.pk:
        raise ValidationError({"policy": _("Please pick one of your own insurance policies.")})
    case = CoverageCase(
        patient=patient,
        treatment=treatment,
        treatment_other=treatment_other,
        condition=condition,
        condition_other=condition_other,
        policy=policy,
    )
    case.full_clean()
    case.save()
    if clinic is not None:
        case_share_with_clinic(case=case, clinic=clinic)
    return case


@transaction.atomic
def case_share_with_clinic(*, case: CoverageCase, clinic: Clinic) -> CoverageCase:
    """Share a case with a clinic, recording the moment the patient agreed to it."""
    case.clinic = clinic
    case.clinic_consent_at = timezone.now()
    case.full_clean()
    case.save(update_fields=["clinic", "clinic_consent_at", "updated_at"])
    return case


@transaction.atomic
def case_choose_policy(*, case: CoverageCase, policy: InsurancePolicy) -> CoverageCase:
    """Pursue the case under one of the patient's own policies."""
    if policy.patient_id != case.patient_id:
        raise ValidationError({"policy": _("Please pick one of your own insurance policies.")})
    case.policy = policy
    case.save(update_fields=["policy", "updated_at"])
    deadlines_refresh(case=case)
    approval_withdraw_if_stale(case=case)
    return case


@transaction.atomic
def case_set_episode_start(
    *, case: CoverageCase, since: date | None, precision: str
) -> CoverageCase:
    """Record when the current episode began (None clears it). The packet's criteria table
    reads it, so a stale approval is withdrawn."""
    if since is not None and since > timezone.localdate():
        raise ValidationError({"since": _("That date is in the future.")})
    case.episode_since, case.episode_since_precision = since, precision
    case.full_clean(validate_unique=False, validate_constraints=False)
    case.save(update_fields=["episode_since", "episode_since_precision", "updated_at"])
    approval_withdraw_if_stale(case=case)
    return case


@transaction.atomic
def case_choose_criteria_policy(*, case: CoverageCase, policy_key: str) -> CoverageCase:
    """Check the case against this coverage policy where the payer alone does not say which
    one applies ("" clears the choice). The criteria table is in the packet, so a stale approval
    is withdrawn."""
    if policy_key and not CriteriaSet.objects.filter(policy_key=policy_key).exists():
        raise ValidationError({"policy_key": _("Please pick a policy from the list.")})
    case.criteria_policy_key = policy_key
    case.save(update_fields=["criteria_policy_key", "updated_at"])
    approval_withdraw_if_stale(case=case)
    return case


@transaction.atomic
def policy_save(*, case: CoverageCase, policy: InsurancePolicy) -> InsurancePolicy:
    """Save the patient's policy from the case's step 1 and pursue the case under it; the plan
    type decides the deadlines of every case under the policy."""
    policy.patient = case.patient
    policy.full_clean()
    policy.save()
    if case.policy_id != policy.pk:
        case_choose_policy(case=case, policy=policy)
    for other in policy.cases.all():
        deadlines_refresh(case=other)
        approval_withdraw_if_stale(case=other)
    return policy


@transaction.atomic
def case_send_to_clinic(*, case: CoverageCase, clinic: Clinic) -> CoverageCase:
    """Share the case with a clinic (the patient's consent, timestamped) and ask it to review.

    Allowed while not yet shared, or after the clinic asked for changes (a resubmission). The
    patient's earlier agreement to this same clinic keeps its time.
    """
    same_clinic = case.clinic_id == clinic.pk and case.clinic_consent_at is not None
    consent_at = case.clinic_consent_at if same_clinic else timezone.now()
    try:
        return review_transition(
            case=case,
            allowed_from=[Review.NOT_SHARED, Review.CHANGES_REQUESTED],
            to=Review.SUBMITTED,
            by=case.patient.user,
            clinic=clinic,
            clinic_consent_at=consent_at,
        )
    except CaseStateError as error:
        raise CaseStateError(_("This case is already with your clinic.")) from error


T = TypeVar("T")


def form_submission_claim(*, token: UUID | None, user: User) -> bool:
    """True the first time a form token is seen; False for a double click or a re-sent form."""
    if token is None:
        return True
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, user=user)
    except IntegrityError:
        return False
    return True


def form_submission_save_once(
    *, token: UUID | None, user: User, save: Callable[[], T]
) -> tuple[bool, T | None]:
    """Run a form's save unless its one-time token was used: (True, what `save` returned) the
    first time, (False, None) for a double click or a re-sent form. The token is spent in the
    save's own transaction, so a save that raises (a refused upload, a busy database) leaves it
    unspent and the patient's retry of the same form is saved (issue 14, finding 10)."""
    with transaction.atomic():
        if not form_submission_claim(token=token, user=user):
            return False, None
        return True, save()
