"""Seed thousands of realistic, fake coverage cases fast, for benchmarks and admin load testing.

Rows go in with bulk_create in batches inside one transaction: no save() and no signals, so
django-simple-history writes no history rows for them (fine for fake data). Deadlines are the
exception: they come from the real service (claims.services.deadlines_refresh), so their dates,
rules and keys are exactly what the app would compute.

Every account is fake: emails end in @example.invalid and passwords are unusable. The same
--seed on the same day gives the same people, histories and cases (dates count back from today;
public ids stay random). Running it again adds another set beside the first.
"""

import datetime as dt
import random
import time
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from faker import Faker

from claims.models import (
    Appeal,
    CoverageCase,
    Deadline,
    Denial,
    InsurerCall,
    PriorAuthorizationRequest,
    Referral,
    ReviewEvent,
    appeal_levels_for,
)
from claims.services import deadlines_refresh, reviewer_group_ensure
from patients.drugs import AUGMENT, DRUGS
from patients.models import (
    Clinic,
    Diagnosis,
    InsurancePolicy,
    Patient,
    Payer,
    Provider,
    SymptomScore,
    TreatmentTrial,
    User,
)
from patients.validators import npi_check_digit_ok

BATCH = 1000
STAFF_PER_CLINIC = 3
PlanType = InsurancePolicy.PlanType
Treatment = CoverageCase.Treatment
Condition = CoverageCase.Condition
Review = CoverageCase.ReviewStatus
Decision = PriorAuthorizationRequest.Decision
Outcome = Appeal.Outcome

# (plan type, weight, payer names from the seeded Payer table, plan names)
PLANS = [
    (PlanType.EMPLOYER_SELF_FUNDED, 24,
     ["Aetna", "Cigna Healthcare", "UnitedHealthcare", "Anthem / Elevance Health",
      "Blue Cross Blue Shield (your state's plan)"],
     ["Open Access Plus", "Choice POS II", "Choice Plus", "Blue Advantage PPO"]),
    (PlanType.EMPLOYER_FULLY_INSURED, 20,
     ["Aetna", "Cigna Healthcare", "UnitedHealthcare", "Kaiser Permanente", "Medical Mutual",
      "Blue Cross Blue Shield (your state's plan)"],
     ["HMO Select", "PPO 1500", "SuperMed Plus", "Signature HMO"]),
    (PlanType.EMPLOYER_UNKNOWN, 5, ["Aetna", "UnitedHealthcare", "Cigna Healthcare"], ["PPO"]),
    (PlanType.MARKETPLACE, 12,
     ["Ambetter (Centene)", "Oscar Health", "Blue Cross Blue Shield (your state's plan)"],
     ["Silver 70 HMO", "Bronze Saver", "Gold PPO"]),
    (PlanType.MEDICARE_ADVANTAGE, 13, ["Humana", "UnitedHealthcare", "Aetna"],
     ["Gold Plus HMO", "AARP Medicare Advantage Choice PPO", "Medicare Eagle"]),
    (PlanType.MEDICARE, 4, ["Medicare (Original Medicare)"], ["Part B"]),
    (PlanType.MEDICAID, 15,
     ["Medicaid (state program)", "Molina Healthcare", "Ambetter (Centene)"],
     ["Medicaid Managed Care", "HealthChoice", "Community Plan"]),
    (PlanType.TRICARE, 3, ["TRICARE"], ["TRICARE Select", "TRICARE Prime"]),
    (PlanType.FEHB, 3, ["Blue Cross Blue Shield (your state's plan)"], ["FEP Blue Standard"]),
    (PlanType.OTHER, 1, [], ["Student health plan"]),
]  # fmt: skip
BEHAVIORAL_MANAGERS = [
    "Evicore", "Carelon Behavioral Health", "Optum Behavioral Health", "Magellan Healthcare",
]  # fmt: skip
EMPLOYER = {
    PlanType.EMPLOYER_SELF_FUNDED,
    PlanType.EMPLOYER_FULLY_INSURED,
    PlanType.EMPLOYER_UNKNOWN,
}

