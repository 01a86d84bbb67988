"""Where a coverage case stands: each wizard step's state, defined once as SQL expressions.

The same expressions annotate one case (the wizard, the dashboard) and a queryset of thousands of
cases (admin filters and sorts on them) in a single query: no query per case.

What "complete" means for each step (the bar an insurer's reviewer sets):
1. policy: the case has a policy, whether pre-authorization is needed is known, at least one
   call to the insurer is logged, and the patient's "About you" page has their legal first and
   last name and date of birth (patients.models.Patient.IDENTITY_FIELDS: packets need them).
   Started when any of these is there.
2. history: a diagnosis with an ICD-10-CM code, at least two treatment trials (most Spravato
   policies ask for two or more failed antidepressants, DOMAIN.md §1.2) and a symptom score.
3. referral: a referral has been received.
4. documents: medical records (visit notes) are uploaded.
5. submit: a pre-authorization request has a decision.
6. appeal: not needed until a request is denied or partly approved; then complete once an
   appeal has an outcome.
"""

from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    Field,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from patients.models import Diagnosis, Patient, SymptomScore, TreatmentTrial

from .models import (
    Appeal,
    CoverageCase,
    Denial,
    InsurerCall,
    PriorAuthorizationRequest,
    Referral,
    SupportingDocument,
)

NOT_STARTED, IN_PROGRESS, COMPLETE, NOT_NEEDED = (
    "not_started",
    "in_progress",
    "complete",
    "not_needed",
)
STATE_LABELS = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    COMPLETE: _("Done"),
    NOT_NEEDED: _("Not needed"),
}
STEP_SLUGS = ("policy", "history", "referral", "documents", "submit", "appeal")
MIN_TRIALS_FOR_COMPLETE = 2


def _state(complete: Q, started: Q) -> Case:
    return Case(
        When(complete, then=Value(COMPLETE)),
        When(started, then=Value(IN_PROGRESS)),
        default=Value(NOT_STARTED),
        output_field=CharField(),
    )


def _exists(model, **filters) -> Exists:
    return Exists(model.objects.filter(**filters))


def _pre_authorization_exists(**filters) -> Exists:
    """A request for care ahead: step 5 is about these, not about the request that stands for a
    denied out-of-network claim (kind "claim", issue 16), whose denial step 6 answers."""
    requests = PriorAuthorizationRequest.objects.exclude(kind=PriorAuthorizationRequest.Kind.CLAIM)
    return Exists(requests.filter(**filters))


def _patient_count(model, **filters) -> Coalesce:
    rows = (
        model.objects.filter(patient=OuterRef("patient"), **filters)
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _identity_filled() -> list[Q]:
    """One condition per field of Patient.IDENTITY_FIELDS: it is filled in."""
    conditions = []
    for name in Patient.IDENTITY_FIELDS:
        field = Patient._meta.get_field(name)
        if isinstance(field, Field) and field.null:
            conditions.append(Q(**{f"patient__{name}__isnull": False}))
        else:
            conditions.append(~Q(**{f"patient__{name}": ""}))
    return conditions


def step_state_expressions() -> dict[str, Case]:
    """Annotation name -> expression, one per step: `step_policy`, `step_history`, ..."""
    case = OuterRef("pk")
    patient = OuterRef("patient")
    Decision = PriorAuthorizationRequest.Decision
    has_denial = _exists(Denial, pa_request__case=case)
    identity = _identity_filled()
    return {
        "step_policy": _state(
            complete=Q(policy__isnull=False)
            & ~Q(policy__prior_auth_required="unknown")
            & Q(_exists(InsurerCall, case=case))
            & reduce(and_, identity),
            started=Q(policy__isnull=False)
            | Q(_exists(InsurerCall, case=case))
            | reduce(or_, identity),
        ),
        "step_history": _state(
            complete=Q(_exists(Diagnosis, patient=patient, icd10_code__gt=""))
            & Q(_n_trials__gte=MIN_TRIALS_FOR_COMPLETE)
            & Q(_exists(SymptomScore, patient=patient)),
            started=Q(_exists(Diagnosis, patient=patient))
            | Q(_n_trials__gt=0)
            | Q(_exists(SymptomScore, patient=patient)),
        ),
        "step_referral": _state(
            complete=Q(_exists(Referral, case=case, status=Referral.Status.RECEIVED)),
            started=Q(_exists(Referral, case=case)),
        ),
        "step_documents": _state(
            complete=Q(
                _exists(
                    SupportingDocument,
                    case=case,
                    category=SupportingDocument.Category.MEDICAL_RECORDS,
                )
            ),
            started=Q(_exists(SupportingDocument, case=case)),
        ),
        "step_submit": _state(
            complete=Q(
                _pre_authorization_exists(case=case)
                & ~_pre_authorization_exists(case=case, decision=Decision.PENDING)
            ),
            started=Q(_pre_authorization_exists(case=case))
            | ~Q(review_status=CoverageCase.ReviewStatus.NOT_SHARED),
        ),
        "step_appeal": Case(
            When(~Q(has_denial), then=Value(NOT_NEEDED)),
            When(
                Q(
                    _exists(
                        Appeal,
                        denial__pa_request__case=case,
                        outcome__in=[o for o in Appeal.Outcome.values if o != "pending"],
                    )
                ),
                then=Value(COMPLETE),
            ),
            When(Q(_exists(Appeal, denial__pa_request__case=case)), then=Value(IN_PROGRESS)),
            default=Value(NOT_STARTED),
            output_field=CharField(),
        ),
    }


def with_step_states(queryset: QuerySet[CoverageCase]) -> QuerySet[CoverageCase]:
    """Annotate every case with `step_<slug>` states, in the same single query."""
    return queryset.annotate(_n_trials=_patient_count(TreatmentTrial)).annotate(
        **step_state_expressions()
    )


@dataclass(frozen=True)
class StepStatus:
    slug: str
    state: str

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def done(self) -> bool:
        return self.state in (COMPLETE, NOT_NEEDED)


def steps_of(case: CoverageCase) -> list[StepStatus]:
    """The six steps of an annotated case, in order (annotates it with one query if needed)."""
    if not hasattr(case, "step_policy"):
        case = with_step_states(CoverageCase.objects.filter(pk=case.pk)).get()
    return [StepStatus(slug, getattr(case, f"step_{slug}")) for slug in STEP_SLUGS]


def next_step(case: CoverageCase) -> StepStatus | None:
    """The first step that is not done, or None when every step is. Once a request is denied,
    the appeal comes first, whatever earlier step is unfinished: its deadline runs."""
    steps = steps_of(case)
    appeal = steps[-1]
    if appeal.state in (NOT_STARTED, IN_PROGRESS):
        return appeal
    return next((step for step in steps if not step.done), None)
