"""factory_boy factories for every model; tests build their data here."""

import datetime
import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory
from pypdf import PdfWriter

from claims.models import (
    Appeal,
    CostEstimate,
    CoverageCase,
    Denial,
    InsurerCall,
    NetworkProviderCheck,
    OutOfNetworkClaim,
    PriorAuthorizationRequest,
    Referral,
    SessionLine,
    TreatmentRequest,
    TreatmentSession,
)
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

PASSWORD = "correct horse battery staple"  # noqa: S105


def today() -> datetime.date:
    """Today under the clock the test runs under (time-machine moves it; see tests/conftest.py)."""
    return timezone.localdate()


def days_ago(days: int) -> datetime.date:
    """The date `days` before the test's today."""
    return today() - datetime.timedelta(days=days)


def _days_ago(days: int) -> factory.LazyFunction:
    """A factory default `days` before the test's today, never a fixed calendar date."""
    return factory.LazyFunction(lambda: days_ago(days))


def _valid_npi(n: int) -> str:
    """The n-th 9-digit base with the check digit that makes a valid NPI."""
    from patients.validators import npi_check_digit_ok

    base = f"{100000000 + n:09d}"
    return next(base + d for d in "0123456789" if npi_check_digit_ok(base + d))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    role = User.Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def _patient_profile(obj, create, extracted, **kwargs):
        # Every patient account has a Patient profile, as sign-up makes one.
        if create and extracted is not False and obj.role == User.Role.PATIENT:
            PatientFactory(user=obj)


class StaffFactory(UserFactory):
    role = User.Role.STAFF
    is_staff = True


class ClinicFactory(DjangoModelFactory):
    class Meta:
        model = Clinic
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Clinic {n}")
    npi = factory.Sequence(_valid_npi)
    tax_id = "12-3456789"
    city = "Springfield"
    state = "IL"
    phone = "(217) 555-0100"
    fax = "(217) 555-0101"

    @factory.post_generation
    def staff(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.staff.add(*extracted)


class PatientFactory(DjangoModelFactory):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory, _patient_profile=False)
    legal_first_name = factory.Faker("first_name")
    legal_last_name = factory.Faker("last_name")
    date_of_birth = datetime.date(1985, 4, 12)
    state = "IL"


class PolicyFactory(DjangoModelFactory):
    class Meta:
        model = InsurancePolicy

    patient = factory.SubFactory(PatientFactory)
    # get_or_create: a transactional test before this one may have flushed the seeded payers.
    payer = factory.LazyFunction(
        lambda: Payer.objects.get_or_create(name="Cigna Healthcare", defaults={"kind": "insurer"})[
            0
        ]
    )
    plan_name = "Open Access Plus"
    plan_type = InsurancePolicy.PlanType.EMPLOYER_SELF_FUNDED
    member_id = factory.Sequence(lambda n: f"U{n:08d}")
    group_number = "GRP-100"
    effective_date = _days_ago(365)
    in_network_deductible = Decimal("1500.00")
    in_network_coinsurance_percent = Decimal("20")


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    patient = factory.SubFactory(PatientFactory)
    name = factory.Faker("name")
    credentials = "MD"
    npi = factory.Sequence(lambda n: _valid_npi(5000 + n))
    specialty = Provider.Specialty.PSYCHIATRIST


class DiagnosisFactory(DjangoModelFactory):
    class Meta:
        model = Diagnosis

    patient = factory.SubFactory(PatientFactory)
    icd10_code = "F33.2"
    description = "Major depressive disorder, recurrent severe without psychotic features"


class TreatmentTrialFactory(DjangoModelFactory):
    class Meta:
        model = TreatmentTrial

    patient = factory.SubFactory(PatientFactory)
    name_as_entered = "Zoloft"
    drug_generic = "sertraline"
    drug_class = "SSRI"
    daily_dose = Decimal("150")
    weeks_at_dose = 8
    start_date = _days_ago(3 * 365)
    end_date = _days_ago(3 * 365 - 90)
    response = TreatmentTrial.Response.NO_RESPONSE


class SymptomScoreFactory(DjangoModelFactory):
    class Meta:
        model = SymptomScore

    patient = factory.SubFactory(PatientFactory)
    instrument = SymptomScore.Instrument.PHQ9
    taken_on = _days_ago(63)
    total = 21


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = CoverageCase

    patient = factory.SubFactory(PatientFactory)
    treatment = CoverageCase.Treatment.ESKETAMINE
    condition = CoverageCase.Condition.TRD
    policy = factory.LazyAttribute(lambda o: PolicyFactory(patient=o.patient))


class SharedCaseFactory(CaseFactory):
    clinic = factory.SubFactory(ClinicFactory)
    clinic_consent_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))
    review_status = CoverageCase.ReviewStatus.SUBMITTED


