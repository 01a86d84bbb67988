"""Validation of a patient's own records: codes, NPIs, partial dates, money, drugs, scores."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients import icd10
from patients.drugs import match_drug
from patients.forms import DiagnosisForm, InsurancePolicyForm, ProviderForm, TreatmentTrialForm
from patients.models import Diagnosis, InsurancePolicy, Payer, SymptomScore, TreatmentTrial
from patients.partial_dates import parse_partial_date
from patients.services import diagnosis_save, symptom_score_record, treatment_trial_save
from tests.factories import DiagnosisFactory, PolicyFactory, TreatmentTrialFactory, today

# --- ICD-10-CM ------------------------------------------------------------------------------------


def test_a_billable_code_is_accepted_with_its_official_description(owner):
    diagnosis = diagnosis_save(patient=owner.patient, icd10_code="f33.2", description="typed")

    assert diagnosis.icd10_code == "F33.2"
    assert diagnosis.description.startswith("Major depressive disorder, recurrent severe")
    assert diagnosis.is_billable


def test_a_category_code_is_saved_but_flagged_not_billable(owner):
    diagnosis = diagnosis_save(patient=owner.patient, icd10_code="F33")

    assert diagnosis.icd10_code == "F33"
    assert not diagnosis.is_billable


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("F99.99", "is not an ICD-10-CM code"),
        ("Z99.9999", "is not an ICD-10-CM code"),
        ("Q1", "ICD-10-CM codes are written as"),
        ("depression", "ICD-10-CM codes are written as"),
        ("F30-F39", "ICD-10-CM codes are written as"),
        ("F3.2", "ICD-10-CM codes are written as"),
        ("F3.32", "ICD-10-CM codes are written as"),
        ("F33..2", "ICD-10-CM codes are written as"),
        ("F 33 2", "ICD-10-CM codes are written as"),
    ],
)
def test_an_invalid_code_is_refused_with_a_clear_message(code, message):
    form = DiagnosisForm(data={"icd10_code": code})

    assert not form.is_valid()
    assert message in form.errors["icd10_code"][0]
    assert form["icd10_code"].value() == code  # what was typed is kept


@pytest.mark.parametrize(
    ("typed", "code"), [("f332", "F33.2"), (" F33.2 ", "F33.2"), ("g90521", "G90.521")]
)
def test_only_the_missing_dot_is_repaired(typed, code):
    form = DiagnosisForm(data={"icd10_code": typed})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["icd10_code"] == code


def test_a_diagnosis_can_be_saved_without_a_code(owner):
    form = DiagnosisForm(data={"search": "severe depression that keeps coming back"})
    assert form.is_valid()

    diagnosis = diagnosis_save(patient=owner.patient, description=form.cleaned_data["search"])

    assert diagnosis.icd10_code == ""
    assert diagnosis.description == "severe depression that keeps coming back"
    assert not diagnosis.is_billable


def test_an_empty_diagnosis_form_asks_for_something():
    form = DiagnosisForm(data={})
    assert not form.is_valid()
    assert "Please describe the diagnosis" in str(form.non_field_errors())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("depression, recurrent, severe", "F33.2"),
        ("PTSD chronic", "F43.12"),
        ("generalized anxiety", "F41.1"),
        ("chronic pain syndrome", "G89.4"),
        ("F41.1", "F41.1"),
    ],
)
def test_plain_language_search_finds_the_code(query, expected):
    codes = [hit.code for hit in icd10.search(query)]
    assert expected in codes[:5]
    assert all(hit.billable for hit in icd10.search(query))


def test_only_one_diagnosis_is_the_main_one(owner):
    first = diagnosis_save(patient=owner.patient, icd10_code="F33.2", is_primary=True)
    second = diagnosis_save(patient=owner.patient, icd10_code="F41.1", is_primary=True)

    first.refresh_from_db()
    assert not first.is_primary
    assert second.is_primary
    with pytest.raises(IntegrityError), transaction.atomic():
        Diagnosis.objects.filter(pk=first.pk).update(is_primary=True)


# --- NPI ----------


PROVIDER = {"name": "Dr. Rivera", "specialty": "psychiatrist"}


def test_provider_npi_with_spaces_is_accepted():
    form = ProviderForm(data={**PROVIDER, "npi": "1234 567 893"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["npi"] == "1234567893"


@pytest.mark.parametrize(
    ("npi", "message"),
    [("1234567890", "last digit does not match"), ("12345", "exactly 10 digits")],
)
def test_provider_npi_is_checked(npi, message):
    form = ProviderForm(data={**PROVIDER, "npi": npi})
    assert not form.is_valid()
    assert message in form.errors["npi"][0]


# --- Dates a patient half-remembers ----------


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("03/2021", False, (datetime.date(2021, 3, 1), "month")),
        ("March 2021", True, (datetime.date(2021, 3, 31), "month")),
        ("Feb 2024", True, (datetime.date(2024, 2, 29), "month")),
        ("2021-03", False, (datetime.date(2021, 3, 1), "month")),
        ("03/14/2021", False, (datetime.date(2021, 3, 14), "day")),
        ("2021-03-14", True, (datetime.date(2021, 3, 14), "day")),
        ("", False, (None, "day")),
    ],
)
def test_partial_dates_parse(text, end, expected):
    assert parse_partial_date(text, end=end) == expected


@pytest.mark.parametrize("text", ["13/2021", "sometime in spring", "2021", "March"])
def test_unreadable_dates_get_an_example(text):
    with pytest.raises(ValidationError) as error:
        parse_partial_date(text)
    assert "03/2021" in error.value.messages[0]


TRIAL = {
    "kind": "medication",
    "name_as_entered": "Lexapro",
    "daily_dose": "20",
    "dose_unit": "mg/day",
    "weeks_at_dose": "10",
    "adherence": "as_prescribed",
    "response": "no_response",
}


def test_a_trial_within_one_month_is_valid(owner):
    form = TreatmentTrialForm(data={**TRIAL, "started": "03/2021", "stopped": "March 2021"})
    assert form.is_valid(), form.errors
    form.instance.patient = owner.patient

    trial = treatment_trial_save(trial=form.instance)

    assert (trial.start_date, trial.start_precision) == (datetime.date(2021, 3, 1), "month")
    assert (trial.end_date, trial.end_precision) == (datetime.date(2021, 3, 31), "month")
    assert (trial.drug_generic, trial.drug_class) == ("escitalopram", "SSRI")
    assert trial.daily_dose == Decimal("20")


def test_a_trial_ending_before_it_starts_is_refused_and_the_input_kept(db):
    form = TreatmentTrialForm(data={**TRIAL, "started": "06/2022", "stopped": "01/2022"})

    assert not form.is_valid()
    assert "before the start date" in form.errors["stopped"][0]
    assert form["started"].value() == "06/2022"
    assert form["name_as_entered"].value() == "Lexapro"


def test_the_database_refuses_a_trial_ending_before_it_starts(owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentTrialFactory(
            patient=owner.patient,
            start_date=datetime.date(2022, 6, 1),
            end_date=datetime.date(2022, 1, 1),
        )


@pytest.mark.parametrize(("dose", "message"), [("fifty", "as a number"), ("0", "above zero")])
def test_a_bad_dose_is_refused(owner, dose, message):
    form = TreatmentTrialForm(data={**TRIAL, "daily_dose": dose})
    form.instance.patient = owner.patient
    assert not form.is_valid()
    assert message in str(form.errors)


@pytest.mark.parametrize(
    ("typed", "generic"),
    [
        ("Zoloft", "sertraline"),
        ("sertaline 100mg", "sertraline"),
        ("WELLBUTRIN XL", "bupropion"),
        ("Abilify (added to Lexapro)", "aripiprazole"),
        ("vitamin D", None),
    ],
)
def test_drugs_are_matched_to_a_known_generic(typed, generic):
    drug = match_drug(typed)
    assert (drug.generic if drug else None) == generic


def test_therapy_is_not_matched_to_a_drug(owner):
    trial = TreatmentTrial(patient=owner.patient, kind="psychotherapy", name_as_entered="CBT")
    assert treatment_trial_save(trial=trial).drug_generic == ""


# --- Money on a policy ----------


def _policy_form(**data):
    base = {
        "rank": "primary",
        "plan_type": "employer_self_funded",
        "grandfathered": "unknown",
        "subscriber_relationship": "self",
        "treatment_benefit": "unknown",
        "prior_auth_required": "unknown",
        "out_of_network_covered": "unknown",
        "payer": Payer.objects.get(name="Aetna").pk,
    }
    return InsurancePolicyForm(data={**base, **data})


def test_money_is_read_the_way_people_write_it(db):
    form = _policy_form(
        in_network_deductible="$1,500.00",
        in_network_deductible_met=" 250 ",
        in_network_coinsurance_percent="20%",
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["in_network_deductible"] == Decimal("1500.00")
    assert form.cleaned_data["in_network_deductible_met"] == Decimal("250")
    assert form.cleaned_data["in_network_coinsurance_percent"] == Decimal("20")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("in_network_deductible", "lots", "amount in dollars"),
        ("in_network_deductible", "-5", "cannot be negative"),
        ("in_network_copay", "12.345", "decimal places"),
        ("out_of_network_coinsurance_percent", "120", "between 0 and 100"),
    ],
)
def test_bad_money_is_refused_at_the_field_and_kept(db, field, value, message):
    form = _policy_form(**{field: value})
    assert not form.is_valid()
    assert message in form.errors[field][0]
    assert form[field].value() == value


def test_deductible_met_cannot_exceed_the_deductible(db):
    form = _policy_form(in_network_deductible="1000", in_network_deductible_met="1200")
    assert not form.is_valid()
    assert "cannot be more than the deductible" in form.errors["in_network_deductible_met"][0]


def test_the_database_refuses_negative_money(owner):
    policy = PolicyFactory(patient=owner.patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        InsurancePolicy.objects.filter(pk=policy.pk).update(in_network_copay=Decimal("-1"))


def test_a_patient_can_hold_several_policies(owner):
    PolicyFactory(patient=owner.patient, rank="primary", effective_date=datetime.date(2025, 1, 1))
    PolicyFactory(patient=owner.patient, rank="primary", effective_date=datetime.date(2026, 1, 1))
    PolicyFactory(patient=owner.patient, rank="secondary")
    assert owner.patient.policies.count() == 3


def test_the_payer_list_is_seeded_with_benefit_managers(db):
    names = set(Payer.objects.values_list("name", flat=True))
    assert {"Evicore", "Carelon Behavioral Health", "Magellan Healthcare", "CVS Caremark"} <= names
    assert {"Optum Behavioral Health", "UnitedHealthcare"} <= names


# --- Symptom scores ----------


def test_item_answers_make_the_total(owner):
    answers = [3, 3, 2, 2, 3, 2, 2, 1, 1]
    score = symptom_score_record(
        patient=owner.patient,
        instrument="phq9",
        taken_on=today(),
        item_answers=answers,
    )
    assert score.total == 19
    assert score.item_answers == answers


@pytest.mark.parametrize("answers", [[3] * 8, [4] * 9, [-1] + [0] * 8])
def test_incomplete_or_out_of_range_answers_are_refused(owner, answers):
    with pytest.raises(ValidationError):
        symptom_score_record(
            patient=owner.patient,
            instrument="phq9",
            taken_on=today(),
            item_answers=answers,
        )


def test_a_total_beyond_the_scale_is_refused(owner):
    with pytest.raises(ValidationError) as error:
        symptom_score_record(patient=owner.patient, instrument="gad7", taken_on=today(), total=22)
    assert "between 0 and 21" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        SymptomScore.objects.create(
            patient=owner.patient, instrument="phq9", taken_on=today(), total=28
        )


def test_diagnoses_keep_a_change_history(owner):
    diagnosis = DiagnosisFactory(patient=owner.patient)
    diagnosis.icd10_code = "F33.1"
    diagnosis.save()
    assert [h.icd10_code for h in diagnosis.history.all()] == ["F33.1", "F33.2"]
