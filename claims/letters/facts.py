"""What a letter may say about a case: its records, read once through the ORM."""

from dataclasses import dataclass
from datetime import date
from typing import Self

from django.utils import timezone
from django.utils.translation import gettext as _

from claims.codes import BillingCode, CodeUnits, request_units, treatment_codes
from claims.models import CoverageCase, TreatmentRequest
from patients.drugs import ANTIDEPRESSANT_CLASSES
from patients.models import (
    Diagnosis,
    InsurancePolicy,
    Patient,
    Provider,
    SymptomScore,
    TreatmentTrial,
)

from .text import age_on, lower_first, or_placeholder

Response = TreatmentTrial.Response

# A trial that ended without remission: what criteria call a failed trial, including
# intolerance (DOMAIN.md §3, "Failure definitions" [R1][R3][R8][R9]).
FAILED_RESPONSES = {Response.NO_RESPONSE, Response.PARTIAL, Response.SIDE_EFFECTS}


@dataclass(frozen=True)
class CaseFacts:
    """Everything a letter says about the case; `CaseFacts.of(case)` reads it."""

    case: CoverageCase
    patient: Patient
    policy: InsurancePolicy | None
    diagnoses: list[Diagnosis]
    trials: list[TreatmentTrial]
    scores: list[SymptomScore]
    # From the newest referral that names a provider: the signature block under the letter.
    provider: Provider | None
    # What is asked for (step 5); None until the patient or clinic saves it.
    request: TreatmentRequest | None
    # The letter's date: the day it is drafted. Ages are stated as of this day.
    today: date
    # The codes for the first day of service asked for (or today), and their units when the
    # request gives sessions and a dose (claims.codes.request_units, as the packet cover).
    codes: list[BillingCode]
    request_lines: list[CodeUnits]

    @classmethod
    def of(cls, case: CoverageCase) -> Self:
        patient = case.patient
        policy = case.policy
        plan_type = policy.plan_type if policy else ""
        referral = case.referrals.filter(provider__isnull=False).select_related("provider").first()
        request = TreatmentRequest.objects.filter(case=case).select_related("prescriber").first()
        today = timezone.localdate()
        service_date = (request.start_date if request else None) or today
        lines: list[CodeUnits] = []
        if request is not None and request.sessions:
            lines = request_units(
                treatment=case.treatment,
                plan_type=plan_type,
                service_date=service_date,
                dose_mg=request.dose_or_default,
                sessions=request.sessions,
                infusion_minutes=request.infusion_minutes,
            )
        return cls(
            case=case,
            patient=patient,
            policy=policy,
            diagnoses=list(patient.diagnoses.all()),
            trials=list(patient.treatment_trials.all()),
            scores=list(patient.symptom_scores.all()),
            provider=referral.provider if referral else None,
            request=request,
            today=today,
            codes=treatment_codes(
                treatment=case.treatment, plan_type=plan_type, service_date=service_date
            ),
            request_lines=lines,
        )

    @property
    def is_esketamine(self) -> bool:
        return self.case.treatment == CoverageCase.Treatment.ESKETAMINE

    @property
    def service_date(self) -> date:
        """The first day of service asked for, else the letter's date: what codes go by."""
        return (self.request.start_date if self.request else None) or self.today

    @property
    def age(self) -> int | None:
        born = self.patient.date_of_birth
        return age_on(born, self.today) if born else None

    @property
    def plan_type(self) -> str:
        return self.policy.plan_type if self.policy else ""

    @property
    def payer_name(self) -> str:
        return or_placeholder(
            self.policy.payer_name if self.policy else "", _("[Insurance company]")
        )

    @property
    def patient_name(self) -> str:
        return or_placeholder(self.patient.legal_name, _("[Patient name]"))

    @property
    def treatment_name(self) -> str:
        if self.case.treatment == CoverageCase.Treatment.OTHER and self.case.treatment_other:
            return self.case.treatment_other.strip()
        return self.case.get_treatment_display()

    @property
    def condition_name(self) -> str:
        if self.case.condition == CoverageCase.Condition.OTHER and self.case.condition_other:
            return self.case.condition_other.strip()
        return lower_first(str(self.case.get_condition_display()))

    @property
    def failed_antidepressant_trials(self) -> list[TreatmentTrial]:
        return [
            t
            for t in self.trials
            if t.counts_as == TreatmentTrial.Role.ANTIDEPRESSANT
            and t.response in FAILED_RESPONSES
            and t.drug_class in ANTIDEPRESSANT_CLASSES
        ]

    @property
    def augmentation_trials(self) -> list[TreatmentTrial]:
        """Medicines added to an antidepressant (DOMAIN.md §3 "Augmentation"): those the
        patient marked so, and augmentation agents (patients.drugs: antipsychotics, lithium,
        thyroid hormone, buspirone) left on "not sure", whatever their outcome."""
        return [t for t in self.trials if t.counts_as == TreatmentTrial.Role.AUGMENTATION]

    @property
    def therapy_trials(self) -> list[TreatmentTrial]:
        return [t for t in self.trials if t.kind == TreatmentTrial.Kind.PSYCHOTHERAPY]

    @property
    def ongoing_antidepressants(self) -> list[TreatmentTrial]:
        """Antidepressants the records show as still taken: the oral antidepressant that would
        continue, when the request says one does without naming it."""
        return [
            t
            for t in self.trials
            if t.counts_as == TreatmentTrial.Role.ANTIDEPRESSANT
            and t.response == Response.ONGOING
            and t.end_date is None
            and t.drug_class in ANTIDEPRESSANT_CLASSES
        ]
