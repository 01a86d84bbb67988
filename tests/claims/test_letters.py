"""Letter drafts: built from the case's records only, one answer per denial reason."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from claims.letters import DRAFTERS, draft_appeal_letter, draft_medical_necessity_letter
from claims.letters.text import split_closing
from claims.models import CoverageCase, Deadline, Denial, Letter, PriorAuthorizationRequest
from claims.services import document_upload
from patients.models import DatePrecision, InsurancePolicy, SymptomScore, TreatmentTrial
from tests.factories import (
    CaseFactory,
    DenialFactory,
    DiagnosisFactory,
    PARequestFactory,
    PatientFactory,
    PolicyFactory,
    ProviderFactory,
    ReferralFactory,
    SymptomScoreFactory,
    TreatmentTrialFactory,
    pdf_upload,
)

D = dt.date
Reason = Denial.Reason
Response = TreatmentTrial.Response
TODAY = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)

# A sentence only one kind of answer may contain.
MARKERS = {
    "points": "commonly check the points below",
    "trials": "antidepressant trials from",
    "criterion": "which criterion you consider unmet",
    "fda": "Food and Drug Administration",
    "ei_basis": "scientific or clinical basis",
    "literature": "[Provider: add the clinical literature you rely on]",
    "external_review": "independent external review",
    "enclosed": "now enclosed",
    "network": "in-network provider",
    "dosing": "Spravato prescribing information",
    "quantity": "the quantity limit you applied",
    "coding": "which code, unit or modifier",
    "reconsider": "I ask you to reconsider this decision",
}
CLAIM_FILE = "free of charge, a copy of my claim file and of the criteria"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def case(owner):
    """A full case: named patient, commercial policy, two diagnoses, trials, scores, referral."""
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Ana", "Rivera"
    patient.date_of_birth = D(1985, 4, 12)
    patient.save()
    policy = PolicyFactory(patient=patient, member_id="U12345678", group_number="GRP-100")
    case = CaseFactory(patient=patient, policy=policy)
    DiagnosisFactory(patient=patient, is_primary=True)
    DiagnosisFactory(patient=patient, icd10_code="F41.1", description="Generalized anxiety")
    trial = TreatmentTrialFactory.create
    trial(patient=patient, start_date=D(2022, 1, 10), end_date=D(2022, 3, 14))  # sertraline
    trial(
        patient=patient,
        name_as_entered="Lexapro",
        drug_generic="escitalopram",
        daily_dose=Decimal("20"),
        weeks_at_dose=12,
        start_date=D(2021, 3, 1),
        start_precision=DatePrecision.MONTH,
        end_date=D(2021, 6, 30),
        end_precision=DatePrecision.MONTH,
        response=Response.PARTIAL,
        percent_improvement=20,
    )
    trial(
        patient=patient,
        name_as_entered="Effexor XR",
        drug_generic="venlafaxine",
        drug_class="SNRI",
        daily_dose=Decimal("225"),
        weeks_at_dose=6,
        start_date=D(2023, 1, 2),
        end_date=D(2023, 2, 20),
        response=Response.SIDE_EFFECTS,
        side_effects="Blood pressure rose",
    )
    # Listed, never counted as antidepressant trials: augmentation, therapy, a drug that worked.
    trial(
        patient=patient,
        name_as_entered="Abilify",
        drug_generic="aripiprazole",
        drug_class="augmentation",
        daily_dose=Decimal("5"),
        start_date=D(2023, 4, 1),
        end_date=D(2023, 6, 1),
        response=Response.NO_RESPONSE,
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
        response=Response.PARTIAL,
    )
    trial(
        patient=patient,
        name_as_entered="Wellbutrin",
        drug_generic="bupropion",
        drug_class="NDRI",
        daily_dose=Decimal("300"),
        start_date=D(2015, 1, 1),
        end_date=D(2015, 9, 1),
        response=Response.REMISSION,
    )
    SymptomScoreFactory(patient=patient, taken_on=D(2026, 9, 1), total=18)
    SymptomScoreFactory(patient=patient, taken_on=D(2026, 10, 1), total=21)
    provider = ProviderFactory(patient=patient, name="Dr. Jane Okafor", npi="1234567893")
    ReferralFactory(case=case, provider=provider)
    return case


def _deny(case, reason, **fields) -> Denial:
    pa = PARequestFactory(
        case=case,
        reference_number="PA-778899",
        decision=PriorAuthorizationRequest.Decision.DENIED,
        decided_on=D(2026, 10, 27),
    )
    fields.setdefault("reference_number", "DN-445566")
    fields.setdefault("notice_date", D(2026, 10, 27))
    fields.setdefault("received_on", D(2026, 10, 31))
    return DenialFactory(pa_request=pa, reason=reason, **fields)


def _clean(text: str) -> str:
    assert "{" not in text
    assert "}" not in text
    assert "None" not in text
    assert "%(" not in text
    return text


# --- letter of medical necessity ---------------------------------------------------------------


def test_the_lmn_names_patient_policy_codes_and_every_diagnosis(case):
    text = _clean(draft_medical_necessity_letter(case))
    assert "To the utilization review department, Cigna Healthcare" in text
    for fact in ["Ana Rivera", "04/12/1985", "Member ID: U12345678", "Group number: GRP-100"]:
        assert fact in text
    assert "J0013 (HCPCS): Esketamine nasal spray, 1 mg" in text
    assert "F33.2 Major depressive disorder" in text
    assert "(primary)" in text
    assert "F41.1 Generalized anxiety" in text


def test_the_lmn_counts_failed_antidepressant_trials_and_their_classes(case):
    text = draft_medical_necessity_letter(case)
    # sertraline, escitalopram (SSRI) and venlafaxine (SNRI); not aripiprazole, CBT, bupropion.
    assert (
        "The records document 3 antidepressant trials from 2 classes (SNRI, SSRI) at documented "
        "doses that ended without remission:"
    ) in text
    assert "- sertraline (Zoloft), SSRI: 150 mg/day; 8 weeks at this dose; 01/10/2022 to " in text
    assert "- escitalopram (Lexapro), SSRI: 20 mg/day; 12 weeks at this dose" in text
    assert "venlafaxine (Effexor XR), SNRI: 225 mg/day; 6 weeks at this dose" in text
    assert "response: stopped because of side effects; side effects: Blood pressure rose" in text
    assert "response: partial response; measured improvement: 20%" in text
    # Augmentation and psychotherapy have their own paragraphs; the rest are listed after them.
    augmentation = text.split("Augmentation:")[1].split("Psychotherapy:")[0]
    assert "- aripiprazole (Abilify), augmentation: 5 mg/day" in augmentation
    psychotherapy = text.split("Psychotherapy:")[1].split("Other treatments on record:")[0]
    assert "- CBT: 16 weeks; 01/01/2020" in psychotherapy
    other = text.split("Other treatments on record:")[1].split("Baseline symptom score:")[0]
    assert "bupropion (Wellbutrin)" in other
    for stated_above in ["aripiprazole", "CBT", "sertraline"]:
        assert stated_above not in other


def test_the_lmn_prints_month_precision_dates_as_mm_yyyy(case):
    text = draft_medical_necessity_letter(case)
    assert "03/2021 to 06/2021" in text
    assert "03/01/2021" not in text


def test_the_lmn_gives_severity_from_the_most_recent_score_and_lists_all(case):
    text = draft_medical_necessity_letter(case)
    assert "The most recent symptom score is PHQ-9 on 10/01/2026: 21 of 27, severe." in text
    assert "- PHQ-9, 09/01/2026: 18 of 27, moderately severe" in text


def test_the_lmn_is_signed_by_the_referral_provider_with_placeholders_to_fill(case):
    text = draft_medical_necessity_letter(case)
    assert "[Provider signature]\nDr. Jane Okafor, MD\nPsychiatrist\nNPI: 1234567893" in text
    # Dated the day it is drafted: the date its age is stated at.
    assert "\n\n11/02/2026\n\nTo the utilization review department" in text
    assert "[Date]" not in text
    assert "I ask you to approve this treatment." in text


def test_the_lmn_claims_nothing_the_records_do_not_show(case):
    text = draft_medical_necessity_letter(case).lower()
    for claim in ["meets all", "criteria are met", "meets the criteria", "guarantee"]:
        assert claim not in text
    assert "not medical or legal advice" in text


def test_the_lmn_uses_medicare_g_codes_and_the_2025_s_code(case):
    case.policy.plan_type = InsurancePolicy.PlanType.MEDICARE
    case.policy.save()
    assert "G2082" in draft_medical_necessity_letter(case)
    assert "G2083" in draft_medical_necessity_letter(case)
    case.policy.plan_type = InsurancePolicy.PlanType.MEDICAID
    case.policy.save()
    with time_machine.travel(dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC), tick=False):
        text = draft_medical_necessity_letter(case)
    assert "S0013" in text
    assert "J0013" not in text


def test_letters_are_in_english_whatever_the_active_language(case):
    denial = _deny(case, Reason.CRITERIA_NOT_MET)
    with translation.override("es"):
        lmn = draft_medical_necessity_letter(case)
        appeal = draft_appeal_letter(case, denial)
        assert translation.get_language() == "es"
    assert "Esketamine nasal spray (Spravato)" in lmn
    assert "for my patient, Ana Rivera, for treatment-resistant depression." in lmn
    assert "Plan criteria not met" in appeal


# --- appeal letter: one answer per reason ------------------------------------------------------

ESKETAMINE_EXPECTED = {
    Reason.NOT_MEDICALLY_NECESSARY: {"points", "trials", "criterion"},
    Reason.CRITERIA_NOT_MET: {"points", "trials", "criterion"},
    Reason.EXPERIMENTAL: {"fda", "ei_basis", "external_review"},
    Reason.MISSING_INFORMATION: {"enclosed"},
    Reason.OUT_OF_NETWORK: {"network"},
    Reason.NOT_COVERED: {"reconsider"},
    Reason.QUANTITY_LIMIT: {"dosing", "quantity"},
    Reason.CODING: {"coding"},
    Reason.OTHER: {"reconsider"},
}


def test_every_reason_has_an_expected_answer():
    assert set(ESKETAMINE_EXPECTED) == set(Reason)


@pytest.mark.parametrize("reason", list(Reason))
def test_the_appeal_answers_its_own_reason_and_no_other(case, owner, reason):
    document_upload(
        case=case, category="medical_records", upload=pdf_upload(), by=owner, title="Visit notes"
    )
    denial = _deny(case, reason, reason_text="The   request does not meet\npolicy CP-123.")
    text = _clean(draft_appeal_letter(case, denial))
    expected = ESKETAMINE_EXPECTED[reason]
    for key, marker in MARKERS.items():
        assert (marker in text) == (key in expected), (reason, key)
    assert f"Your notice gives the reason as: {reason.label}." in text
    assert "It states: \u201cThe request does not meet policy CP-123.\u201d" in text
    assert CLAIM_FILE in text


def test_the_medical_necessity_appeal_lists_each_failed_trial_and_the_scores(case):
    text = draft_appeal_letter(case, _deny(case, Reason.NOT_MEDICALLY_NECESSARY))
    assert "3 antidepressant trials from 2 classes" in text
    for trial in ["sertraline (Zoloft), SSRI: 150 mg/day; 8 weeks", "escitalopram", "venlafaxine"]:
        assert trial in text
    assert "PHQ-9 on 10/01/2026: 21 of 27, severe" in text


def test_the_experimental_appeal_for_esketamine_cites_the_fda_approvals(case):
    text = draft_appeal_letter(case, _deny(case, Reason.EXPERIMENTAL))
    assert "treatment-resistant depression in adults" in text
    assert "acute suicidal ideation or behavior" in text
    assert "In January 2025 the FDA also approved Spravato as monotherapy" in text
    assert "requested here for treatment-resistant depression, one of these approved uses" in text
    assert MARKERS["literature"] not in text


def test_the_experimental_appeal_for_an_off_label_use_does_not_call_it_approved(case):
    case.condition = CoverageCase.Condition.PTSD
    case.save()
    text = draft_appeal_letter(case, _deny(case, Reason.EXPERIMENTAL))
    assert MARKERS["fda"] in text
    assert "one of these approved uses" not in text
    assert "prior authorization of Esketamine nasal spray (Spravato) for PTSD." in text


def test_the_experimental_appeal_for_iv_ketamine_asks_for_the_basis_and_leaves_room(case):
    case.treatment = CoverageCase.Treatment.IV_KETAMINE
    case.save()
    text = _clean(draft_appeal_letter(case, _deny(case, Reason.EXPERIMENTAL)))
    for key in ["ei_basis", "literature", "external_review"]:
        assert MARKERS[key] in text
    assert MARKERS["fda"] not in text
    assert "J3490 (HCPCS)" in text
    assert "96365 (CPT)" in text


@pytest.mark.parametrize(
    ("plan_type", "grandfathered"),
    [("medicare_advantage", "unknown"), ("medicaid", "unknown"), ("marketplace", "yes")],
)
def test_external_review_is_mentioned_only_for_non_grandfathered_commercial_plans(
    case, plan_type, grandfathered
):
    case.treatment = CoverageCase.Treatment.IV_KETAMINE
    case.save()
    case.policy.plan_type, case.policy.grandfathered = plan_type, grandfathered
    case.policy.save()
    text = draft_appeal_letter(case, _deny(case, Reason.EXPERIMENTAL))
    assert MARKERS["external_review"] not in text
    assert MARKERS["ei_basis"] in text


def test_the_missing_information_appeal_lists_the_case_documents(case, owner):
    document_upload(
        case=case, category="evaluation", upload=pdf_upload(), by=owner, title="PHQ-9 October"
    )
    document_upload(case=case, category="insurance_card", upload=pdf_upload(), by=owner)
    text = draft_appeal_letter(case, _deny(case, Reason.MISSING_INFORMATION))
    assert (
        "The following documents are now enclosed:\n"
        "- Psychiatric evaluation or symptom scores: PHQ-9 October\n"
        "- Insurance card\n"
    ) in text


def test_the_out_of_network_appeal_leaves_the_patients_statements_for_them_to_confirm(case):
    text = draft_appeal_letter(case, _deny(case, Reason.OUT_OF_NETWORK))
    # Never stated for the patient: only a placeholder they confirm or delete.
    assert (
        "[If true, confirm: I could not find an in-network provider able to provide this "
        "treatment within reasonable reach of my home.]"
    ) in text
    assert text.count("I could not find") == 1
    assert "[List the in-network providers you contacted, with the dates and what each said.]" in (
        text
    )


# --- appeal letter: references and the deadline -----------------------------------------------


def test_the_appeal_names_both_reference_numbers_the_dates_and_the_deadline(case):
    text = draft_appeal_letter(case, _deny(case, Reason.CRITERIA_NOT_MET))
    assert "Prior authorization reference number: PA-778899" in text
    assert "Denial reference number: DN-445566" in text
    assert "Date of the denial notice: 10/27/2026" in text
    assert "Date I received it: 10/31/2026" in text
    # Commercial first internal appeal: 180 days from receipt (DOMAIN.md §4.4a).
    assert "This appeal is filed within the deadline of 04/29/2027." in text
    assert "[Check this date against your denial letter.]" in text
    assert "To the appeals department, Cigna Healthcare" in text


def test_the_medicare_advantage_deadline_counts_65_days_from_the_notice(case):
    case.policy.plan_type = InsurancePolicy.PlanType.MEDICARE_ADVANTAGE
    case.policy.save()
    text = draft_appeal_letter(case, _deny(case, Reason.CRITERIA_NOT_MET))
    assert "within the deadline of 12/31/2026." in text


def test_the_date_from_the_patients_letter_wins_over_the_computed_deadline(case):
    denial = _deny(case, Reason.CRITERIA_NOT_MET)
    Deadline.objects.create(
        case=case,
        key=f"appeal_filing:{denial.pk}:internal_1",
        kind=Deadline.Kind.APPEAL_FILING,
        level="internal_1",
        computed_due_on=D(2027, 4, 29),
        letter_due_on=D(2027, 3, 1),
        due_on=D(2027, 3, 1),
    )
    text = draft_appeal_letter(case, denial)
    assert "within the deadline of 03/01/2027." in text
    assert "04/29/2027" not in text
    assert "[Check this date" not in text


def test_no_deadline_sentence_when_it_cannot_be_computed(case):
    case.policy.plan_type = InsurancePolicy.PlanType.TRICARE  # no rule in DOMAIN.md
    case.policy.save()
    text = draft_appeal_letter(case, _deny(case, Reason.CRITERIA_NOT_MET))
    assert "within the deadline" not in text


def test_a_denial_from_another_case_is_refused(case):
    other = _deny(CaseFactory(), Reason.OTHER)
    with pytest.raises(ValueError, match="another case"):
        draft_appeal_letter(case, other)


# --- missing optional data ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", list(Reason))
@pytest.mark.parametrize("treatment", list(CoverageCase.Treatment))
def test_nothing_breaks_when_optional_records_are_missing(db, reason, treatment):
    patient = PatientFactory(legal_first_name="", legal_last_name="", date_of_birth=None)
    case = CaseFactory(patient=patient, policy=None, treatment=treatment, treatment_other="")
    pa = PARequestFactory(case=case, reference_number="", submitted_on=None)
    denial = DenialFactory(
        pa_request=pa, reason=reason, notice_date=None, received_on=None, reference_number=""
    )

    lmn = _clean(draft_medical_necessity_letter(case))
    appeal = _clean(draft_appeal_letter(case, denial))

    for placeholder in ["[Insurance company]", "[Patient name]", "[Member ID]", "[NPI]"]:
        assert placeholder in lmn
        assert placeholder in appeal
    assert "[Provider: add the diagnosis and its ICD-10-CM code]" in lmn
    assert "[Provider: add the treatment history: each antidepressant tried" in lmn
    assert "[Provider: add the most recent symptom score and its date.]" in lmn
    for placeholder in ["[Prior authorization reference]", "[Denial reference number]"]:
        assert placeholder in appeal
    assert "within the deadline" not in appeal
    assert "It states: [the reason, quoted exactly as the denial letter gives it]" in appeal


def test_a_score_without_bands_prints_its_range_and_no_band(case):
    SymptomScoreFactory(
        patient=case.patient,
        instrument=SymptomScore.Instrument.MADRS,
        taken_on=D(2026, 10, 20),
        total=34,
        administered_by_clinician=True,
    )
    text = draft_medical_necessity_letter(case)
    assert "The most recent symptom score is MADRS on 10/20/2026: 34 of 60." in text
    assert "- MADRS, 10/20/2026: 34 of 60 (scored by a clinician)" in text


def test_every_letter_kind_has_a_drafter():
    assert set(DRAFTERS) == set(Letter.Kind)


def test_the_closing_is_the_paragraph_before_the_sign_off_and_all_that_follows():
    text = "Dear reviewer,\n\nBody one.\n\nBody two.\n\nPlease approve.\n\nSincerely,\nDr. A"
    assert split_closing(text) == (
        "Dear reviewer,\n\nBody one.\n\nBody two.",
        "Please approve.\n\nSincerely,\nDr. A",
    )
    # The appeal: the patient signs, then the provider co-signs; edited in a browser (CRLF).
    appeal = "Body.\r\n\r\nPlease decide.\r\n\r\nSincerely,\r\nRobin\r\n\r\nCo-signing:\r\nDr. A"
    assert split_closing(appeal) == (
        "Body.",
        "Please decide.\n\nSincerely,\nRobin\n\nCo-signing:\nDr. A",
    )


def test_a_letter_without_a_sign_off_keeps_its_last_two_paragraphs_together():
    assert split_closing("One.\n\nTwo.\n\nThree.") == ("One.", "Two.\n\nThree.")
    assert split_closing("Only.") == ("", "Only.")


def test_every_drafted_letter_closes_with_its_last_request_and_its_signatures(case):
    _body, closing = split_closing(draft_medical_necessity_letter(case))
    assert closing.startswith("I ask you to approve this treatment.")
    assert "[Provider signature]" in closing

    _body, closing = split_closing(draft_appeal_letter(case, _deny(case, Reason.OTHER)))
    assert closing.startswith("Please send your decision to me in writing.")
    assert "[Patient signature]" in closing
    assert "Treating provider (if co-signing):" in closing
