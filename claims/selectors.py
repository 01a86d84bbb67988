"""Reads. Every look-up of a case goes through get_case_for_user: the one access choke point."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from patients.models import (
    Diagnosis,
    InsurancePolicy,
    Patient,
    SymptomScore,
    TreatmentTrial,
    User,
)
from patients.selectors import clinic_staff_case_q

from .models import (
    CoverageCase,
    Deadline,
    Denial,
    Letter,
    Packet,
    Referral,
    ReviewEvent,
    SupportingDocument,
    TreatmentRequest,
)


def cases_visible_to(user: User) -> QuerySet[CoverageCase]:
    """The owning patient's cases, or the cases shared with a staff member's clinics."""
    if not user.is_authenticated or not user.is_active:
        return CoverageCase.objects.none()
    if user.is_patient:
        return CoverageCase.objects.filter(patient__user=user)
    if user.is_superuser:
        return CoverageCase.objects.all()
    return CoverageCase.objects.filter(clinic_staff_case_q(user))


def approval_was_withdrawn(case: CoverageCase) -> bool:
    """Whether the case, approved to send when it was loaded, is approved no longer (a save made
    the approval stale: claims.services.approvals)."""
    Review = CoverageCase.ReviewStatus
    if case.review_status != Review.APPROVED_TO_SEND:
        return False
    now = CoverageCase.objects.filter(pk=case.pk).values_list("review_status", flat=True).first()
    return now != Review.APPROVED_TO_SEND


def get_case_for_user(user: User, public_id: UUID | str) -> CoverageCase:
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


def latest_denial(case: CoverageCase) -> Denial | None:
    """The denial of the case's most recently decided request: the one step 6 answers."""
    return (
        Denial.objects.filter(pa_request__case=case)
        .order_by("-pa_request__decided_on", "-pa_request__created_at")
        .first()
    )


def treatment_request_for(case: CoverageCase) -> TreatmentRequest:
    """The case's treatment request, or a new one filled in from what the case already knows:
    the product for the treatment, the site from the clinic the case is shared with, the
    prescriber from the referral."""
    existing = TreatmentRequest.objects.filter(case=case).select_related("prescriber").first()
    if existing is not None:
        return existing
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


@dataclass(frozen=True)
class MissingFact:
    """A fact a payer expects that the case lacks: what it is, and the step that fills it in
    ("profile" for the patient's own page)."""

    label: str
    where: str


def packet_missing_facts(case: CoverageCase) -> list[MissingFact]:
    """What the packet would have to show as a bracketed placeholder, in the order a payer's
    form asks for it. The patient can fill these in or go on with the placeholders."""
    patient, policy = case.patient, case.policy
    request = TreatmentRequest.objects.filter(case=case).select_related("prescriber").first()
    checks: list[tuple[bool, StrOrPromise, str]] = [
        (bool(patient.legal_first_name and patient.legal_last_name), _("your legal name"),
         "profile"),
        (patient.date_of_birth is not None, _("your date of birth"), "profile"),
        (bool(policy and policy.member_id), _("your member ID"), "policy"),
        (patient.diagnoses.exclude(icd10_code="").exists(), _("a diagnosis code"), "history"),
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

    def digest(self) -> str:
        def plain(value: object) -> object:
            if isinstance(value, Model):
                return [value._meta.label, value.pk, str(getattr(value, "updated_at", ""))]
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return str(value)

        fields = ["policy", "diagnoses", "trials", "scores", "letter", "documents", "referral",
                  "denial", "treatment_request", "patient_identity"]  # fmt: skip
        payload = json.dumps({k: plain(getattr(self, k)) for k in fields}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def packet_sources(*, case: CoverageCase, kind: str, denial: Denial | None) -> PacketSources:
    """Read the records a packet of this kind shows (no codes, no drawings: only rows)."""
    patient = case.patient
    letter_kind = (
        Letter.Kind.APPEAL if kind == Packet.Kind.APPEAL else Letter.Kind.MEDICAL_NECESSITY
    )
    letter = case.letters.filter(kind=letter_kind, denial=denial).first()
    documents = list(case.documents.order_by("category", "created_at"))
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
    )


def packet_sources_of(packet: Packet) -> PacketSources:
    return packet_sources(case=packet.case, kind=packet.kind, denial=packet.denial)


def packet_is_out_of_date(packet: Packet) -> bool:
    """Whether the case changed since this packet was made."""
    return packet.source_digest != packet_sources_of(packet).digest()