# Condition -> (weight for esketamine, weight for IV ketamine, billable ICD-10-CM codes).
CONDITIONS = {
    Condition.TRD: (70, 35, ["F33.2", "F33.1", "F32.2"]),
    Condition.MDD_SI: (20, 10, ["F33.2", "R45.851"]),
    Condition.BIPOLAR_DEPRESSION: (3, 8, ["F31.4", "F31.81"]),
    Condition.PTSD: (4, 15, ["F43.10", "F43.12"]),
    Condition.ANXIETY: (2, 8, ["F41.1", "F41.0"]),
    Condition.OCD: (1, 4, ["F42.2"]),
    Condition.CHRONIC_PAIN: (0, 12, ["G89.4"]),
    Condition.CRPS: (0, 8, ["G90.50"]),
}
COMORBID = ["F41.1", "F43.10", "F41.0", "G89.4"]
# Billable codes and their descriptions as patients.icd10.lookup gives them (a test checks them):
# written out because loading the code set takes seconds.
ICD10_DESCRIPTIONS = {
    "F33.2": "Major depressive disorder, recurrent severe without psychotic features",
    "F33.1": "Major depressive disorder, recurrent, moderate",
    "F32.2": "Major depressive disorder, single episode, severe without psychotic features",
    "R45.851": "Suicidal ideations",
    "F31.4": "Bipolar disorder, current episode depressed, severe, without psychotic features",
    "F31.81": "Bipolar II disorder",
    "F43.10": "Post-traumatic stress disorder, unspecified",
    "F43.12": "Post-traumatic stress disorder, chronic",
    "F41.1": "Generalized anxiety disorder",
    "F41.0": "Panic disorder [episodic paroxysmal anxiety]",
    "F42.2": "Mixed obsessional thoughts and acts",
    "G89.4": "Chronic pain syndrome",
    "G90.50": "Complex regional pain syndrome I, unspecified",
}

ANTIDEPRESSANTS = [d for d in DRUGS if d.atrq_min_mg_per_day and d.drug_class != AUGMENT]
AUGMENTERS = [d for d in DRUGS if d.drug_class == AUGMENT]
# Usual daily doses of the augmenting drugs (DOMAIN.md gives no ATRQ minimum for them).
AUGMENT_DOSES = {
    "aripiprazole": ["2", "5", "10"],
    "brexpiprazole": ["1", "2"],
    "cariprazine": ["1.5", "3"],
    "quetiapine": ["150", "300"],
    "olanzapine/fluoxetine": ["6", "12"],
    "lithium": ["600", "900"],
    "liothyronine (T3)": ["25", "50"],
    "buspirone": ["30", "45"],
}

SCORES = [  # instrument, weight, usual range of the total at referral
    (SymptomScore.Instrument.PHQ9, 60, (14, 27)),
    (SymptomScore.Instrument.GAD7, 15, (8, 21)),
    (SymptomScore.Instrument.MADRS, 10, (25, 50)),
    (SymptomScore.Instrument.QIDS_SR16, 10, (14, 25)),
    (SymptomScore.Instrument.PCL5, 5, (35, 70)),
]

DENIAL_REASONS = [
    (Denial.Reason.CRITERIA_NOT_MET, 30,
     "The member has not tried two antidepressants of adequate dose and duration."),
    (Denial.Reason.NOT_MEDICALLY_NECESSARY, 22,
     "The requested service is not medically necessary based on the records provided."),
    (Denial.Reason.MISSING_INFORMATION, 18,
     "We did not receive the member's recent visit notes and PHQ-9 score."),
    (Denial.Reason.EXPERIMENTAL, 8, "Ketamine is considered investigational for this diagnosis."),
    (Denial.Reason.OUT_OF_NETWORK, 8, "The treating clinic is not in the member's network."),
    (Denial.Reason.NOT_COVERED, 5, "This treatment is not a covered benefit under the plan."),
    (Denial.Reason.QUANTITY_LIMIT, 4, "The number of sessions requested exceeds the plan limit."),
    (Denial.Reason.CODING, 3, "The request was submitted with a code that does not match."),
    (Denial.Reason.OTHER, 2, ""),
]  # fmt: skip
# The review steps behind each status (claims.services' transitions), and who takes them.
REVIEW_PATHS = {
    Review.SUBMITTED: [(Review.NOT_SHARED, Review.SUBMITTED)],
    Review.IN_REVIEW: [(Review.NOT_SHARED, Review.SUBMITTED), (Review.SUBMITTED, Review.IN_REVIEW)],
    Review.CHANGES_REQUESTED: [
        (Review.NOT_SHARED, Review.SUBMITTED),
        (Review.SUBMITTED, Review.IN_REVIEW),
        (Review.IN_REVIEW, Review.CHANGES_REQUESTED),
    ],
    Review.APPROVED_TO_SEND: [
        (Review.NOT_SHARED, Review.SUBMITTED),
        (Review.SUBMITTED, Review.IN_REVIEW),
        (Review.IN_REVIEW, Review.APPROVED_TO_SEND),
    ],
    Review.SENT: [
        (Review.NOT_SHARED, Review.SUBMITTED),
        (Review.SUBMITTED, Review.IN_REVIEW),
        (Review.IN_REVIEW, Review.APPROVED_TO_SEND),
        (Review.APPROVED_TO_SEND, Review.SENT),
    ],
}
CHANGE_NOTES = [
    "Please upload your most recent visit notes.",
    "Add the dose and dates of your sertraline trial.",
    "We need a PHQ-9 score from the last 30 days.",
    "The member ID on the policy does not match your card.",
]
CALL_SCRIPT = [
    ("Is this treatment covered under my medical or my pharmacy benefit?",
     ["Medical benefit.", "Pharmacy benefit, through the PBM.", "Medical; reviewed by Evicore."]),
    ("Is pre-authorization required?", ["Yes, the prescriber submits.", "Yes.", "No."]),
    ("Is the clinic in network?", ["Yes.", "No, out of network.", "They could not tell."]),
]  # fmt: skip


