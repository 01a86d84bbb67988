"""Step states: one definition, the same answer for one case or a queryset, in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import CoverageCase, PriorAuthorizationRequest, Referral, SupportingDocument
from claims.progress import steps_of, with_step_states
from tests.factories import (
    AppealFactory,
    CaseFactory,
    DenialFactory,
    DiagnosisFactory,
    InsurerCallFactory,
    PARequestFactory,
    PatientFactory,
    PolicyFactory,
    ReferralFactory,
    SymptomScoreFactory,
    TreatmentTrialFactory,
    UserFactory,
    days_ago,
)

Decision = PriorAuthorizationRequest.Decision


def _doc(case, category):
    # A row is enough for progress; the file itself is not read.
    return SupportingDocument.objects.create(
        case=case,
        category=category,
        file="documents/x.pdf",
        content_type="application/pdf",
        extension=".pdf",
        size=1,
        sha256="0" * 64,
    )


def _no_profile():
    # As sign-up leaves it: no legal name or date of birth yet.
    return PatientFactory(legal_first_name="", legal_last_name="", date_of_birth=None)


def _blank():
    return CaseFactory(patient=_no_profile(), policy=None)


def _only_a_first_name():
    return CaseFactory(patient=PatientFactory(legal_last_name="", date_of_birth=None), policy=None)


def _policy_researched():
    patient = PatientFactory()
    case = CaseFactory(
        patient=patient, policy=PolicyFactory(patient=patient, prior_auth_required="yes")
    )
    InsurerCallFactory(case=case)
    return case


def _policy_researched_without_birth_date():
    case = _policy_researched()
    case.patient.date_of_birth = None
    case.patient.save()
    return case


def _history_half():
    case = CaseFactory()
    DiagnosisFactory(patient=case.patient, icd10_code="")
    TreatmentTrialFactory(patient=case.patient)
    return case


def _history_done_and_referral_asked():
    case = CaseFactory()
    DiagnosisFactory(patient=case.patient)
    TreatmentTrialFactory.create_batch(2, patient=case.patient)
    SymptomScoreFactory(patient=case.patient)
    ReferralFactory(case=case, status=Referral.Status.REQUESTED)
    return case


def _documents_and_pending_request():
    case = CaseFactory()
    _doc(case, SupportingDocument.Category.MEDICAL_RECORDS)
    ReferralFactory(case=case, status=Referral.Status.RECEIVED)
    PARequestFactory(case=case)
    return case


def _denied_and_appealing():
    case = CaseFactory()
    _doc(case, SupportingDocument.Category.INSURANCE_CARD)
    denial = DenialFactory(pa_request__case=case)
    AppealFactory(denial=denial)
    return case


def _approved():
    case = CaseFactory()
    PARequestFactory(case=case, decision=Decision.APPROVED, decided_on=days_ago(34))
    return case


def _appeal_won():
    case = CaseFactory()
    denial = DenialFactory(pa_request__case=case)
    AppealFactory(denial=denial, outcome="overturned", decided_on=days_ago(2))
    return case


EXPECTED = {
    _blank: dict(policy="not_started", history="not_started", referral="not_started",
                 documents="not_started", submit="not_started", appeal="not_needed"),
    _only_a_first_name: dict(policy="in_progress", history="not_started", referral="not_started",
                             documents="not_started", submit="not_started", appeal="not_needed"),
    _policy_researched: dict(policy="complete", history="not_started", referral="not_started",
                             documents="not_started", submit="not_started", appeal="not_needed"),
    _policy_researched_without_birth_date: dict(policy="in_progress", history="not_started",
                                                referral="not_started", documents="not_started",
                                                submit="not_started", appeal="not_needed"),
    _history_half: dict(policy="in_progress", history="in_progress", referral="not_started",
                        documents="not_started", submit="not_started", appeal="not_needed"),
    _history_done_and_referral_asked: dict(policy="in_progress", history="complete",
                                           referral="in_progress", documents="not_started",
                                           submit="not_started", appeal="not_needed"),
    _documents_and_pending_request: dict(policy="in_progress", history="not_started",
                                         referral="complete", documents="complete",
                                         submit="in_progress", appeal="not_needed"),
    _denied_and_appealing: dict(policy="in_progress", history="not_started",
                                referral="not_started", documents="in_progress",
                                submit="complete", appeal="in_progress"),
    _approved: dict(policy="in_progress", history="not_started", referral="not_started",
                    documents="not_started", submit="complete", appeal="not_needed"),
    _appeal_won: dict(policy="in_progress", history="not_started", referral="not_started",
                      documents="not_started", submit="complete", appeal="complete"),
}  # fmt: skip


@pytest.mark.django_db
def test_queryset_and_single_case_states_agree_on_varied_cases():
    cases = {build: build() for build in EXPECTED}
    # A second case of the same patient shares the history but not the case-level steps.
    sibling = CaseFactory(patient=cases[_history_done_and_referral_asked].patient)

    annotated = {c.pk: c for c in with_step_states(CoverageCase.objects.all())}

    for build, case in cases.items():
        one = {s.slug: s.state for s in steps_of(case)}
        many = {s.slug: s.state for s in steps_of(annotated[case.pk])}
        assert one == many == EXPECTED[build], build.__name__
    sibling_states = {s.slug: s.state for s in steps_of(annotated[sibling.pk])}
    assert sibling_states["history"] == "complete"
    assert sibling_states["referral"] == "not_started"


def _count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


@pytest.mark.django_db
def test_states_of_many_cases_take_one_query():
    def states():
        return [steps_of(c) for c in with_step_states(CoverageCase.objects.all())]

    for build in EXPECTED:
        build()
    few = _count_queries(states)
    for _ in range(4):
        for build in EXPECTED:
            build()
    many = _count_queries(states)

    assert CoverageCase.objects.count() == 5 * len(EXPECTED)
    assert few == many == 1


@pytest.mark.django_db
def test_the_dashboard_takes_the_same_queries_for_2_or_12_cases(client):
    user = UserFactory()
    client.force_login(user)
    policy = PolicyFactory(patient=user.patient)
    CaseFactory.create_batch(2, patient=user.patient, policy=policy)
    few = _count_queries(lambda: client.get(reverse("claims:dashboard")))
    CaseFactory.create_batch(10, patient=user.patient, policy=policy)
    many = _count_queries(lambda: client.get(reverse("claims:dashboard")))
    assert few == many
