"""Letters that argue from the case's own facts: the letter of medical necessity states each
thing a payer checks, and each appeal answers its denial's reason with the evidence that bears
on it. A fact the case lacks is a bracketed placeholder naming it, never a sentence saying it."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine

from claims.letters import draft_appeal_letter, draft_medical_necessity_letter
from claims.models import (
    CoverageCase,
    Denial,
    InsurerCall,
    PriorAuthorizationRequest,
    TreatmentRequest,
)
from patients.models import InsurancePolicy, Provider, TreatmentTrial
from tests.factories import (
    CaseFactory,
    DenialFactory,
    DiagnosisFactory,
    PARequestFactory,
    PolicyFactory,
    ProviderFactory,
    ReferralFactory,
    SymptomScoreFactory,
    TreatmentRequestFactory,
    TreatmentTrialFactory,
)

D = dt.date
Reason = Denial.Reason
Answer = TreatmentRequest.Answer
TODAY = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
POINT_BY_POINT = [Reason.NOT_MEDICALLY_NECESSARY, Reason.CRITERIA_NOT_MET]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def case(owner):
    """A commercial esketamine case with every fact a payer checks on record."""
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Ana", "Rivera"
    patient.date_of_birth = D(1985, 4, 12)
    patient.save()
    policy = PolicyFactory(patient=patient, plan_type=InsurancePolicy.PlanType.EMPLOYER_SELF_FUNDED)
    case = CaseFactory(patient=patient, policy=policy)
    DiagnosisFactory(patient=patient, is_primary=True)
    trial = TreatmentTrialFactory.create
    trial(patient=patient, start_date=D(2022, 1, 10), end_date=D(2022, 3, 14))  # sertraline
    trial(
        patient=patient,
        name_as_entered="Effexor XR",
        drug_generic="venlafaxine",
        drug_class="SNRI",
        daily_dose=Decimal("225"),
        weeks_at_dose=10,
        start_date=D(2023, 1, 2),
        end_date=D(2023, 4, 20),
        response=TreatmentTrial.Response.PARTIAL,
    )
    trial(
        patient=patient,
        name_as_entered="Abilify",
        drug_generic="aripiprazole",
        drug_class="augmentation",
        daily_dose=Decimal("5"),
        weeks_at_dose=8,
        start_date=D(2023, 2, 1),
        end_date=D(2023, 4, 1),
    )
    trial(
        patient=patient,
        kind=TreatmentTrial.Kind.PSYCHOTHERAPY,
        name_as_entered="CBT",
        drug_generic="",
        drug_class="",
        daily_dose=None,
        weeks_at_dose=16,
        start_date=D(2020, 1, 1),
        end_date=D(2020, 5, 1),
        response=TreatmentTrial.Response.PARTIAL,
    )
    SymptomScoreFactory(patient=patient, taken_on=D(2026, 10, 1), total=21)
    prescriber = ProviderFactory(patient=patient, name="Dr. Jane Okafor", npi="1234567893")
    ReferralFactory(case=case, provider=prescriber)
    TreatmentRequestFactory(
        case=case,
        product=TreatmentRequest.Product.SPRAVATO_84,
        sessions=8,
        schedule="Twice a week for weeks 1 to 4",
        start_date=D(2026, 11, 9),
        end_date=D(2026, 12, 6),
        site_name="Northside Mood Clinic",
        site_npi="1245319599",
        site_tax_id="12-3456789",
        site_address="100 Main St\nSpringfield, IL 62701",
        site_phone="(217) 555-0200",
        site_fax="(217) 555-0201",
        site_rems_certified=Answer.YES,
        prescriber=prescriber,
        oral_antidepressant_continues=Answer.YES,
        oral_antidepressant="duloxetine 60 mg/day",
        pdmp_checked_on=D(2026, 10, 28),
        substance_use_screen=TreatmentRequest.Screen.NO_CONCERN,
    )
    case.refresh_from_db()
    return case


def _request(case) -> TreatmentRequest:
    return TreatmentRequest.objects.get(case=case)


def _change_request(case, **fields) -> None:
    TreatmentRequest.objects.filter(case=case).update(**fields)


def _deny(case, reason, reason_text="The request does not meet policy CP-123.") -> Denial:
    pa = PARequestFactory(
        case=case,
        decision=PriorAuthorizationRequest.Decision.DENIED,
        decided_on=D(2026, 10, 27),
    )
    return DenialFactory(
        pa_request=pa,
        reason=reason,
        reason_text=reason_text,
        notice_date=D(2026, 10, 27),
        received_on=D(2026, 10, 31),
    )


def unbracketed(text: str) -> str:
    """The letter as the insurer would read it if no placeholder were filled: every [...]
    removed, so a phrase found here is a claim the letter makes on its own."""
    return re.sub(r"\[[^\]]*\]", "", text)


def _letters(case) -> dict[str, str]:
    """The letter of medical necessity and the two point-by-point appeals."""
    return {
        "lmn": draft_medical_necessity_letter(case),
        **{
            reason.value: draft_appeal_letter(case, _deny(case, reason))
            for reason in POINT_BY_POINT
        },
    }


# --- the letter of medical necessity: a paragraph per thing a payer checks ----------------------


def test_the_lmn_states_what_is_requested_with_codes_units_and_site(case):
    text = draft_medical_necessity_letter(case)
    for line in [
        "Product: Spravato 84 mg dose kit (three 28 mg devices), NDC 50458-028-03",
        "Dose per session: 84 mg",
        "Phase: induction",
        "Schedule: Twice a week for weeks 1 to 4",
        "Sessions: 8",
        "Period: 11/09/2026 through 12/06/2026",
        "Place of service: 11 — Office",
        "Treatment site: Northside Mood Clinic",
        "Site NPI: 1245319599; tax ID: 12-3456789",
        "Site address: 100 Main St, Springfield, IL 62701",
        "Site phone: (217) 555-0200; fax: (217) 555-0201",
        "- J0013 (HCPCS): Esketamine nasal spray, 1 mg: 84 units per session, 8 sessions, "
        "672 units in all",
    ]:
        assert line in text


def test_the_lmn_has_each_paragraph_a_payer_checks_with_the_cases_facts(case):
    text = draft_medical_necessity_letter(case)
    for paragraph in [
        "Age: 41 years old on 11/02/2026 (date of birth 04/12/1985).",
        "Diagnosis (ICD-10-CM):\n- F33.2 Major depressive disorder",
        "Antidepressant trials: The records document 2 antidepressant trials from 2 classes "
        "(SNRI, SSRI) at documented doses that ended without remission:",
        "Augmentation:\n- aripiprazole (Abilify), augmentation: 5 mg/day; 8 weeks at this dose",
        "Psychotherapy:\n- CBT: 16 weeks; 01/01/2020 to 05/01/2020; response: partial response",
        "Baseline symptom score: The most recent symptom score is PHQ-9 on 10/01/2026: "
        "21 of 27, severe.",
        "Concurrent oral antidepressant: duloxetine 60 mg/day continues alongside this treatment.",
        "Spravato REMS: The treatment site, Northside Mood Clinic, is certified in the "
        "Spravato REMS.",
        "Ordering prescriber: Dr. Jane Okafor, MD, psychiatrist (NPI 1234567893).",
        "Prescription drug monitoring program (PDMP): The PDMP was checked on 10/28/2026.",
        "Substance-use screen: Done, with no concern noted.",
    ]:
        assert paragraph in text, paragraph
    # With every fact on record, the only bracket among the points is the provider's note on
    # what each augmentation agent was added to.
    points = text.split("Age:")[1].split("[Provider: add your clinical")[0]
    assert re.findall(r"\[[^\]]*\]", points) == [
        "[Provider: name the antidepressant each agent was added to.]"
    ]


def test_the_age_is_taken_on_the_letters_date(case):
    case.patient.date_of_birth = D(1985, 11, 3)  # 41 tomorrow
    case.patient.save()
    assert "Age: 40 years old on 11/02/2026" in draft_medical_necessity_letter(case)


# A fact removed, the placeholder that must name it, and what the letter may then not claim.
MISSING = {
    "pdmp": ({"pdmp_checked_on": None}, "[date of the PDMP check]", "PDMP was checked"),
    "rems": (
        {"site_rems_certified": Answer.ASK_CLINIC},
        "[whether the treatment site is certified in the Spravato REMS]",
        "certified in the Spravato REMS",
    ),
    "oral_ad": (
        {"oral_antidepressant_continues": ""},
        "[whether an oral antidepressant continues alongside this treatment, and which]",
        "continues alongside this treatment",
    ),
    "prescriber": (
        {"prescriber": None},
        "[prescriber's name, specialty and NPI]",
        "Okafor, MD, psychiatrist",
    ),
    "substance_use": (
        {"substance_use_screen": TreatmentRequest.Screen.ASK_CLINIC},
        "[result of the substance-use screen]",
        "Done, with",
    ),
    "site": ({"site_name": "", "site_npi": ""}, "[treatment site name]", "Northside"),
    "sessions": ({"sessions": None}, "[number of sessions]", "672 units"),
}


@pytest.mark.parametrize("fact", list(MISSING))
def test_a_missing_request_fact_is_a_placeholder_and_never_a_claim(case, fact):
    fields, placeholder, claim = MISSING[fact]
    _change_request(case, **fields)
    for kind, text in _letters(case).items():
        assert placeholder in text, (kind, fact)
        assert claim not in unbracketed(text), (kind, fact)


def test_without_a_request_every_request_fact_is_a_placeholder(case):
    _request(case).delete()
    for kind, text in _letters(case).items():
        for placeholder in [
            "[dose per session, in mg]",
            "[number of sessions]",
            "[requested start date] through [requested end date]",
            "[site NPI]",
            "[units, from the dose and the number of sessions]",
            "[whether the treatment site is certified in the Spravato REMS]",
            "[prescriber's name, specialty and NPI]",
            "[date of the PDMP check]",
        ]:
            assert placeholder in text, (kind, placeholder)
        for claim in ["PDMP was checked", "certified in the Spravato REMS", "Done, with"]:
            assert claim not in unbracketed(text), (kind, claim)


def test_missing_history_facts_are_placeholders(case):
    patient = case.patient
    patient.date_of_birth = None
    patient.save()
    patient.treatment_trials.filter(kind=TreatmentTrial.Kind.PSYCHOTHERAPY).delete()
    patient.treatment_trials.filter(drug_class="augmentation").delete()
    patient.symptom_scores.all().delete()
    for kind, text in _letters(case).items():
        for placeholder in [
            "[patient's age, from the date of birth]",
            "[augmentation trials: the agent added to an antidepressant",
            "[psychotherapy: its type, dates and outcome; or why it was not tried]",
            "[Provider: add the most recent symptom score and its date.]",
        ]:
            assert placeholder in text, (kind, placeholder)
        plain = unbracketed(text)
        for claim in ["years old", "aripiprazole", "CBT", "symptom score is"]:
            assert claim not in plain, (kind, claim)


def test_a_site_recorded_as_not_rems_certified_is_flagged_to_the_provider_not_stated(case):
    _change_request(case, site_rems_certified=Answer.NO)
    text = draft_medical_necessity_letter(case)
    assert "[The site is recorded as not certified in the Spravato REMS" in text
    assert "certified in the Spravato REMS" not in unbracketed(text)


def test_rems_is_a_point_only_for_esketamine(case):
    case.treatment = CoverageCase.Treatment.IV_KETAMINE
    case.save()
    text = draft_medical_necessity_letter(case)
    assert "REMS" not in text
    assert "Ordering prescriber:" in text


def test_no_oral_antidepressant_cites_the_2025_monotherapy_approval_for_trd(case):
    _change_request(case, oral_antidepressant_continues=Answer.NO, oral_antidepressant="")
    text = draft_medical_necessity_letter(case)
    assert "No oral antidepressant is to continue alongside this treatment." in text
    assert "In January 2025 the FDA approved Spravato as monotherapy" in text
    case.condition = CoverageCase.Condition.PTSD
    case.save()
    assert "monotherapy" not in draft_medical_necessity_letter(case)


def test_a_continuing_antidepressant_is_named_from_the_ongoing_trial_when_not_stated(case):
    _change_request(case, oral_antidepressant="")
    text = draft_medical_necessity_letter(case)
    assert "[name and dose of the oral antidepressant]" in text
    TreatmentTrialFactory(
        patient=case.patient,
        name_as_entered="Cymbalta",
        drug_generic="duloxetine",
        drug_class="SNRI",
        daily_dose=Decimal("60"),
        start_date=D(2024, 1, 1),
        end_date=None,
        response=TreatmentTrial.Response.ONGOING,
    )
    text = draft_medical_necessity_letter(case)
    assert "Concurrent oral antidepressant: duloxetine 60 mg/day continues alongside" in text


def test_a_prescriber_without_a_known_specialty_gets_a_placeholder(case):
    Provider.objects.filter(pk=_request(case).prescriber_id).update(
        specialty=Provider.Specialty.OTHER, npi=""
    )
    text = draft_medical_necessity_letter(case)
    assert (
        "Ordering prescriber: Dr. Jane Okafor, MD, [prescriber's specialty] "
        "(NPI [prescriber's NPI])."
    ) in text


def test_a_substance_use_concern_asks_the_provider_to_describe_it(case):
    _change_request(case, substance_use_screen=TreatmentRequest.Screen.CONCERN)
    text = draft_medical_necessity_letter(case)
    assert "Done, and a concern was noted. [Provider: describe it and how" in text


# --- every appeal quotes the stated reason ---------------------------------------------------


@pytest.mark.parametrize("reason", list(Reason))
def test_every_appeal_quotes_the_stated_reason_or_asks_for_it(case, reason):
    quoted = draft_appeal_letter(case, _deny(case, reason))
    assert "It states: \u201cThe request does not meet policy CP-123.\u201d" in quoted
    Denial.objects.all().delete()
    blank = draft_appeal_letter(case, _deny(case, reason, reason_text=""))
    assert "It states: [the reason, quoted exactly as the denial letter gives it]" in blank
    for text in (quoted, blank):
        assert "a copy of my claim file and of the criteria" in text
        assert "not medical or legal advice" in text


# --- not medically necessary / criteria not met: point by point --------------------------------


@pytest.mark.parametrize("reason", POINT_BY_POINT)
def test_the_medical_necessity_appeal_answers_each_criterion_with_its_evidence(case, reason):
    text = draft_appeal_letter(case, _deny(case, reason))
    for point in [
        "1. Age: 41 years old on 11/02/2026",
        "2. Diagnosis (ICD-10-CM):\n- F33.2",
        "3. Antidepressant trials: The records document 2 antidepressant trials from 2 classes",
        "4. Augmentation:\n- aripiprazole",
        "5. Psychotherapy:\n- CBT",
        "6. Baseline symptom score: The most recent symptom score is PHQ-9 on 10/01/2026",
        "7. Concurrent oral antidepressant: duloxetine 60 mg/day continues",
        "8. Spravato REMS: The treatment site, Northside Mood Clinic, is certified",
        "9. Ordering prescriber: Dr. Jane Okafor, MD, psychiatrist (NPI 1234567893).",
        "10. Prescription drug monitoring program (PDMP): The PDMP was checked on 10/28/2026.",
        "11. Substance-use screen: Done, with no concern noted.",
    ]:
        assert point in text, point
    # The diagnosis is one of the points, not repeated above them.
    assert "Diagnoses (ICD-10-CM):" not in text
    assert "which criterion you consider unmet" in text
    for claim in ["criteria are met", "meets the criteria", "meets all"]:
        assert claim not in text.lower()


# --- quantity limit: the labelled dosing and what is asked for ---------------------------------

TRD_DOSING = (
    "The Spravato prescribing information gives this dosing for treatment-resistant "
    "depression: in weeks 1 to 4 (induction), twice a week, 56 mg on the first day and then "
    "56 mg or 84 mg; in weeks 5 to 8, once a week; from week 9, once a week or once every 2 "
    "weeks."
)


def test_the_quantity_limit_appeal_sets_the_request_against_the_label(case):
    text = draft_appeal_letter(case, _deny(case, Reason.QUANTITY_LIMIT))
    assert TRD_DOSING in text
    assert (
        "This request is for 8 sessions of 84 mg each from 11/09/2026 through 12/06/2026, on "
        "the schedule \u201cTwice a week for weeks 1 to 4\u201d."
    ) in text
    assert (
        "J0013 is billed per 1 mg of esketamine, so each 84 mg session is 84 units (3 devices "
        "of 28 mg), and the 8 sessions are 672 units in all."
    ) in text
    assert "That is the labelled induction of twice a week for 4 weeks, 8 sessions in all." in text
    # 84 mg is labelled after day 1 only: the provider confirms the first session.
    assert "the label starts at 56 mg on the first day. [Provider: confirm" in text
    assert "the quantity limit you applied" in text


def test_the_quantity_limit_appeal_for_suicidal_ideation_gives_that_dosing(case):
    case.condition = CoverageCase.Condition.MDD_SI
    case.save()
    text = draft_appeal_letter(case, _deny(case, Reason.QUANTITY_LIMIT))
    assert "acute suicidal ideation or behavior: 84 mg twice a week for 4 weeks." in text
    assert "That is the labelled course of 84 mg twice a week for 4 weeks" in text
    assert "The dose asked for, 84 mg, is a labelled dose." in text
    assert TRD_DOSING not in text


def test_more_sessions_than_the_label_are_left_to_the_provider_to_explain(case):
    _change_request(case, sessions=12)
    text = draft_appeal_letter(case, _deny(case, Reason.QUANTITY_LIMIT))
    assert "[Provider: explain why this number of sessions is needed.]" in text
    assert "That is the labelled" not in text
    assert "fewer than" not in text


def test_maintenance_at_most_weekly_is_within_the_label(case):
    _change_request(case, phase=TreatmentRequest.Phase.MAINTENANCE, sessions=4)
    text = draft_appeal_letter(case, _deny(case, Reason.QUANTITY_LIMIT))
    assert "Over the 4 weeks asked for, that is at most one session a week" in text
    assert "evaluated at the end of induction, at about week 4" in text


def test_the_quantity_limit_appeal_on_g_codes_counts_sessions(case):
    case.policy.plan_type = InsurancePolicy.PlanType.MEDICARE_ADVANTAGE
    case.policy.save()
    text = draft_appeal_letter(case, _deny(case, Reason.QUANTITY_LIMIT))
    assert "G2083 is billed once per session, with the drug included, so the 8 sessions are 8" in (
        text
    )


def test_patients_65_and_older_are_told_the_labelled_starting_dose(case):
    case.patient.date_of_birth = D(1960, 1, 1)
    case.patient.save()
    text = draft_appeal_letter(case, _deny(case, Reason.QUANTITY_LIMIT))
    assert "For patients 65 and older, it starts at 28 mg." in text


def test_the_quantity_limit_appeal_without_a_request_claims_no_schedule(case):
    _request(case).delete()
    text = draft_appeal_letter(case, _deny(case, Reason.QUANTITY_LIMIT))
    assert TRD_DOSING in text  # the label is a fact; the request is not
    assert "This request is for [number of sessions] of [dose per session, in mg] each" in text
    assert "[units asked for, from the dose and the number of sessions]" in text
    plain = unbracketed(text)
    for claim in ["That is the labelled", "units in all", "fewer than"]:
        assert claim not in plain


def test_the_quantity_limit_appeal_for_iv_ketamine_claims_no_label(case):
    case.treatment = CoverageCase.Treatment.IV_KETAMINE
    case.save()
    _change_request(case, product=TreatmentRequest.Product.KETAMINE_IV, dose_mg=35)
    text = draft_appeal_letter(case, _deny(case, Reason.QUANTITY_LIMIT))
    assert "prescribing information" not in text
    assert "This request is for 8 sessions of 35 mg each" in text
    assert "[Provider: explain the dose, schedule and number of sessions" in text


# --- coding: the code for the date of service and the plan type --------------------------------


def test_the_coding_appeal_gives_j0013_for_a_2026_service_on_a_commercial_plan(case):
    text = draft_appeal_letter(case, _deny(case, Reason.CODING))
    assert (
        "The codes listed above are the ones for this service for a first date of service of "
        "11/09/2026 and my type of plan: Employer plan, self-funded (ERISA)."
    ) in text
    assert "the code is J0013, which replaced S0013 (discontinued on December 31, 2025)" in text
    assert "which code, unit or modifier you consider wrong" in text


def test_the_coding_appeal_gives_s0013_for_a_2025_service(case):
    _change_request(case, start_date=D(2025, 12, 1), end_date=D(2025, 12, 28))
    text = draft_appeal_letter(case, _deny(case, Reason.CODING))
    assert "For services through December 31, 2025, the code is S0013" in text
    assert "- S0013 (HCPCS)" in text


@pytest.mark.parametrize(
    ("plan_type", "rule"),
    [
        ("medicare", "Medicare pays for a Spravato session with G2082 (56 mg or less) or G2083"),
        ("tricare", "TRICARE's billing guidance for Spravato uses G2082"),
    ],
)
def test_the_coding_appeal_gives_the_g_code_for_the_dose(case, plan_type, rule):
    case.policy.plan_type = plan_type
    case.policy.save()
    text = draft_appeal_letter(case, _deny(case, Reason.CODING))
    assert rule in text
    assert "For the 84 mg dose asked for, the code is G2083." in text
    assert "J0013" not in text


def test_the_coding_appeal_for_iv_ketamine_explains_j3490_and_the_infusion_codes(case):
    case.treatment = CoverageCase.Treatment.IV_KETAMINE
    case.save()
    _change_request(case, product=TreatmentRequest.Product.KETAMINE_IV, infusion_minutes=40)
    text = draft_appeal_letter(case, _deny(case, Reason.CODING))
    assert "Ketamine has no specific drug code: it is billed with J3490" in text
    assert "- 96365 (CPT): IV infusion, initial, up to 1 hour: 1 unit per session" in text


def test_the_coding_appeal_without_a_start_date_asks_for_it(case):
    _change_request(case, start_date=None, end_date=None)
    text = draft_appeal_letter(case, _deny(case, Reason.CODING))
    assert "on 11/02/2026, the date of this letter" in text
    assert "[requested start date: the codes depend on the date of service]" in text


# --- out of network: only what the patient recorded ------------------------------------------


def test_the_out_of_network_appeal_states_only_what_the_patient_recorded(case):
    InsurerCall.objects.create(
        case=case,
        called_at=dt.datetime(2026, 10, 20, 15, tzinfo=dt.UTC),
        representative="Dana",
        reference_number="CIG-4471",
        questions_and_answers=[
            {
                "question": "Is my clinic in network? What is my deductible, my coinsurance or "
                "copay, and my out-of-pocket maximum?",
                "answer": "Clinic is out of network.",
            },
            {"question": "Does this treatment need pre-authorization?", "answer": "Yes."},
        ],
    )
    text = draft_appeal_letter(case, _deny(case, Reason.OUT_OF_NETWORK))
    assert (
        "The treatment is to be given at Northside Mood Clinic, the treatment site named above, "
        "and ordered by Dr. Jane Okafor, MD."
    ) in text
    assert (
        "- Call on 10/20/2026, with Dana, reference CIG-4471: asked \u201cIs my clinic in network?"
    ) in text
    assert "answer: \u201cClinic is out of network.\u201d" in text
    assert "pre-authorization" not in text  # not a network question
    plain = unbracketed(text)
    for claim in ["could not find", "I contacted"]:
        assert claim not in plain


def test_the_out_of_network_appeal_without_a_request_names_no_site(case):
    _request(case).delete()
    text = draft_appeal_letter(case, _deny(case, Reason.OUT_OF_NETWORK))
    assert (
        "given at [treatment site name], the treatment site named above, and ordered by "
        "[prescriber's name]."
    ) in text
    assert "What your representatives told me" not in text


# --- the rest ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "placeholder"),
    [
        (Reason.NOT_COVERED, "[Quote the part of your plan documents"),
        (Reason.OTHER, "[Explain why you disagree with the reason given"),
    ],
)
def test_the_other_appeals_ask_for_the_provision_and_leave_the_argument_to_the_patient(
    case, reason, placeholder
):
    text = draft_appeal_letter(case, _deny(case, reason))
    assert "Please tell me which plan provision the reason given above relies on." in text
    assert placeholder in text
    assert "records described in this letter" not in text
