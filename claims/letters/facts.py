"""What a letter may say about a case: its records, read once through the ORM."""

from dataclasses import dataclass
from typing import Self

from django.utils import timezone
from django.utils.translation import gettext as _

from claims.codes import BillingCode, treatment_codes
from claims.models import CoverageCase
from patients.models import (
    Diagnosis,
    InsurancePolicy,
    Patient,
    Provider,
    SymptomScore,
    TreatmentTrial,
)

from .text import lower_first, or_placeholder

Response = TreatmentTrial.Response

# A trial that ended without remission: what criteria call a failed trial, including
# intolerance (DOMAIN.md §3, "Failure definitions" [R1][R3][R8][R9]).
FAILED_RESPONSES = {Response.NO_RESPONSE, Response.PARTIAL, Response.SIDE_EFFECTS}
# Classes that patients.drugs gives antidepressants (DOMAIN.md §3 table). Augmentation agents and
# NMDA antagonists are listed with the other treatments, never counted as antidepressant trials.
ANTIDEPRESSANT_CLASSES = {
    "SSRI",
    "SNRI",
    "NDRI",
    "NaSSA",
    "SARI",
    "serotonin modulator",
    "TCA",
    "MAOI",
}


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
    codes: list[BillingCode]

    @classmethod
    def of(cls, case: CoverageCase) -> Self:
        patient = case.patient
        policy = case.policy
        referral = case.referrals.filter(provider__isnull=False).select_related("provider").first()
        return cls(
            case=case,
            patient=patient,
            policy=policy,
            diagnoses=list(patient.diagnoses.all()),
            trials=list(patient.treatment_trials.all()),
            scores=list(patient.symptom_scores.all()),
            provider=referral.provider if referral else None,
            codes=treatment_codes(
                treatment=case.treatment,
                plan_type=policy.plan_type if policy else "",
                service_date=timezone.localdate(),
            ),
        )

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
            if t.kind == TreatmentTrial.Kind.MEDICATION
            and t.response in FAILED_RESPONSES
            and t.drug_class in ANTIDEPRESSANT_CLASSES
        ]
