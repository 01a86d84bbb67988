"""Reads. Every look-up of a case goes through get_case_for_user: the one access choke point."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, cached_property
from typing import Any, NamedTuple
from uuid import UUID

from django.db.models import (
    BigIntegerField,
    CharField,
    Exists,
    F,
    IntegerField,
    Model,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from patients.adequate_trials import TrialFacts
from patients.models import (
    Diagnosis,
    InsurancePolicy,
    Patient,
    Provider,
    SymptomScore,
    TreatmentTrial,
    User,
    YesNoUnknown,
)
from patients.selectors import clinic_staff_case_q

from . import deadlines, ladder
from . import estimate as estimate_rules
from .criteria import rules as criteria_rules
from .models import (
    Appeal,
    CostEstimate,
    CoverageCase,
    CriteriaSet,
    Criterion,
    Deadline,
    Denial,
    Letter,
    NetworkProviderCheck,
    OutOfNetworkClaim,
    Packet,
    PriorAuthorizationRequest,
    Referral,
    ReviewEvent,
    SupportingDocument,
    TreatmentRequest,
    TreatmentSession,
)
from .progress import with_step_states


def cases_visible_to(
    user: User, *, cases: QuerySet[CoverageCase] | None = None
) -> QuerySet[CoverageCase]:
    """The owning patient's cases, or the cases shared with a staff member's clinics (among
    `cases`, every case unless given)."""
    cases = CoverageCase.objects.all() if cases is None else cases
    if not user.is_authenticated or not user.is_active:
        return cases.none()
    if user.is_patient:
        return cases.filter(patient__user=user)
    if user.is_superuser:
        return cases.all()
    return cases.filter(clinic_staff_case_q(user))


def approval_was_withdrawn(case: CoverageCase) -> bool:
    """Whether the case, approved to send when it was loaded, is approved no longer (a save made
    the approval stale: claims.services.approvals)."""
    Review = CoverageCase.ReviewStatus
    if case.review_status != Review.APPROVED_TO_SEND:
        return False
    now = CoverageCase.objects.filter(pk=case.pk).values_list("review_status", flat=True).first()
    return now != Review.APPROVED_TO_SEND


def get_case_for_user(
    user: User, public_id: UUID | str, *, for_wizard: bool = False
) -> CoverageCase:
    """The case if this user may see it; Http404 otherwise (never 403: no hint it exists).

    `for_wizard`: in the same query, what every wizard page reads: the six steps' states
    (claims.progress.with_step_states) and the treatment request with its prescriber."""
    cases = _wizard_cases() if for_wizard else CoverageCase.objects.select_related(*_CASE_JOINS)
    case = cases_visible_to(user, cases=cases).filter(public_id=public_id).first()
    if case is None:
        raise Http404
    return case


def cases_for_dashboard(user: User) -> QuerySet[CoverageCase]:
    """The user's cases, newest first, with their step states, open deadlines and the clinic's
    notes asking for changes: three queries whatever the number of cases."""
    return (
        cases_visible_to(user, cases=_wizard_cases())
        .prefetch_related(open_deadlines_prefetch(), review_notes_prefetch())
        .order_by("-updated_at")
    )


_CASE_JOINS = ("patient__user", "policy__payer", "clinic")


@cache
def _wizard_cases() -> QuerySet[CoverageCase]:
    """The cases with their step states and treatment request, built once a process and cloned
    by each request (as Django's class-based views clone their `queryset`): resolving the
    states' dozen subqueries again would cost each wizard page about 5 ms."""
    joins = (*_CASE_JOINS, "treatment_request__prescriber")
    return with_step_states(CoverageCase.objects.select_related(*joins))


class CaseRecords:
    """The records of one case that several parts of one page read (the criteria check, the
    missing facts, the step's own lists): each read once per request, when first asked for.

    Lists of the rows as the database has them: a page binding a form to one of them gives
    the form a copy (claims.views.base.item_or_404), so a refused form's typing never shows
    in the lists or the checks."""

    def __init__(self, case: CoverageCase) -> None:
        self.case = case

    @cached_property
    def treatment_request(self) -> TreatmentRequest | None:
        """The saved treatment request, or None (read with the case when it was loaded with
        get_case_for_user(for_wizard=True))."""
        case = self.case
        if CoverageCase.treatment_request.is_cached(case):
            return getattr(case, "treatment_request", None)  # None: the join found no row
        return TreatmentRequest.objects.filter(case=case).select_related("prescriber").first()

    @cached_property
    def request_or_draft(self) -> TreatmentRequest:
        """treatment_request_for: the saved request, or the unsaved one filled in for it."""
        return self.treatment_request or _treatment_request_draft(self.case)

    @cached_property
    def diagnoses(self) -> list[Diagnosis]:
        return list(Diagnosis.objects.filter(patient_id=self.case.patient_id))

    @cached_property
    def trials(self) -> list[TreatmentTrial]:
        return list(TreatmentTrial.objects.filter(patient_id=self.case.patient_id))

    @cached_property
    def scores(self) -> list[SymptomScore]:
        return list(SymptomScore.objects.filter(patient_id=self.case.patient_id))

    @cached_property
    def pre_authorizations(self) -> list[PriorAuthorizationRequest]:
        return list(pre_authorizations(self.case))


@dataclass(frozen=True)
class DeadlineView:
    """A deadline as a page shows it: what, when, how many days left, whether it has passed."""

    deadline: Deadline
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_late(self) -> int:
        return -self.days_left

    @property
    def overdue_decision(self) -> bool:
        return self.overdue and self.deadline.kind == Deadline.Kind.DECISION_DUE


def open_deadlines(deadlines: Iterable[Deadline], today: date) -> list[DeadlineView]:
    """Deadlines not yet met, soonest first: the future ones, and insurer decisions now late
    (the patient may act on those); other passed dates are dropped."""
    views = [
        DeadlineView(d, (d.due_on - today).days)
        for d in sorted(deadlines, key=lambda d: d.due_on)
        if d.met_at is None
    ]
    return [v for v in views if not v.overdue or v.overdue_decision]


def deadlines_of_denial(
    case_deadlines: Iterable[Deadline],
    denial: Denial,
    denials: Iterable[Denial],
    appeals: Iterable[Appeal],
) -> list[Deadline]:
    """The case's deadlines as step 6 shows them for one denial: its own clocks and those of no
    denial (a request's decision, a claim's follow-up), not another denial's filing, external
    review or appeal-decision dates (issue 16: a case may have a pre-authorization denial and a
    claim denial at once). From rows read already: the case's deadlines, denials and their
    appeals (no queries)."""
    others = {d.pk for d in denials if d.pk != denial.pk}
    theirs = {deadlines.deadline_key(deadlines.Kind.EXTERNAL_REVIEW, of=pk) for pk in others}
    theirs |= {
        deadlines.deadline_key(deadlines.Kind.APPEAL_DECISION_DUE, of=a.pk)
        for a in appeals
        if a.denial_id in others
    }
    filing = tuple(f"{deadlines.Kind.APPEAL_FILING}:{pk}:" for pk in others)
    return [
        d
        for d in case_deadlines
        if d.key not in theirs and not (filing and d.key.startswith(filing))
    ]


def open_deadlines_prefetch() -> Prefetch[str, QuerySet[Deadline], str]:
    """Prefetch a case's open deadlines in one query for a whole list of cases."""
    return Prefetch(
        "deadlines",
        queryset=Deadline.objects.filter(met_at__isnull=True).order_by("due_on"),
        to_attr="prefetched_open_deadlines",
    )


def review_notes_prefetch() -> Prefetch[str, QuerySet[ReviewEvent], str]:
    """The clinic's notes asking for changes, newest first, for a list of cases."""
    return Prefetch(
        "review_events",
        queryset=ReviewEvent.objects.filter(
            to_status=CoverageCase.ReviewStatus.CHANGES_REQUESTED
        ).order_by("-at", "-pk"),
        to_attr="changes_requested_events",
    )


def pre_authorizations(case: CoverageCase) -> QuerySet[PriorAuthorizationRequest]:
    """The case's requests for care ahead (step 5), newest first: not the requests that stand
    for a denied out-of-network claim (kind "claim", issue 16), whose denials step 6 appeals."""
    return case.pa_requests.exclude(kind=PriorAuthorizationRequest.Kind.CLAIM)


def denials_of(case: CoverageCase) -> QuerySet[Denial]:
    """The case's denials, newest decision first (the first is the one step 6 answers unless the
    patient picks another): a denied pre-authorization and then a denied out-of-network claim
    are two denials (issue 16)."""
    return (
        Denial.objects.filter(pa_request__case=case)
        .select_related("pa_request")
        .order_by("-pa_request__decided_on", "-pa_request__created_at")
    )


def treatment_request_for(
    case: CoverageCase, *, records: CaseRecords | None = None
) -> TreatmentRequest:
    """The case's treatment request, or a new one filled in from what the case already knows:
    the product for the treatment, the site from the clinic the case is shared with, the
    prescriber from the referral."""
    if records is not None:
        return records.request_or_draft
    existing = TreatmentRequest.objects.filter(case=case).select_related("prescriber").first()
    if existing is not None:
        return existing
    return _treatment_request_draft(case)


def _treatment_request_draft(case: CoverageCase) -> TreatmentRequest:
    Product = TreatmentRequest.Product
    products: dict[str, str] = {
        CoverageCase.Treatment.ESKETAMINE: Product.SPRAVATO_56,
        CoverageCase.Treatment.IV_KETAMINE: Product.KETAMINE_IV,
    }
    request = TreatmentRequest(case=case, product=products.get(case.treatment, Product.OTHER))
    clinic = case.clinic
    if clinic is not None:
        town = " ".join(p for p in [clinic.city, clinic.state, clinic.postal_code] if p)
        address = [clinic.address_line1, clinic.address_line2, town]
        request.site_name, request.site_npi, request.site_tax_id = (
            clinic.name,
            clinic.npi,
            clinic.tax_id,
        )
        request.site_address = "\n".join(line for line in address if line)
        request.site_phone, request.site_fax = clinic.phone, clinic.fax
    referral = case.referrals.select_related("provider").first()
    if referral is not None:
        request.prescriber = referral.provider
    return request


# The policy's amounts behind each of the estimate's plan fields, by network. A single-case
# agreement usually pays at in-network cost sharing (general practice, not in DOMAIN.md [U]), so
# its blanks come from the in-network set; the form says the patient should check them.
_POLICY_AMOUNTS = ("deductible", "deductible_met", "oop_max", "copay", "coinsurance_percent")


def cost_estimate_for(case: CoverageCase) -> tuple[CostEstimate, tuple[str, ...]]:
    """The case's cost estimate (a new, unsaved one if there is none), with its blank plan
    amounts filled from the case's policy for the estimate's network, and the names filled."""
    estimate = CostEstimate.objects.filter(case=case).first()
    if estimate is None:
        estimate = CostEstimate(case=case)
        policy = case.policy
        if policy is not None and policy.out_of_network_covered == YesNoUnknown.NO:
            estimate.out_of_network_covered = False
    policy = case.policy
    if policy is None:
        return estimate, ()
    prefix = (
        "out_of_network"
        if estimate.network == CostEstimate.Network.OUT_OF_NETWORK
        else "in_network"
    )
    filled = []
    for name in _POLICY_AMOUNTS:
        value = getattr(policy, f"{prefix}_{name}")
        if getattr(estimate, name) is None and value is not None:
            setattr(estimate, name, value)
            filled.append(name)
    return estimate, tuple(filled)


def cost_estimate_result(estimate: CostEstimate) -> estimate_rules.Estimate:
    """The arithmetic (claims/estimate.py) on the estimate's inputs."""
    return estimate_rules.estimate(
        estimate_rules.EstimateInputs(
            sessions=estimate.sessions,
            charge_per_session=estimate.charge_per_session,
            network=estimate.network,
            out_of_network_covered=estimate.out_of_network_covered,
            allowed_per_session=estimate.allowed_per_session,
            medicare_fee=estimate.medicare_fee,
            allowed_low_percent=estimate.allowed_low_percent,
            allowed_high_percent=estimate.allowed_high_percent,
            single_case_rate=estimate.single_case_rate,
            deductible=estimate.deductible,
            deductible_met=estimate.deductible_met,
            coinsurance_percent=estimate.coinsurance_percent,
            copay=estimate.copay,
            oop_max=estimate.oop_max,
            oop_met=estimate.oop_met,
        )
    )


# Commercial insurance: a plan through a job or bought on the marketplace. FEHB and "other" are
# left out, as the program's terms decide them (DOMAIN.md §6 [R69] gives only "commercial").
_COMMERCIAL_PLANS = {
    InsurancePolicy.PlanType.EMPLOYER_FULLY_INSURED,
    InsurancePolicy.PlanType.EMPLOYER_SELF_FUNDED,
    InsurancePolicy.PlanType.EMPLOYER_UNKNOWN,
    InsurancePolicy.PlanType.MARKETPLACE,
}


def savings_program_may_apply(case: CoverageCase) -> bool:
    """The maker's Spravato savings program is for commercial insurance only, not Medicare,
    Medicaid or other government plans (DOMAIN.md §6 [R69]), and only for esketamine."""
    policy = case.policy
    return (
        case.treatment == CoverageCase.Treatment.ESKETAMINE
        and policy is not None
        and policy.plan_type in _COMMERCIAL_PLANS
    )


@dataclass(frozen=True)
class MissingFact:
    """A fact a payer expects that the case lacks: what it is, and the step that fills it in
    ("profile" for the patient's own page)."""

    label: str
    where: str


def packet_missing_facts(
    case: CoverageCase, *, records: CaseRecords | None = None
) -> list[MissingFact]:
    """What the packet would have to show as a bracketed placeholder, in the order a payer's
    form asks for it. The patient can fill these in or go on with the placeholders."""
    records = records or CaseRecords(case)
    patient, policy = case.patient, case.policy
    request = records.treatment_request
    coded = any(d.icd10_code for d in records.diagnoses)
    checks: list[tuple[bool, StrOrPromise, str]] = [
        (bool(patient.legal_first_name and patient.legal_last_name), _("your legal name"),
         "profile"),
        (patient.date_of_birth is not None, _("your date of birth"), "profile"),
        (bool(policy and policy.member_id), _("your member ID"), "policy"),
        (coded, _("a diagnosis code"), "history"),
        (request is not None, _("what is requested (step 5)"), "submit"),
    ]  # fmt: skip
    if request is not None:
        checks += [
            (bool(request.sessions), _("the number of sessions"), "submit"),
            (bool(request.start_date and request.end_date), _("the period asked for"),
             "submit"),
            (bool(request.site_npi), _("the treatment site's NPI"), "submit"),
            (bool(request.prescriber and request.prescriber.npi), _("the prescriber's NPI"),
             "submit"),
        ]  # fmt: skip
        if case.treatment == CoverageCase.Treatment.ESKETAMINE:
            checks.append(
                (
                    request.site_rems_certified == TreatmentRequest.Answer.YES,
                    _("the site's Spravato REMS certification"),
                    "submit",
                )
            )
    return [MissingFact(str(label), where) for ok, label, where in checks if not ok]


# --- what a packet is made from ---------------------------------------------------------------

# The patient's own details a packet prints: a change to any of them makes it out of date.
PACKET_PATIENT_FIELDS = [name for name in Patient.PROFILE_FIELDS if name != "preferred_language"]


@dataclass(frozen=True)
class PacketSources:
    """The records a packet is made from. Their ids and update times fingerprint the packet: a
    later edit of any of them makes the packet out of date."""

    policy: InsurancePolicy | None
    diagnoses: list[Diagnosis]
    trials: list[TreatmentTrial]
    scores: list[SymptomScore]
    letter: Letter | None
    documents: list[SupportingDocument]
    referral: Referral | None
    denial: Denial | None
    treatment_request: TreatmentRequest | None
    # Who the patient is, as the cover sheet and footers print it ("About you").
    patient_identity: tuple[str, ...]
    # The coverage policy the patient picked and the episode's start (the criteria table).
    criteria_policy_key: str = ""
    episode_since: date | None = None
    # A superbill's sessions (issue 16); empty for every other kind.
    sessions: tuple[TreatmentSession, ...] = ()

    def digest(self) -> str:
        fields = list(_DIGEST_FIELDS)
        if self.sessions:  # only then: packets of the other kinds keep their fingerprints
            fields.append("sessions")
        return _digest({name: getattr(self, name) for name in fields})


class _RowStamp(NamedTuple):
    """A source row as a fingerprint records it: its model, its id, its last change."""

    label: str
    pk: int
    updated_at: datetime


_DIGEST_FIELDS = ("policy", "diagnoses", "trials", "scores", "letter", "documents", "referral",
                  "denial", "treatment_request", "patient_identity",
                  "criteria_policy_key", "episode_since")  # fmt: skip


def _digest(values: dict[str, object]) -> str:
    """The fingerprint stored on a packet (Packet.source_digest): each source row by model, id
    and update time, the other values as text."""

    def plain(value: object) -> object:
        if isinstance(value, _RowStamp):
            return [value.label, value.pk, str(value.updated_at)]
        if isinstance(value, Model):
            return [value._meta.label, value.pk, str(getattr(value, "updated_at", ""))]
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return str(value)

    payload = json.dumps({k: plain(v) for k, v in values.items()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def packet_sources(*, case: CoverageCase, kind: str, denial: Denial | None) -> PacketSources:
    """Read the records a packet of this kind shows (no codes, no drawings: only rows)."""
    patient = case.patient
    if kind == Packet.Kind.SUPERBILL:
        return superbill_sources(case)
    letter = case.letters.filter(kind=letter_kind_of_packet(kind), denial=denial).first()
    documents = list(case.documents.order_by("category", "created_at"))
    if kind in ESCALATION_PACKET_KINDS:
        # An escalation letter encloses only the documents its kind asks for, in that order.
        wanted = ladder.enclosure_categories(kind)
        documents = sorted(
            (d for d in documents if d.category in wanted),
            key=lambda d: wanted.index(d.category),
        )
    if kind == Packet.Kind.NETWORK_GAP:
        # The network-gap request states only the providers the patient checked (issue 16): it
        # encloses nothing of the medical record.
        documents = []
    if letter and letter.signed_copy_id:
        # The provider's signed letter goes first among the enclosures.
        documents.sort(key=lambda d: d.pk != letter.signed_copy_id)
    return PacketSources(
        policy=case.policy,
        diagnoses=list(patient.diagnoses.all()),
        trials=list(patient.treatment_trials.all()),
        scores=list(patient.symptom_scores.all()),
        letter=letter,
        documents=documents,
        referral=case.referrals.select_related("provider").first(),
        denial=denial,
        treatment_request=TreatmentRequest.objects.filter(case=case)
        .select_related("prescriber")
        .first(),
        patient_identity=tuple(str(getattr(patient, name)) for name in PACKET_PATIENT_FIELDS),
        criteria_policy_key=case.criteria_policy_key,
        episode_since=case.episode_since,
    )


# --- the appeal ladder of a denial (issue 15) --------------------------------------------------


@dataclass(frozen=True)
class LadderStep:
    """One door of the ladder, as the case stands: its appeal (if filed or logged), its dates."""

    rung: ladder.Rung
    appeal: Appeal | None
    file_by: date | None  # the last day to file it (stored deadline), when one applies
    decision_due: date | None  # when the insurer must decide it, once filed
    next_door: ladder.Rung | None  # where to go if it is lost (None: the ladder's after_last)

    @property
    def label(self) -> str:
        return str(Appeal.Level(self.rung.level).label)

    @property
    def next_label(self) -> str:
        return str(Appeal.Level(self.next_door.level).label) if self.next_door else ""

    @property
    def status(self) -> str:
        """ "not_started", "filed", "won" or "lost" (withdrawn counts as not started, and so does
        an appeal logged without a filing date while it waits: it has not been sent yet)."""
        if self.appeal is None or self.appeal.outcome == Appeal.Outcome.WITHDRAWN:
            return "not_started"
        if self.appeal.outcome in WON_OUTCOMES:
            return "won"
        if self.appeal.outcome == Appeal.Outcome.UPHELD:
            return "lost"
        return "filed" if self.appeal.filed_on else "not_started"


WON_OUTCOMES = (Appeal.Outcome.OVERTURNED, Appeal.Outcome.PARTIALLY_OVERTURNED)


@dataclass(frozen=True)
class AppealLadder:
    ladder: ladder.Ladder
    steps: tuple[LadderStep, ...]
    # A denied out-of-network claim the insurer then paid (its request approved or partly
    # approved, issue 16): nothing is left to appeal, as after a won appeal.
    paid: bool = False

    @property
    def won(self) -> bool:
        """A won appeal, or a denied claim paid after all, closes the ladder."""
        return self.paid or any(step.status == "won" for step in self.steps)

    @property
    def current(self) -> LadderStep | None:
        """The door to work on now: the first not lost, unless the ladder is closed."""
        if self.won:
            return None
        return next((step for step in self.steps if step.status != "lost"), None)

    @property
    def exhausted(self) -> bool:
        return bool(self.steps) and all(step.status == "lost" for step in self.steps)


def appeal_ladder(
    case: CoverageCase,
    denial: Denial,
    *,
    appeals: Iterable[Appeal] | None = None,
    case_deadlines: Iterable[Deadline] | None = None,
) -> AppealLadder:
    """Every door of the case's plan type for this denial, with its appeal and its dates (from
    the denial's `appeals` and the `case_deadlines` where the page has read them already)."""
    plan = ladder.ladder_for(case.policy.plan_type if case.policy else None)
    by_level = {a.level: a for a in (denial.appeals.all() if appeals is None else appeals)}
    due = (
        dict(case.deadlines.values_list("key", "due_on"))
        if case_deadlines is None
        else {d.key: d.due_on for d in case_deadlines}
    )
    steps = []
    for rung in plan.rungs:
        appeal = by_level.get(rung.level)
        if rung.level == "external_review":
            file_key = deadlines.deadline_key(deadlines.Kind.EXTERNAL_REVIEW, of=denial.pk)
        else:
            file_key = deadlines.deadline_key(
                deadlines.Kind.APPEAL_FILING, of=denial.pk, level=rung.level
            )
        decision_key = (
            deadlines.deadline_key(deadlines.Kind.APPEAL_DECISION_DUE, of=appeal.pk)
            if appeal
            else ""
        )
        steps.append(
            LadderStep(
                rung=rung,
                appeal=appeal,
                file_by=due.get(file_key),
                decision_due=due.get(decision_key),
                next_door=plan.next_door(rung.level),
            )
        )
    request = denial.pa_request
    paid = request.kind == PriorAuthorizationRequest.Kind.CLAIM and request.decision in (
        PriorAuthorizationRequest.Decision.APPROVED,
        PriorAuthorizationRequest.Decision.PARTIALLY_APPROVED,
    )
    return AppealLadder(ladder=plan, steps=tuple(steps), paid=paid)


@dataclass(frozen=True)
class EscalationLetter:
    kind: str
    label: StrOrPromise
    letter: Letter | None  # drafted the first time its PDF is asked for
    packet: Packet | None  # its newest PDF


def escalation_letters(
    case: CoverageCase, *, letters: Iterable[Letter], packets: Iterable[Packet]
) -> list[EscalationLetter]:
    """The letters after a first appeal that fit the case's plan type, each with its saved
    draft and newest PDF, from a denial's `letters` and `packets` (no queries)."""
    plan = ladder.ladder_for(case.policy.plan_type if case.policy else None)
    drafts = {letter.kind: letter for letter in letters}
    newest: dict[str, Packet] = {}
    for packet in packets:
        if packet.kind in plan.letters and packet.is_newest:
            newest[packet.kind] = packet
    return [
        EscalationLetter(
            kind=kind,
            label=Letter.Kind(kind).label,
            letter=drafts.get(kind),
            packet=newest.get(kind),
        )
        for kind in plan.letters
    ]


@dataclass(frozen=True)
class DenialPage:
    """What step 6 shows for one denial, read in four queries whatever the case's size."""

    appeals: list[Appeal]  # the denial's, oldest first
    ladder: AppealLadder
    escalations: list[EscalationLetter]
    deadlines: list[Deadline]  # deadlines_of_denial
    letters: list[Letter]  # its appeal letter
    packets: list[Packet]  # its appeal packets, newest first


def denial_page(case: CoverageCase, denial: Denial, denials: Iterable[Denial]) -> DenialPage:
    """Step 6's records for `denial`, one of the case's `denials`: the appeals of every denial
    (another's decision dates are left out), the case's deadlines, the denial's letters and its
    packets, each read once for the ladder, the escalation letters and the lists."""
    denials = list(denials)
    appeals = list(Appeal.objects.filter(denial__pa_request__case=case))
    case_deadlines = list(case.deadlines.all())
    letters = list(case.letters.filter(denial=denial))
    packets = list(case.packets.filter(denial=denial))
    own = [a for a in appeals if a.denial_id == denial.pk]
    return DenialPage(
        appeals=own,
        ladder=appeal_ladder(case, denial, appeals=own, case_deadlines=case_deadlines),
        escalations=escalation_letters(case, letters=letters, packets=packets),
        deadlines=deadlines_of_denial(case_deadlines, denial, denials, appeals),
        letters=[letter for letter in letters if letter.kind == Letter.Kind.APPEAL],
        packets=[p for p in packets if p.kind == Packet.Kind.APPEAL],
    )


# Packets of one escalation letter each (issue 15): their kind is the letter's kind.
ESCALATION_PACKET_KINDS = frozenset(ladder.ESCALATION_LETTERS)


def escalation_letter_fits(case: CoverageCase, kind: str) -> bool:
    """Whether a packet of `kind` may be made for the case: any kind that is not an escalation
    letter, and an escalation letter only if the ladder of the case's plan type offers it."""
    if kind not in ESCALATION_PACKET_KINDS:
        return True
    return kind in ladder.ladder_for(case.policy.plan_type if case.policy else None).letters


def letter_kind_of_packet(kind: str) -> str:
    """The letter a packet of `kind` carries."""
    if kind == Packet.Kind.PRIOR_AUTHORIZATION:
        return Letter.Kind.MEDICAL_NECESSITY
    return kind  # the appeal letter, or the escalation letter of the same name


def packet_sources_of(packet: Packet) -> PacketSources:
    return packet_sources(case=packet.case, kind=packet.kind, denial=packet.denial)


def packet_is_out_of_date(packet: Packet) -> bool:
    """Whether the case changed since this packet was made (one query: packet_fingerprint)."""
    return packet.source_digest != packet_fingerprint(packet)


def packet_fingerprint(packet: Packet) -> str:
    """The digest packet_sources_of(packet).digest() gives, read in one query whatever the
    case's size: only the source rows' ids and update times (a UNION ALL over the source
    tables, each row numbered in the order packet_sources lists it), not the records."""
    case, kind = packet.case, packet.kind
    patient = case.patient
    superbill = kind == Packet.Kind.SUPERBILL
    sources: dict[str, QuerySet[Any]] = {
        "treatment_request": TreatmentRequest.objects.filter(case=case),
    }
    if case.policy_id is not None:
        sources["policy"] = InsurancePolicy.objects.filter(pk=case.policy_id)
    if superbill:
        sources["diagnoses"] = _superbill_diagnosis_rows(case)
        sources["sessions"] = superbill_session_queryset(case, today=timezone.localdate())
    else:
        of_denial = (
            Q(denial_id=packet.denial_id) if packet.denial_id is not None else Q(denial=None)
        )
        sources["diagnoses"] = Diagnosis.objects.filter(patient=patient)
        sources["trials"] = TreatmentTrial.objects.filter(patient=patient)
        sources["scores"] = SymptomScore.objects.filter(patient=patient)
        sources["letter"] = case.letters.filter(of_denial, kind=letter_kind_of_packet(kind))
        sources["referral"] = case.referrals.all()
        if packet.denial_id is not None:
            sources["denial"] = Denial.objects.filter(pk=packet.denial_id)
        if kind != Packet.Kind.NETWORK_GAP:
            sources["documents"] = case.documents.order_by("category", "created_at")
    parts = [_row_stamps(name, queryset) for name, queryset in sources.items()]
    found: dict[str, list[_StampRow]] = defaultdict(list)
    for values in parts[0].union(*parts[1:], all=True):
        row = _StampRow(*values)
        found[row.source].append(row)

    def stamps(name: str) -> list[_RowStamp]:
        if name not in sources:
            return []
        label = sources[name].model._meta.label
        ordered = sorted(found[name], key=lambda r: r.position)
        return [_RowStamp(label, r.pk, r.updated_at) for r in ordered]

    def first(name: str) -> _RowStamp | None:
        rows = stamps(name)
        return rows[0] if rows else None

    letter = found["letter"][0] if found["letter"] else None
    digested: dict[str, object] = {
        "policy": first("policy"),
        "diagnoses": stamps("diagnoses")[: len(SUPERBILL_DIAGNOSIS_LETTERS)]
        if superbill
        else stamps("diagnoses"),
        "trials": stamps("trials"),
        "scores": stamps("scores"),
        "letter": first("letter"),
        "documents": _enclosure_stamps(
            kind, found["documents"], letter.signed_copy_id if letter else None
        ),
        "referral": first("referral"),
        "denial": first("denial"),
        "treatment_request": first("treatment_request"),
        "patient_identity": tuple(str(getattr(patient, name)) for name in PACKET_PATIENT_FIELDS),
        # A superbill's sources leave these two at PacketSources' defaults.
        "criteria_policy_key": "" if superbill else case.criteria_policy_key,
        "episode_since": None if superbill else case.episode_since,
    }
    if found["sessions"]:
        digested["sessions"] = tuple(stamps("sessions"))
    return _digest(digested)


class _StampRow(NamedTuple):
    """A source row as packet_fingerprint's query reads it."""

    source: str
    position: int  # in the order packet_sources lists the rows, from 1
    pk: int
    updated_at: datetime
    category: str  # a document's; "" for the other rows
    signed_copy_id: int | None  # a letter's; None for the other rows


def rows_together(*querysets: QuerySet[Any]) -> list[list[Any]]:
    """The rows of each queryset (of any models, each in its own order) read in ONE query: a
    UNION ALL in which each part selects its own model's columns and typed NULLs in the other
    models' places, its rows numbered by a Window as in packet_fingerprint. For lists one page
    shows side by side, whatever their size."""
    slots = [
        (n, field) for n, qs in enumerate(querysets) for field in qs.model._meta.concrete_fields
    ]
    parts = []
    for n, queryset in enumerate(querysets):
        model = queryset.model
        ordering = [str(o) for o in (queryset.query.order_by or model._meta.ordering or ["pk"])]
        order_by = [OrderBy(F(o.removeprefix("-")), descending=o.startswith("-")) for o in ordering]
        columns = {
            f"_column_{i}": F(field.attname) if owner == n else Cast(Value(None), field)
            for i, (owner, field) in enumerate(slots)
        }
        parts.append(
            queryset.order_by()
            .annotate(
                _part=Value(n, output_field=IntegerField()),
                _position=Window(RowNumber(), order_by=order_by),
                **columns,
            )
            .values_list("_part", "_position", *columns)
        )
    found: list[list[tuple[int, Any]]] = [[] for _ in querysets]
    db = querysets[0].db
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for part, position, *values in rows:
        model = querysets[part].model
        own = [
            (field.attname, v)
            for (owner, field), v in zip(slots, values, strict=True)
            if owner == part
        ]
        names, row = [name for name, _ in own], [v for _, v in own]
        obj = model.from_db(db, names, row)
        # As a related manager's queryset does: `case.packets...` rows know their case.
        for field, known in querysets[part]._known_related_objects.items():
            if getattr(obj, field.attname) in known:
                setattr(obj, field.name, known[getattr(obj, field.attname)])
        found[part].append((position, obj))
    return [[row for _, row in sorted(rows, key=lambda r: r[0])] for rows in found]


def _row_stamps(name: str, queryset: QuerySet[Any]) -> QuerySet[Any, Any]:
    """The queryset's rows as _StampRow values, numbered in the queryset's own order (a
    Window, which keeps it inside a UNION)."""
    model = queryset.model
    ordering = [str(o) for o in (queryset.query.order_by or model._meta.ordering or ["pk"])]
    if model is Letter:
        ordering = ["pk"]  # one letter per kind (and denial): its order is moot
    order_by = [OrderBy(F(o.removeprefix("-")), descending=o.startswith("-")) for o in ordering]
    text: CharField[str, str] = CharField()
    # Typed NULL: PostgreSQL reads an untyped one in the first SELECT of a UNION as text.
    no_letter = Cast(Value(None), output_field=BigIntegerField())
    rows: QuerySet[Any, Any] = (
        queryset.order_by()
        .prefetch_related(None)
        .annotate(
            _source=Value(name, output_field=text),
            _position=Window(RowNumber(), order_by=order_by),
            _category=F("category") if model is SupportingDocument else Value("", text),
            _signed_copy=F("signed_copy_id") if model is Letter else no_letter,
        )
        .values_list("_source", "_position", "pk", "updated_at", "_category", "_signed_copy")
    )
    return rows


def _enclosure_stamps(
    kind: str, documents: list[_StampRow], signed_copy_id: int | None
) -> list[_RowStamp]:
    """The enclosures in packet_sources' order: escalation letters keep only their categories,
    in that order; the signed letter goes first."""
    ordered = sorted(documents, key=lambda d: d.position)
    if kind in ESCALATION_PACKET_KINDS:
        wanted = ladder.enclosure_categories(kind)
        ordered = sorted(
            (d for d in ordered if d.category in wanted), key=lambda d: wanted.index(d.category)
        )
    if signed_copy_id:
        ordered.sort(key=lambda d: d.pk != signed_copy_id)
    label = SupportingDocument._meta.label
    return [_RowStamp(label, d.pk, d.updated_at) for d in ordered]


# --- coverage criteria --------------------------------------------------------------------------


@dataclass(frozen=True)
class CriteriaCheck:
    """A case against the coverage policy that applies to it (issue 12)."""

    on: date  # the day judged: the requested start, else today
    criteria_set: CriteriaSet | None  # None: no policy in the app matches the case yet
    report: criteria_rules.Report | None
    chosen_by_patient: bool  # the patient picked the policy (the payer alone did not say)
    choices: tuple[CriteriaSet, ...]  # policies the patient may pick, one row per policy


def criteria_set_spec(row: CriteriaSet, *, with_criteria: bool = True) -> criteria_rules.SetSpec:
    """A CriteriaSet row, with its prefetched criteria, as plain data for the rules (without
    them, `with_criteria=False`: enough to tell whether it is in effect)."""
    return criteria_rules.SetSpec(
        name=row.name,
        coverage=row.coverage,
        policy_number=row.policy_number,
        payer_label=row.payer_label,
        version_date=row.version_date,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        last_verified=row.last_verified,
        verified=row.verified,
        source_url=row.source_url,
        rules=tuple(
            criteria_rules.Rule(
                kind=c.kind,
                params=c.params,
                comparison=c.comparison,
                group=c.group,
                indication=c.indication,
                wording=c.wording,
            )
            for c in (_criteria_of(row) if with_criteria else ())
        ),
    )


def criteria_sets_for(treatment: str, condition: str) -> list[CriteriaSet]:
    """Every version of every policy for this treatment and condition, criteria and payers
    prefetched (three queries; the sets are a few dozen rows)."""
    rows = CriteriaSet.objects.prefetch_related("criteria", "payers").order_by(
        "payer_label", "name", "-effective_from"
    )
    return [r for r in rows if treatment in r.treatments and condition in r.indications]


def _criteria_sets_naming(
    treatment: str, condition: str, payer_ids: list[int]
) -> list[CriteriaSet]:
    """criteria_sets_for without reading the payers: each row knows which of `payer_ids` it
    names (`named_payer_ids`, from EXISTS) and carries its criteria (`criteria_rows`, from a
    LEFT JOIN: a row of the result per criterion), all in one query. The sets are reference
    data (a few dozen, a few hundred criteria), whatever the case's size."""
    through = CriteriaSet.payers.through
    names = {
        f"_names_{n}": Exists(through.objects.filter(criteriaset=OuterRef("pk"), payer=payer_id))
        for n, payer_id in enumerate(payer_ids)
    }
    criterion = [f.attname for f in Criterion._meta.concrete_fields]
    joined = {f"_criterion_{name}": F(f"criteria__{name}") for name in criterion}
    rows = (
        CriteriaSet.objects.annotate(**names, **joined)
        # Criterion's own order within each set (its Meta.ordering: set, order, pk).
        .order_by("payer_label", "name", "-effective_from", "pk", "criteria__order", "criteria__pk")
    )
    found: dict[int, CriteriaSet] = {}
    for row in rows:
        if treatment not in row.treatments or condition not in row.indications:
            continue
        kept = found.setdefault(row.pk, row)
        if kept is row:
            row.named_payer_ids = {  # type: ignore[attr-defined]
                payer_id for n, payer_id in enumerate(payer_ids) if getattr(row, f"_names_{n}")
            }
            row.criteria_rows = []  # type: ignore[attr-defined]
        values = [getattr(row, f"_criterion_{name}") for name in criterion]
        if values[criterion.index("id")] is not None:  # None: a set with no criteria
            kept.criteria_rows.append(  # type: ignore[attr-defined]
                Criterion.from_db(rows.db, criterion, values)
            )
    return list(found.values())


def _criteria_of(row: CriteriaSet) -> Iterable[Criterion]:
    """The set's criteria: as _criteria_sets_naming read them with the set, else prefetched
    or read now."""
    joined: list[Criterion] | None = getattr(row, "criteria_rows", None)
    return row.criteria.all() if joined is None else joined


def _set_in_effect(rows: Iterable[CriteriaSet], on: date) -> CriteriaSet | None:
    effective = [
        r for r in rows if criteria_rules.in_effect(criteria_set_spec(r, with_criteria=False), on)
    ]
    return max(effective, key=lambda r: r.effective_from or date.min, default=None)


def _names_payer(row: CriteriaSet, payer_id: int) -> bool:
    named = getattr(row, "named_payer_ids", None)  # _criteria_sets_naming's rows
    if named is None:
        return payer_id in {p.pk for p in row.payers.all()}
    return payer_id in named


def applicable_criteria_set(
    case: CoverageCase, rows: list[CriteriaSet], on: date
) -> tuple[CriteriaSet | None, bool]:
    """The version of the policy that applies on `on`, and whether the patient chose it.

    By the plan's reviewing company, then its payer, and the plan type (a set naming the plan
    type beats one for every plan type);
    where that finds nothing (an unlisted payer, a state's Blue plan), the policy the patient
    picked (`criteria_policy_key`)."""
    policy = case.policy
    # The company that reviews the plan's mental-health requests applies its own criteria
    # (Evicore for some Cigna plans: DOMAIN.md §1.2), so it is tried before the insurer.
    reviewers = [policy.behavioral_health_manager_id, policy.payer_id] if policy else []
    for payer_id in (r for r in reviewers if r is not None):
        by_payer = [
            r
            for r in rows
            if _names_payer(r, payer_id) and (not r.plan_types or policy.plan_type in r.plan_types)  # type: ignore[union-attr]
        ]
        pool = [r for r in by_payer if r.plan_types] or by_payer
        if pool:
            return _set_in_effect(pool, on), False
    if case.criteria_policy_key:
        chosen = [r for r in rows if r.policy_key == case.criteria_policy_key]
        return _set_in_effect(chosen, on), True
    return None, False


def criteria_check_for(
    case: CoverageCase, *, today: date, records: CaseRecords | None = None
) -> CriteriaCheck:
    """The readiness report of a case: a bounded number of queries whatever the record's size
    (the treatment request, diagnoses, trials, scores and requests, read once a page through
    `records`, and the sets), then the pure rules (claims.criteria.rules)."""
    records = records or CaseRecords(case)
    request = records.request_or_draft
    on = request.start_date or today
    policy = case.policy
    reviewers = [policy.behavioral_health_manager_id, policy.payer_id] if policy else []
    rows = _criteria_sets_naming(
        case.treatment, case.condition, [r for r in reviewers if r is not None]
    )
    chosen, by_patient = applicable_criteria_set(case, rows, on)
    choices = tuple(
        {r.policy_key: r for r in sorted(rows, key=lambda r: r.effective_from or date.min)}.values()
    )
    if chosen is None:
        return CriteriaCheck(on, None, None, False, choices)
    facts = _case_facts(case, request, on, records)
    report = criteria_rules.evaluate(criteria_set_spec(chosen), facts)
    return CriteriaCheck(on, chosen, report, by_patient, choices)


def _case_facts(
    case: CoverageCase, request: TreatmentRequest, on: date, records: CaseRecords
) -> criteria_rules.CaseFacts:
    patient = case.patient
    prescriber = request.prescriber
    approval = _newest_approval(records.pre_authorizations)
    coded = sorted(
        (d for d in records.diagnoses if d.icd10_code), key=lambda d: (-d.is_primary, d.pk)
    )
    return criteria_rules.CaseFacts(
        on=on,
        indication=case.condition,
        date_of_birth=patient.date_of_birth,
        diagnosis_codes=tuple(d.icd10_code for d in coded),
        trials=tuple(TrialFacts.from_trial(t) for t in records.trials),
        scores=tuple(
            criteria_rules.ScoreFact(s.instrument, s.total, s.taken_on) for s in records.scores
        ),
        prescriber_specialty=prescriber.specialty if prescriber else "",
        prescriber_label=(
            f"{prescriber.name} ({prescriber.get_specialty_display()})" if prescriber else ""
        ),
        rems_certified=request.site_rems_certified,
        pdmp_checked_on=request.pdmp_checked_on,
        oral_antidepressant_continues=request.oral_antidepressant_continues,
        oral_antidepressant=request.oral_antidepressant,
        substance_use_screen=request.substance_use_screen,
        approved_from=(approval.valid_from or approval.decided_on) if approval else None,
        episode_start=case.episode_since,
    )


def _newest_approval(
    requests: Iterable[PriorAuthorizationRequest],
) -> PriorAuthorizationRequest | None:
    """The approved (or partly approved) request decided last; one with no decision date comes
    after those with one (as ORDER BY decided_on DESC puts NULL in SQLite)."""
    Decision = PriorAuthorizationRequest.Decision
    approved = [
        r for r in requests if r.decision in (Decision.APPROVED, Decision.PARTIALLY_APPROVED)
    ]
    dated = [r for r in approved if r.decided_on is not None]
    if dated:
        return max(dated, key=lambda r: r.decided_on or date.min)
    return approved[0] if approved else None


# --- the session log and the superbill (issue 16) ------------------------------------------------


def sessions_of(case: CoverageCase) -> QuerySet[TreatmentSession]:
    """The case's sessions, oldest first, with their billing lines."""
    return case.treatment_sessions.prefetch_related("lines")


@dataclass(frozen=True)
class SessionTotals:
    count: int
    charged: Decimal
    paid: Decimal

    @property
    def unpaid(self) -> Decimal:
        return max(self.charged - self.paid, Decimal(0))


def session_totals(sessions: Iterable[TreatmentSession]) -> SessionTotals:
    rows = list(sessions)
    return SessionTotals(
        count=len(rows),
        charged=sum((s.charge for s in rows), Decimal(0)),
        paid=sum((s.amount_paid for s in rows), Decimal(0)),
    )


# A superbill line points at up to four diagnoses, by letter, as box 24E of the CMS-1500 claim
# form does; the superbill lists the patient's coded diagnoses, the main one first, as A to D.
SUPERBILL_DIAGNOSIS_LETTERS = "ABCD"


def superbill_session_queryset(case: CoverageCase, *, today: date) -> QuerySet[TreatmentSession]:
    """The sessions a superbill lists: received (on or before today: a session to come cannot be
    billed) and paid (amount_paid > 0), except those the insurer itself paid.

    Why paid ones: a superbill is what the patient sends an insurer to be paid back for care
    they paid for out of network (DOMAIN.md §6 [R65][R75]); a session not paid yet is the
    clinic's to bill, and one the insurer paid would be a duplicate claim."""
    return (
        case.treatment_sessions.filter(service_date__lte=today, amount_paid__gt=0)
        .exclude(paid_by=TreatmentSession.PaidBy.INSURANCE)
        .prefetch_related("lines")
    )


def superbill_sources(case: CoverageCase) -> PacketSources:
    """What a superbill is made from: the patient, the policy, the coded diagnoses, the request
    (prescriber and site) and the sessions; its fingerprint changes when any of them does."""
    patient = case.patient
    request = TreatmentRequest.objects.filter(case=case).select_related("prescriber").first()
    return PacketSources(
        policy=case.policy,
        diagnoses=superbill_diagnoses(case),
        trials=[],
        scores=[],
        letter=None,
        documents=[],  # a superbill is one table, with no enclosures
        referral=None,
        denial=None,
        treatment_request=request,
        patient_identity=tuple(str(getattr(patient, name)) for name in PACKET_PATIENT_FIELDS),
        sessions=tuple(superbill_session_queryset(case, today=timezone.localdate())),
    )


def superbill_diagnoses(case: CoverageCase) -> list[Diagnosis]:
    """The patient's coded diagnoses, main first, as many as a line can point at."""
    return list(_superbill_diagnosis_rows(case)[: len(SUPERBILL_DIAGNOSIS_LETTERS)])


def _superbill_diagnosis_rows(case: CoverageCase) -> QuerySet[Diagnosis]:
    coded = case.patient.diagnoses.exclude(icd10_code="")
    return coded.order_by("-is_primary", "diagnosed_on", "pk")


@dataclass(frozen=True)
class Superbill:
    """Every field of a superbill, DOMAIN.md §6 [R65]: the patient and their member ID; the
    provider (individual NPI, credentials), the practice (organization NPI, tax ID, address,
    phone); the lettered diagnoses; each date of service with its lines."""

    patient: Patient
    policy: InsurancePolicy | None
    request: TreatmentRequest
    prescriber: Provider | None
    practice_name: str
    address: str
    phone: str
    diagnoses: list[tuple[str, Diagnosis]]  # ("A", F33.2), ...
    sessions: list[TreatmentSession]

    @property
    def total_charged(self) -> Decimal:
        return sum(
            (line.charge or Decimal(0) for s in self.sessions for line in s.lines.all()),
            Decimal(0),
        )

    @property
    def total_paid(self) -> Decimal:
        return sum((s.amount_paid for s in self.sessions), Decimal(0))

    @property
    def balance(self) -> Decimal:
        return max(self.total_charged - self.total_paid, Decimal(0))


def superbill_for(case: CoverageCase, *, today: date) -> Superbill:
    """The superbill of a case as it stands (reads only). The provider and practice come from
    the treatment request (step 5), or from the clinic and referral when there is none yet."""
    request = treatment_request_for(case)
    prescriber = request.prescriber
    diagnoses = superbill_diagnoses(case)
    return Superbill(
        patient=case.patient,
        policy=case.policy,
        request=request,
        prescriber=prescriber,
        practice_name=request.site_name or (prescriber.practice_name if prescriber else ""),
        address=request.site_address or (prescriber.address if prescriber else ""),
        phone=request.site_phone or (prescriber.phone if prescriber else ""),
        diagnoses=list(zip(SUPERBILL_DIAGNOSIS_LETTERS, diagnoses, strict=False)),
        sessions=list(superbill_session_queryset(case, today=today)),
    )


def superbill_missing_fields(case: CoverageCase, *, today: date | None = None) -> list[str]:
    """What the superbill lacks, in plain words, in the order it prints them: a superbill is
    never made with a blank field (an insurer returns it unpaid; DOMAIN.md §6 [R65])."""
    bill = superbill_for(case, today=today or timezone.localdate())
    patient, policy, prescriber = bill.patient, bill.policy, bill.prescriber
    checks: list[tuple[bool, StrOrPromise]] = [
        (bool(patient.legal_first_name and patient.legal_last_name), _("your legal name")),
        (patient.date_of_birth is not None, _("your date of birth")),
        (bool(policy and policy.member_id), _("your member ID")),
        (prescriber is not None, _("the prescriber (step 5)")),
    ]
    if prescriber is not None:
        checks += [
            (bool(prescriber.npi), _("the prescriber's NPI")),
            (bool(prescriber.credentials), _("the prescriber's credentials (MD, DO, NP…)")),
        ]
    checks += [
        (bool(bill.practice_name), _("the clinic's name")),
        (bool(bill.address.strip()), _("the clinic's address")),
        (bool(bill.phone), _("the clinic's phone number")),
        (bool(bill.request.site_npi), _("the clinic's organization NPI")),
        (bool(bill.request.site_tax_id), _("the clinic's tax ID (EIN)")),
        (bool(bill.diagnoses), _("a diagnosis code (ICD-10-CM)")),
        (bool(bill.sessions), _("a session you have paid for")),
    ]
    missing = [str(label) for ok, label in checks if not ok]
    letters = SUPERBILL_DIAGNOSIS_LETTERS[: len(bill.diagnoses)]
    for session in bill.sessions:
        day = session.service_date.isoformat()
        lines = list(session.lines.all())
        if not lines:
            missing.append(str(_("the billing codes of the session on %(day)s") % {"day": day}))
        for line in lines:
            where = {"code": line.code, "day": day}
            if line.code == "J3490" and not session.ndc:
                # DOMAIN.md §2.1: most payers want the NDC with J3490 [U, general practice].
                missing.append(str(_("the NDC for J3490 on %(day)s") % where))
            if line.charge is None:
                missing.append(str(_("a charge for %(code)s on %(day)s") % where))
            unknown = [p for p in line.diagnosis_pointer if p not in letters]
            if unknown or not line.diagnosis_pointer:
                missing.append(
                    str(_("a diagnosis for %(code)s on %(day)s (its pointer is %(pointer)s)"))
                    % {**where, "pointer": line.diagnosis_pointer or "—"}
                )
        charged = sum((line.charge or Decimal(0) for line in lines), Decimal(0))
        if lines and all(line.charge is not None for line in lines) and charged != session.charge:
            missing.append(
                str(
                    _(
                        "line charges that add up to the charge of the session on %(day)s "
                        "($%(session)s; the lines add up to $%(lines)s)"
                    )
                    % {"day": day, "session": session.charge, "lines": charged}
                )
            )
    return missing


# --- out-of-network claims and the network-gap request (issue 16) -------------------------------


def network_checks_digest(checks: Iterable[NetworkProviderCheck]) -> str:
    """A fingerprint of the providers listed (which ones, and each one's last change): the
    network-gap letter keeps the one it was drafted from, so adding, changing or removing a
    provider shows the page's "draft it again" warning."""
    rows = sorted((c.pk, c.updated_at.isoformat()) for c in checks)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


@dataclass(frozen=True)
class ClaimRow:
    """A claim as the claims page lists it, with whether it is time to ask about it."""

    claim: OutOfNetworkClaim
    follow_up_on: date | None  # 30 days after it was sent (claims/deadlines.py claim_follow_up)
    ask_now: bool  # no answer yet, and that day has come


@dataclass(frozen=True)
class ClaimTotals:
    claimed: Decimal
    reimbursed: Decimal
    denied: Decimal
    waiting: int  # claims with no answer yet


def oon_claims_of(case: CoverageCase, *, today: date) -> tuple[list[ClaimRow], ClaimTotals]:
    """The case's out-of-network claims, newest first, with their totals (two queries and the
    sessions' prefetch)."""
    claims = list(
        case.oon_claims.select_related("eob", "pa_request__denial").prefetch_related("sessions")
    )
    rows = []
    for claim in claims:
        follow_up = (
            deadlines.claim_follow_up(submitted_on=claim.submitted_on).due
            if claim.submitted_on
            else None
        )
        waiting = claim.status == OutOfNetworkClaim.Status.SUBMITTED
        due = waiting and follow_up is not None and follow_up <= today
        rows.append(ClaimRow(claim=claim, follow_up_on=follow_up, ask_now=due))
    totals = ClaimTotals(
        claimed=sum((c.amount_claimed or Decimal(0) for c in claims), Decimal(0)),
        reimbursed=sum((c.reimbursed or Decimal(0) for c in claims), Decimal(0)),
        denied=sum((c.denied_amount or Decimal(0) for c in claims), Decimal(0)),
        waiting=sum(1 for c in claims if c.status == OutOfNetworkClaim.Status.SUBMITTED),
    )
    return rows, totals