class InsurerCallFactory(DjangoModelFactory):
    class Meta:
        model = InsurerCall

    case = factory.SubFactory(CaseFactory)
    called_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=59))
    representative = "Dana"
    reference_number = factory.Sequence(lambda n: f"CALL-{n:05d}")


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory)
    provider = factory.LazyAttribute(lambda o: ProviderFactory(patient=o.case.patient))
    status = Referral.Status.REQUESTED
    requested_on = _days_ago(58)


class PARequestFactory(DjangoModelFactory):
    class Meta:
        model = PriorAuthorizationRequest

    case = factory.SubFactory(CaseFactory)
    submitted_on = _days_ago(44)
    method = PriorAuthorizationRequest.Method.FAX
    reference_number = factory.Sequence(lambda n: f"PA-{n:06d}")


class DenialFactory(DjangoModelFactory):
    class Meta:
        model = Denial

    pa_request = factory.SubFactory(
        PARequestFactory,
        decision=PriorAuthorizationRequest.Decision.DENIED,
        decided_on=_days_ago(37),
    )
    notice_date = _days_ago(37)
    received_on = _days_ago(33)
    reason = Denial.Reason.CRITERIA_NOT_MET


class AppealFactory(DjangoModelFactory):
    class Meta:
        model = Appeal

    denial = factory.SubFactory(DenialFactory)
    level = Appeal.Level.INTERNAL_FIRST
    filed_on = _days_ago(23)


class TreatmentRequestFactory(DjangoModelFactory):
    class Meta:
        model = TreatmentRequest

    case = factory.SubFactory(CaseFactory)
    product = TreatmentRequest.Product.SPRAVATO_84
    phase = TreatmentRequest.Phase.INDUCTION
    schedule = "Twice a week for weeks 1 to 4"
    sessions = 8
    start_date = factory.LazyFunction(lambda: days_ago(-7))
    end_date = factory.LazyFunction(lambda: days_ago(-7) + datetime.timedelta(days=27))
    site_name = "Northside Mood Clinic"
    site_npi = factory.Sequence(lambda n: _valid_npi(9000 + n))
    site_rems_certified = TreatmentRequest.Answer.YES