def valid_npi(base9: int) -> str:
    """A 10-digit NPI from a 9-digit base, with the check digit that makes it valid."""
    base = f"{base9:09d}"
    return next(base + d for d in "0123456789" if npi_check_digit_ok(base + d))


class Seeder:
    """Builds the rows in memory, step by step, and bulk-inserts each model once."""

    def __init__(self, *, seed: int, today: dt.date):
        self.rng = random.Random(seed)  # noqa: S311 - fake data, not security
        # Clinic NPIs are unique: drawn apart, so a retry on a taken one leaves the rest the same.
        self.npi_rng = random.Random(f"npi-{seed}")  # noqa: S311
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.now = timezone.now()
        self.today = today
        self.counts: Counter[str] = Counter()
        self.deadline_seconds = 0.0
        self.staff_by_clinic: dict[int, list[int]] = {}

    # --- helpers ---

    def pick(self, weighted):
        """One item of [(value, weight, ...)]; returns the whole tuple."""
        return self.rng.choices(weighted, weights=[w[1] for w in weighted])[0]

    def days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(low, high))

    def at(self, day: dt.date, hour: int = 10) -> dt.datetime:
        """A moment on that day, never in the future."""
        return min(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC), self.now)

    def phone(self) -> str:
        return self.fake.numerify("(###) 555-01##")

    def insert(self, model, rows: list) -> list:
        model.objects.bulk_create(rows, batch_size=BATCH)
        self.counts[model._meta.verbose_name_plural] += len(rows)
        return rows

    # --- steps ---

    def clinics(self, n: int) -> list[Clinic]:
        taken = set(Clinic.objects.values_list("npi", flat=True))
        kinds = ["Ketamine & Mood Clinic", "Interventional Psychiatry", "Psychiatry Associates",
                 "Behavioral Health Center", "Mood Disorders Program"]  # fmt: skip
        clinics = []
        while len(clinics) < n:
            npi = valid_npi(self.npi_rng.randint(100_000_000, 199_999_999))
            if npi in taken:
                continue
            taken.add(npi)
            clinics.append(
                Clinic(
                    name=f"{self.fake.last_name()} {self.rng.choice(kinds)}",
                    npi=npi,
                    tax_id=self.fake.numerify("##-#######"),
                    address_line1=self.fake.street_address(),
                    city=self.fake.city(),
                    state=self.fake.state_abbr(
                        include_territories=False, include_freely_associated_states=False
                    ),
                    postal_code=self.fake.postcode(),
                    phone=self.phone(),
                    fax=self.phone(),
                )
            )
        self.insert(Clinic, clinics)
        first = User.objects.filter(role=User.Role.STAFF, email__startswith="fake-staff-").count()
        staff = [
            User(
                email=f"fake-staff-{first + k}@example.invalid",
                full_name=self.fake.name(),
                role=User.Role.STAFF,
                is_staff=True,
                password=f"{UNUSABLE_PASSWORD_PREFIX}{self.rng.getrandbits(64):x}",
            )
            for k in range(n * STAFF_PER_CLINIC)
        ]
        self.insert(User, staff)
        Membership = Clinic.staff.through
        Membership.objects.bulk_create(
            Membership(clinic_id=clinics[k // STAFF_PER_CLINIC].pk, user_id=user.pk)
            for k, user in enumerate(staff)
        )
        reviewers = reviewer_group_ensure()  # the clinic reviewers' group, as migrations keep it
        reviewers.user_set.add(*staff)
        for k, user in enumerate(staff):
            self.staff_by_clinic.setdefault(clinics[k // STAFF_PER_CLINIC].pk, []).append(user.pk)
        return clinics

    def patients(self, n: int) -> list[Patient]:
        first = User.objects.filter(role=User.Role.PATIENT, email__startswith="fake-").count()
        users, patients = [], []
        for k in range(n):
            first_name, last_name = self.fake.first_name(), self.fake.last_name()
            plan = self.pick(PLANS)
            medicare = plan[0] in (PlanType.MEDICARE, PlanType.MEDICARE_ADVANTAGE)
            age = self.rng.randint(66, 82) if medicare else self.rng.randint(19, 64)
            users.append(
                User(
                    email=f"fake-{first + k}@example.invalid",
                    full_name=f"{first_name} {last_name}",
                    role=User.Role.PATIENT,
                    password=f"{UNUSABLE_PASSWORD_PREFIX}{self.rng.getrandbits(64):x}",
                )
            )
            patients.append(
                Patient(
                    legal_first_name=first_name,
                    legal_middle_name=self.fake.first_name() if self.rng.random() < 0.3 else "",
                    legal_last_name=last_name,
                    phone=self.phone(),
                    address_line1=self.fake.street_address(),
                    city=self.fake.city(),
                    state=self.fake.state_abbr(
                        include_territories=False, include_freely_associated_states=False
                    ),
                    postal_code=self.fake.postcode(),
                    date_of_birth=self.today
                    - dt.timedelta(days=age * 365 + self.rng.randint(0, 364)),
                    preferred_language="es" if self.rng.random() < 0.08 else "en",
                )
            )
            patients[-1].plan = plan  # not a field: the policy step uses it
        self.insert(User, users)
        for user, patient in zip(users, patients, strict=True):
            patient.user_id = user.pk
        return self.insert(Patient, patients)

    def policies(self, patients: list[Patient]) -> list[InsurancePolicy]:
        payers = {p.name: p for p in Payer.objects.all()}
        if not payers:
            raise CommandError("The Payer table is empty: run migrate first.")
        policies = []
        for patient in patients:
            plan_type, _, payer_names, plan_names = patient.plan
            names = [n for n in payer_names if n in payers]
            payer = payers[self.rng.choice(names)] if names else None
            employer = plan_type in EMPLOYER
            manager = None
            if employer and self.rng.random() < 0.4:
                manager = payers.get(self.rng.choice(BEHAVIORAL_MANAGERS))
            deductible = Decimal(self.rng.choice([0, 500, 1500, 3000, 6000])) if employer else None
            policies.append(
                InsurancePolicy(
                    patient_id=patient.pk,
                    payer=payer,
                    payer_other="" if payer else "University Student Health Plan",
                    plan_name=self.rng.choice(plan_names),
                    plan_type=plan_type,
                    grandfathered=self.rng.choice(["no", "no", "no", "unknown", "yes"]),
                    member_id=self.fake.bothify("?########").upper(),
                    group_number=self.fake.numerify("#######") if employer else "",
                    subscriber_name=patient.legal_name,
                    behavioral_health_manager=manager,
                    treatment_benefit=self.rng.choice(
                        ["medical", "medical", "pharmacy", "unknown"]
                    ),
                    member_services_phone=self.phone(),
                    prior_auth_phone=self.phone() if self.rng.random() < 0.5 else "",
                    prior_auth_fax=self.phone() if self.rng.random() < 0.5 else "",
                    effective_date=dt.date(self.today.year - 1, 1, 1),
                    in_network_deductible=deductible,
                    in_network_deductible_met=(
                        (deductible * Decimal(self.rng.randint(0, 100)) / 100).quantize(
                            Decimal("0.01")
                        )
                        if deductible is not None
                        else None
                    ),
                    in_network_coinsurance_percent=(
                        Decimal(self.rng.choice([0, 10, 20, 30])) if employer else None
                    ),
                    in_network_copay=Decimal(self.rng.choice([0, 25, 40, 60])),
                    prior_auth_required=self.rng.choice(["yes", "yes", "yes", "unknown"]),
                    out_of_network_covered=self.rng.choice(["yes", "no", "unknown"]),
                )
            )
        return self.insert(InsurancePolicy, policies)

    def history(self, patients: list[Patient], treatments: list[str]) -> list[str]:
        """Diagnoses, treatment trials and scores for each patient; returns their conditions."""
        conditions, diagnoses, trials, scores = [], [], [], []
        column = {Treatment.ESKETAMINE: 0, Treatment.IV_KETAMINE: 1}
        for patient, treatment in zip(patients, treatments, strict=True):
            col = column.get(treatment, 1)
            condition = self.rng.choices(
                list(CONDITIONS), weights=[w[col] for w in CONDITIONS.values()]
            )[0]
            conditions.append(condition)
            codes = CONDITIONS[condition][2]
            chosen = [self.rng.choice(codes)]
            for _ in range(self.rng.choice([0, 0, 1, 2])):
                extra = self.rng.choice(COMORBID)
                if extra not in chosen:
                    chosen.append(extra)
            for n, code in enumerate(chosen):
                diagnoses.append(
                    Diagnosis(
                        patient_id=patient.pk,
                        icd10_code=code,
                        description=ICD10_DESCRIPTIONS[code],
                        is_primary=n == 0,
                        diagnosed_on=self.today - self.days(400, 4000),
                    )
                )
            trials.extend(self.trials(patient))
            for _ in range(self.rng.choice([0, 1, 1, 2, 3])):
                instrument, _, (low, high) = self.pick(SCORES)
                scores.append(
                    SymptomScore(
                        patient_id=patient.pk,
                        instrument=instrument,
                        taken_on=self.today - self.days(5, 400),
                        total=self.rng.randint(low, high),
                        administered_by_clinician=self.rng.random() < 0.4,
                    )
                )
        self.insert(Diagnosis, diagnoses)
        self.insert(TreatmentTrial, trials)
        self.insert(SymptomScore, scores)
        return conditions

    def trials(self, patient: Patient) -> list[TreatmentTrial]:
        count = self.rng.randint(2, 8)
        drugs = self.rng.sample(ANTIDEPRESSANTS, k=min(count, 6))
        drugs += self.rng.sample(AUGMENTERS, k=count - len(drugs))
        start = self.today - self.days(300 + 120 * count, 600 + 150 * count)
        trials = []
        for n, drug in enumerate(drugs):
            weeks = self.rng.choice([4, 6, 8, 8, 10, 12, 16])
            end = start + dt.timedelta(weeks=weeks + self.rng.randint(0, 4))
            if drug.atrq_min_mg_per_day:
                dose = drug.atrq_min_mg_per_day * Decimal(self.rng.choice(["1", "1", "1.5", "2"]))
            else:
                dose = Decimal(self.rng.choice(AUGMENT_DOSES[drug.generic]))
            unit = TreatmentTrial.DoseUnit.MG_PER_DAY
            if drug.generic == "liothyronine (T3)":
                unit = TreatmentTrial.DoseUnit.MCG_PER_DAY
            elif drug.generic == "selegiline transdermal":
                unit = TreatmentTrial.DoseUnit.MG_PER_24H_PATCH
            last = n == len(drugs) - 1
            response = (
                TreatmentTrial.Response.ONGOING
                if last and self.rng.random() < 0.3
                else self.rng.choice(["no_response", "no_response", "partial", "side_effects"])
            )
            name = (
                self.rng.choice(drug.brands)
                if drug.brands and self.rng.random() < 0.6
                else drug.generic
            )
            trials.append(
                TreatmentTrial(
                    patient_id=patient.pk,
                    kind=TreatmentTrial.Kind.MEDICATION,
                    name_as_entered=name,
                    drug_generic=drug.generic,
                    drug_class=drug.drug_class,
                    daily_dose=dose,
                    dose_unit=unit,
                    weeks_at_dose=weeks,
                    start_date=start,
                    start_precision=self.rng.choice(["day", "month", "month"]),
                    end_date=None if response == "ongoing" else end,
                    adherence=self.rng.choice(["as_prescribed", "as_prescribed", "mostly"]),
                    response=response,
                    percent_improvement=(
                        self.rng.randint(5, 40) if response == "partial" else None
                    ),
                    side_effects=(
                        self.rng.choice(["Nausea.", "Insomnia.", "Weight gain.", "Akathisia."])
                        if response == "side_effects"
                        else ""
                    ),
                )
            )
            start = end + self.days(7, 90)
        return trials

    def cases(
        self,
        patients: list[Patient],
        policies: list[InsurancePolicy],
        treatments: list[str],
        conditions: list[str],
        clinics: list[Clinic],
        count: int,
    ) -> list[CoverageCase]:
        clinic_weights = [1 / (k + 1) for k in range(len(clinics))]  # a few big clinics
        cases = []
        for k in range(count):
            n = k % len(patients)  # the first patients get a second case
            treatment = treatments[n]
            if k >= len(patients):
                treatment = (
                    Treatment.IV_KETAMINE
                    if treatment == Treatment.ESKETAMINE
                    else Treatment.ESKETAMINE
                )
            started = self.today - self.days(3, 540)
            shared = bool(clinics) and self.rng.random() < 0.7
            clinic = self.rng.choices(clinics, weights=clinic_weights)[0] if shared else None
            case = CoverageCase(
                patient=patients[n],
                policy_id=policies[n].pk,
                treatment=treatment,
                treatment_other=(
                    "Ketamine lozenges (compounded)" if treatment == Treatment.OTHER else ""
                ),
                condition=conditions[n],
                clinic=clinic,
                clinic_consent_at=self.at(started + self.days(0, 20), 15) if clinic else None,
            )
            case.started_on = case.last_on = started  # not fields: the steps below use them
            cases.append(case)
        return self.insert(CoverageCase, cases)

    def activity(
        self, cases: list[CoverageCase], policies: dict[int, InsurancePolicy]
    ) -> list[int]:
        """Calls, referrals, requests, denials and appeals, then each case's review status.
        Returns the ids of the cases with a pre-authorization request."""
        calls, providers, referrals, requests = [], [], [], []
        for case in cases:
            if self.rng.random() < 0.55:
                for _ in range(self.rng.choice([1, 1, 2])):
                    day = min(case.started_on + self.days(0, 30), self.today)
                    case.last_on = max(case.last_on, day)
                    calls.append(
                        InsurerCall(
                            case_id=case.pk,
                            called_at=self.at(day, self.rng.randint(9, 16)),
                            phone_number=self.phone(),
                            representative=self.fake.first_name(),
                            reference_number=self.fake.bothify("CALL-########"),
                            questions_and_answers=[
                                {"question": q, "answer": self.rng.choice(answers)}
                                for q, answers in CALL_SCRIPT[: self.rng.randint(1, 3)]
                            ],
                        )
                    )
            if self.rng.random() < 0.45:
                provider = Provider(
                    patient_id=case.patient_id,
                    name=f"Dr. {self.fake.first_name()} {self.fake.last_name()}",
                    credentials=self.rng.choice(["MD", "MD", "DO", "PMHNP-BC"]),
                    npi=valid_npi(self.rng.randint(100_000_000, 199_999_999)),
                    specialty=self.rng.choice(["psychiatrist", "pcp", "psychiatric_np"]),
                    phone=self.phone(),
                    fax=self.phone(),
                )
                providers.append(provider)
                status = self.rng.choice(["requested", "received", "received", "declined"])
                requested = min(case.started_on + self.days(1, 20), self.today)
                received = min(requested + self.days(2, 21), self.today)
                case.last_on = max(case.last_on, received if status == "received" else requested)
                referrals.append(
                    Referral(
                        case_id=case.pk,
                        provider=provider,
                        status=status,
                        requested_on=requested,
                        received_on=received if status == "received" else None,
                    )
                )
            requests.extend(self.requests(case, policies[case.policy_id]))
        self.insert(InsurerCall, calls)
        self.insert(Provider, providers)
        for referral in referrals:
            referral.provider_id = referral.provider.pk
        self.insert(Referral, referrals)
        self.insert(PriorAuthorizationRequest, requests)
        self.denials_and_appeals(requests, policies)

        # Review status: sent when the clinic sent a request; otherwise somewhere in the review.
        with_request = {r.case_id for r in requests if r.submitted_by == "clinic"}
        closed = {
            r.case_id
            for r in requests
            if r.decision == Decision.APPROVED and r.decided_on < self.today - dt.timedelta(60)
        }
        for case in cases:
            if case.clinic_id is None:
                case.review_status = Review.NOT_SHARED
            elif case.pk in with_request:
                case.review_status = Review.SENT
            else:
                case.review_status = self.rng.choices(
                    [Review.SUBMITTED, Review.IN_REVIEW, Review.CHANGES_REQUESTED,
                     Review.APPROVED_TO_SEND],
                    weights=[30, 30, 20, 20],
                )[0]  # fmt: skip
            if case.pk in closed and self.rng.random() < 0.6:
                case.status = CoverageCase.Status.CLOSED
            case.created_at = self.at(case.started_on, self.rng.randint(8, 20))
            case.updated_at = max(case.created_at, self.at(case.last_on, self.rng.randint(8, 20)))
        CoverageCase.objects.bulk_update(
            cases, ["review_status", "status", "created_at", "updated_at"], batch_size=500
        )
        self.review_events(cases)
        return sorted({r.case_id for r in requests})

    def review_events(self, cases: list[CoverageCase]) -> None:
        """The review steps that led to each shared case's status. Their `at` is the seeding
        time: it is auto_now_add, and append-only rows cannot be updated afterwards."""
        events = []
        for case in cases:
            for from_status, to_status in REVIEW_PATHS.get(case.review_status, []):
                by_patient = to_status == Review.SUBMITTED
                events.append(
                    ReviewEvent(
                        case_id=case.pk,
                        clinic_id=case.clinic_id,
                        from_status=from_status,
                        to_status=to_status,
                        note=(
                            self.rng.choice(CHANGE_NOTES)
                            if to_status == Review.CHANGES_REQUESTED
                            else ""
                        ),
                        by_id=(
                            case.patient.user_id
                            if by_patient
                            else self.rng.choice(self.staff_by_clinic[case.clinic_id])
                        ),
                    )
                )
        self.insert(ReviewEvent, events)

    def requests(self, case: CoverageCase, policy: InsurancePolicy) -> list:
        """0-2 pre-authorization requests for a case; remembers the case's last activity."""
        by_clinic = case.clinic_id is not None and self.rng.random() < 0.5
        by_patient = case.clinic_id is None and self.rng.random() < 0.2
        submitted = case.started_on + self.days(10, 60)
        if not (by_clinic or by_patient) or submitted > self.today:
            return []
        requests = []
        kind = PriorAuthorizationRequest.Kind.INITIAL
        for _ in range(2):
            request = PriorAuthorizationRequest(
                case_id=case.pk,
                kind=kind,
                submitted_by="clinic" if by_clinic else "patient",
                method=self.rng.choice(["fax", "fax", "portal", "electronic", "phone"]),
                submitted_on=submitted,
                reference_number=self.fake.bothify("PA-??-#######").upper(),
                urgency="expedited" if case.condition == Condition.MDD_SI else "standard",
            )
            request.plan_type = policy.plan_type
            decided = submitted + self.days(2, 21)
            request.decision = (
                Decision.PENDING
                if decided > self.today or self.rng.random() < 0.08  # some insurers are late
                else self.rng.choices(
                    [Decision.APPROVED, Decision.PARTIALLY_APPROVED, Decision.DENIED],
                    weights=[50, 12, 38],
                )[0]
            )
            case.last_on = max(case.last_on, submitted)
            if request.decision != Decision.PENDING:
                request.decided_on = decided
                request.decision_received_on = min(decided + self.days(0, 7), self.today)
                case.last_on = max(case.last_on, request.decision_received_on)
            if request.decision in (Decision.APPROVED, Decision.PARTIALLY_APPROVED):
                request.approved_sessions = (
                    self.rng.choice([8, 16, 24]) if case.treatment == "esketamine" else 6
                )
                request.valid_from = decided
                request.valid_until = decided + dt.timedelta(days=self.rng.choice([90, 180]))
            requests.append(request)
            # A denial is sometimes answered by a corrected resubmission rather than an appeal.
            submitted = decided + self.days(10, 40)
            if (
                request.decision != Decision.DENIED
                or submitted > self.today
                or self.rng.random() > 0.2
            ):
                break
            kind = PriorAuthorizationRequest.Kind.RESUBMISSION
        return requests

    def denials_and_appeals(self, requests: list, policies) -> None:
        denials, appeals = [], []
        for request in requests:
            if request.decision != Decision.DENIED:
                continue
            reason, _, text = self.pick(DENIAL_REASONS)
            received = min(request.decided_on + self.days(2, 10), self.today)
            denial = Denial(
                pa_request_id=request.pk,
                notice_date=request.decided_on,
                received_on=received,
                reason=reason,
                reason_text=text,
                reference_number=self.fake.bothify("DN-#########"),
            )
            denials.append(denial)
            if self.rng.random() > 0.45:
                continue
            filed = received + self.days(5, 40)
            for level in appeal_levels_for(request.plan_type)[:2]:
                if filed > self.today or level == Appeal.Level.OTHER:
                    break
                decided = filed + self.days(10, 45)
                outcome = (
                    Outcome.PENDING
                    if decided > self.today
                    else self.rng.choices(
                        [Outcome.OVERTURNED, Outcome.PARTIALLY_OVERTURNED, Outcome.UPHELD,
                         Outcome.WITHDRAWN],
                        weights=[45, 10, 40, 5],
                    )[0]
                )  # fmt: skip
                appeals.append(
                    Appeal(
                        denial=denial,
                        level=level,
                        expedited=request.urgency == "expedited",
                        filed_on=filed,
                        reference_number=self.fake.bothify("AP-#########"),
                        outcome=outcome,
                        decided_on=None if outcome == Outcome.PENDING else decided,
                    )
                )
                if outcome != Outcome.UPHELD or self.rng.random() < 0.5:
                    break
                filed = decided + self.days(5, 30)
        self.insert(Denial, denials)
        for appeal in appeals:
            appeal.denial_id = appeal.denial.pk
        self.insert(Appeal, appeals)

    def deadlines(self, case_ids: list[int], limit: int | None) -> None:
        """The real service, for the cases that have a request (the others have no deadlines)."""
        if limit is not None:
            case_ids = case_ids[:limit]
        started = time.perf_counter()
        for pk in case_ids:
            rows = deadlines_refresh(case=CoverageCase(pk=pk))
            self.counts[Deadline._meta.verbose_name_plural] += len(rows)
        self.deadline_seconds = time.perf_counter() - started
        self.counts["cases with deadlines computed"] = len(case_ids)

    def run(self, *, count: int, clinics: int, deadline_limit: int | None) -> Counter:
        patient_count = max(1, count - count // 10)  # one patient in nine has two cases
        clinic_rows = self.clinics(clinics)
        patients = self.patients(patient_count)
        policies = self.policies(patients)
        first_treatments = self.rng.choices(
            [Treatment.ESKETAMINE, Treatment.IV_KETAMINE, Treatment.OTHER],
            weights=[82, 16, 2],
            k=patient_count,
        )
        conditions = self.history(patients, first_treatments)
        cases = self.cases(patients, policies, first_treatments, conditions, clinic_rows, count)
        with_requests = self.activity(cases, {p.pk: p for p in policies})
        self.deadlines(with_requests, deadline_limit)
        return self.counts


class Command(BaseCommand):
    help = (
        "Create COUNT fake coverage cases (with clinics, staff, patients, policies, histories, "
        "calls, referrals, requests, denials, appeals, review steps and deadlines) fast, with "
        "bulk_create. No save() signals run, so django-simple-history keeps no history rows for "
        "them (fine for fake data); deadlines come from the real service. Development and "
        "benchmarks only: refuses to run with DEBUG off unless --force. The same --seed gives "
        "the same data on the same day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000, help="cases (default 1000)")
        parser.add_argument("--clinics", type=int, default=5, help="clinics (default 5)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--deadline-cases",
            type=int,
            default=None,
            help="compute deadlines for at most this many cases (default: every case with a "
            "pre-authorization request)",
        )
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (it makes fake patients)"
        )

    def handle(self, *args, count, clinics, seed, deadline_cases, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_fake_cases makes thousands of fake patients: DEBUG only (or --force)."
            )
        if count < 1 or clinics < 0:
            raise CommandError("--count must be at least 1 and --clinics at least 0.")
        started = time.perf_counter()
        seeder = Seeder(seed=seed, today=timezone.localdate())
        with transaction.atomic():
            counts = seeder.run(count=count, clinics=clinics, deadline_limit=deadline_cases)
        elapsed = time.perf_counter() - started
        for name, n in counts.items():
            self.stdout.write(f"{n:>8}  {name}")
        self.stdout.write(
            f"Seeded {count} fake cases in {elapsed:.1f} s "
            f"({seeder.deadline_seconds:.1f} s of it computing deadlines)."
        )