class TreatmentSessionFactory(DjangoModelFactory):
    """A session received and paid a week ago, with one line (J0013 x 84, esketamine 2026+)."""

    class Meta:
        model = TreatmentSession
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    service_date = _days_ago(7)
    treatment = CoverageCase.Treatment.ESKETAMINE
    dose_mg = 84
    ndc = "50458-028-03"
    charge = Decimal("900.00")
    amount_paid = Decimal("900.00")
    paid_by = TreatmentSession.PaidBy.PATIENT

    @factory.post_generation
    def lines(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            SessionLine.objects.create(
                session=obj, code="J0013", units=obj.dose_mg or 1, charge=obj.charge
            )


def build_patient_world(user: User) -> dict:
    """One of every record a patient can own, for tests that walk every URL.

    New models add their rows here; tests/coverage_guide/test_url_authorization.py picks them up
    by model.
    """
    patient = user.patient
    case = CaseFactory(patient=patient)
    pa_request = PARequestFactory(
        case=case,
        decision=PriorAuthorizationRequest.Decision.DENIED,
        decided_on=days_ago(37),
    )
    denial = DenialFactory(pa_request=pa_request)
    from django.core.files.base import ContentFile

    from claims.models import Packet
    from claims.services import deadlines_refresh, document_upload, letter_get_or_draft

    document = document_upload(case=case, category="medical_records", upload=pdf_upload(), by=user)
    deadline = deadlines_refresh(case=case)[0]
    letter = letter_get_or_draft(case=case, kind="medical_necessity")
    packet = Packet(case=case, kind="prior_authorization", version=1, status="ready", page_count=1)
    packet.file.save("packet.pdf", ContentFile(pdf_upload().read()), save=True)
    session = TreatmentSessionFactory(case=case)
    oon_claim = OutOfNetworkClaim.objects.create(
        case=case, submitted_on=days_ago(5), amount_claimed=Decimal(900)
    )
    oon_claim.sessions.add(session)
    records = [
        letter,
        packet,
        deadline,
        document,
        patient,
        case,
        case.policy,
        DiagnosisFactory(patient=patient),
        TreatmentTrialFactory(patient=patient),
        SymptomScoreFactory(patient=patient),
        ProviderFactory(patient=patient),
        InsurerCallFactory(case=case),
        ReferralFactory(case=case),
        pa_request,
        denial,
        AppealFactory(denial=denial),
        session,
        oon_claim,
        NetworkProviderCheck.objects.create(
            case=case,
            name="Lakeside Psychiatry",
            answer=NetworkProviderCheck.Answer.NOT_ACCEPTING,
            checked_on=days_ago(10),
        ),
        CostEstimate.objects.create(case=case, sessions=6, charge_per_session=Decimal(600)),
    ]
    return {User: user, **{type(r): r for r in records}}


def pdf_upload(name: str = "records.pdf", pages: int = 1) -> SimpleUploadedFile:
    """A small, valid PDF as a browser would upload it."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


_DRUGS = [
    "sertraline", "escitalopram", "fluoxetine", "paroxetine", "citalopram", "bupropion",
    "venlafaxine", "desvenlafaxine", "duloxetine", "mirtazapine", "vortioxetine", "vilazodone",
    "trazodone", "nortriptyline", "amitriptyline", "aripiprazole", "quetiapine", "lithium",
]  # fmt: skip
_CODES = ["F33.2", "F41.1", "F43.10", "F33.1", "F32.2", "F40.10", "F42.2", "F51.01"]


def build_filled_case(
    user: User,
    *,
    diagnoses: int = 1,
    trials: int = 2,
    scores: int = 1,
    documents: int = 1,
    denials: int = 1,
    packets: int = 2,
) -> dict:
    """A case of the patient's filled in through the six steps as the wizard fills them (the
    factories, then the services): a policy and calls, the history, a referral, uploaded
    documents, a treatment request, `denials` pre-authorizations denied and appealed, and
    `packets` versions made (the first half request packets, the rest appeal packets of the
    newest denial), marked ready. For tests and benches that compare a small case with a large
    one. In a test the packets' dispatch to the worker (on commit) never runs; a script outside
    a transaction patches claims.services.packets.packet_dispatch.

    Returns the case and the records the wizard's sub-pages open."""
    from claims.models import Packet
    from claims.services import appeal_file, document_upload, packet_request
    from claims.services import pa_request_record_decision as record_decision

    patient = user.patient
    case = CaseFactory(patient=patient, policy=PolicyFactory(patient=patient))
    for n in range(diagnoses):
        DiagnosisFactory(patient=patient, icd10_code=_CODES[n % len(_CODES)], is_primary=n == 0)
    for n in range(trials):
        start = days_ago(3650 - n * 110)
        TreatmentTrialFactory(
            patient=patient,
            name_as_entered=_DRUGS[n % len(_DRUGS)].title(),
            drug_generic=_DRUGS[n % len(_DRUGS)],
            start_date=start,
            end_date=start + datetime.timedelta(weeks=10),
        )
    for n in range(scores):
        SymptomScoreFactory(patient=patient, taken_on=days_ago(3600 - n * 85), total=12 + n % 15)
    calls = [InsurerCallFactory(case=case) for _ in range(2)]
    ReferralFactory(case=case)
    TreatmentRequestFactory(case=case)
    for n in range(documents):
        document_upload(
            case=case,
            category="medical_records" if n % 2 else "treatment_history",
            upload=pdf_upload(f"records-{n}.pdf", pages=2),
            by=user,
            title=f"Records {n}",
        )
    denied = []
    for n in range(denials):
        pa_request = PARequestFactory(case=case, submitted_on=days_ago(400 - n * 70))
        record_decision(
            pa_request=pa_request,
            decision=PriorAuthorizationRequest.Decision.DENIED,
            decided_on=days_ago(390 - n * 70),
            received_on=days_ago(386 - n * 70),
        )
        last = n == denials - 1
        denial = pa_request.denial
        appeal_file(
            denial=denial,
            level=Appeal.Level.INTERNAL_FIRST,
            filed_on=days_ago(380 - n * 70),
            outcome=Appeal.Outcome.PENDING if last else Appeal.Outcome.UPHELD,
            decided_on=None if last else days_ago(350 - n * 70),
        )
        if not last:
            appeal_file(
                denial=denial, level=Appeal.Level.INTERNAL_SECOND, filed_on=days_ago(345 - n * 70)
            )
        denied.append(denial)
    for n in range(packets):
        appeal = n >= packets // 2
        packet_request(
            case=case,
            kind="appeal" if appeal else "prior_authorization",
            by=user,
            denial=denied[-1] if appeal else None,
        )
    Packet.objects.filter(case=case).update(status=Packet.Status.READY, page_count=45)
    newest = case.packets.filter(is_newest=True).order_by("-kind").first()
    return {
        "case": case,
        "call": calls[0],
        "trial": patient.treatment_trials.first(),
        "score": patient.symptom_scores.first(),
        "pa_request": case.pa_requests.first(),
        "oldest_denial": denied[0] if denied else None,
        "medical_necessity": case.letters.filter(kind="medical_necessity").first(),
        "appeal_letter": case.letters.filter(kind="appeal").first(),
        "packet": newest,
    }
