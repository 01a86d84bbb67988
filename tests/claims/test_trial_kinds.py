"""The kind of a treatment decides its fields (issue 13, part 4): a medication has a dose, a unit
and a role (antidepressant, added to one, or for something else); talk therapy, ECT and TMS have
sessions and weeks, and talk therapy its type. Step 2's form, the database, the letters, the
packet and the staff pages follow the kind, and rows saved before are migrated."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from claims import services
from claims.letters import draft_medical_necessity_letter
from claims.letters.sections import trial_line
from claims.models import Packet
from patients.models import TreatmentTrial
from patients.services import treatment_trial_save
from tests.conftest import packet_page_texts
from tests.factories import (
    CaseFactory,
    DiagnosisFactory,
    PolicyFactory,
    SharedCaseFactory,
    TreatmentTrialFactory,
)


@pytest.fixture
def case(owner):
    patient = owner.patient
    return CaseFactory(patient=patient, policy=PolicyFactory(patient=patient))


def _post_trial(client, case, **fields):
    url = reverse("claims:step_history", kwargs={"coveragecase_id": case.public_id})
    data = {"action": "trial", "after": "stay", "adherence": "unknown", "dose_unit": "mg/day"}
    return client.post(url, {**data, **fields})


def test_talk_therapy_is_saved_with_its_type_sessions_and_weeks_and_no_dose(
    owner_client, owner, case
):
    # What the hidden medication fields still hold (typed before switching the kind, or shown
    # without JavaScript) is set aside, not refused and not saved.
    response = _post_trial(
        owner_client,
        case,
        kind="psychotherapy",
        name_as_entered="CBT with Dr. Ames",
        therapy_type="cbt",
        sessions="16",
        course_weeks="20",
        daily_dose="not a number",
        role="augmentation",
        weeks_at_dose="3",
        started="03/2021",
        response="partial",
    )

    assert response.status_code == 302
    trial = owner.patient.treatment_trials.get()
    assert (trial.kind, trial.therapy_type, trial.sessions) == ("psychotherapy", "cbt", 16)
    assert trial.weeks_at_dose == 20
    assert (trial.daily_dose, trial.role) == (None, "")
    page = owner_client.get(
        reverse("claims:step_history", kwargs={"coveragecase_id": case.public_id})
    ).text
    assert "16 sessions" in page
    assert "CBT (cognitive behavioral therapy)" in page


def test_a_medication_keeps_its_dose_and_role_and_sets_hidden_sessions_aside(
    owner_client, owner, case
):
    response = _post_trial(
        owner_client,
        case,
        kind="medication",
        name_as_entered="Wellbutrin XL",
        role="augmentation",
        daily_dose="300",
        weeks_at_dose="9",
        sessions="many",
        therapy_type="cbt",
        response="no_response",
    )

    assert response.status_code == 302
    trial = owner.patient.treatment_trials.get()
    assert (trial.drug_generic, trial.daily_dose, trial.weeks_at_dose) == (
        "bupropion",
        Decimal("300"),
        9,
    )
    assert (trial.role, trial.sessions, trial.therapy_type) == ("augmentation", None, "")


def test_a_refused_therapy_keeps_every_value_typed(owner_client, owner, case):
    response = _post_trial(
        owner_client,
        case,
        kind="psychotherapy",
        name_as_entered="DBT group",
        therapy_type="dbt",
        sessions="-2",
        course_weeks="26",
    )

    assert response.status_code == 200
    form = response.context["forms"]["trial"]
    assert "sessions" in form.errors
    assert form["name_as_entered"].value() == "DBT group"
    assert form["therapy_type"].value() == "dbt"
    assert form["course_weeks"].value() == "26"
    assert not owner.patient.treatment_trials.exists()


def test_editing_a_medication_into_therapy_clears_the_dose(owner_client, owner, case):
    trial = TreatmentTrialFactory(patient=owner.patient, name_as_entered="CBT")

    url = reverse("claims:step_history", kwargs={"coveragecase_id": case.public_id})
    form = owner_client.get(url, {"trial": trial.public_id}).context["forms"]["trial"]
    assert form.initial["weeks_at_dose"] == 8  # shown as a medication's weeks before the change

    response = _post_trial(
        owner_client,
        case,
        id=trial.public_id,
        kind="psychotherapy",
        name_as_entered="CBT",
        daily_dose="150",
        sessions="12",
        course_weeks="12",
    )

    assert response.status_code == 302
    trial.refresh_from_db()
    assert (trial.kind, trial.daily_dose, trial.sessions, trial.weeks_at_dose) == (
        "psychotherapy",
        None,
        12,
        12,
    )
    form = owner_client.get(url, {"trial": trial.public_id}).context["forms"]["trial"]
    assert form.initial["course_weeks"] == 12


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "psychotherapy", "daily_dose": Decimal(50)},
        {"kind": "ect", "role": "augmentation", "daily_dose": None},
        {"kind": "medication", "sessions": 10},
        {"kind": "tms", "therapy_type": "cbt", "daily_dose": None},
    ],
)
def test_the_database_refuses_another_kinds_fields(owner, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentTrialFactory(patient=owner.patient, **fields)


def test_an_add_on_note_typed_in_the_name_becomes_the_role(owner_client, owner, case):
    _post_trial(
        owner_client,
        case,
        kind="medication",
        name_as_entered="aripiprazole (augmentation)",
        daily_dose="5",
        weeks_at_dose="8",
        response="side_effects",
    )

    trial = owner.patient.treatment_trials.get()
    assert (trial.name_as_entered, trial.drug_generic, trial.role) == (
        "aripiprazole",
        "aripiprazole",
        "augmentation",
    )
    line = trial_line(trial)
    assert line.startswith("- aripiprazole, augmentation: 5 mg/day")
    assert "(augmentation))" not in line


def test_the_letter_lists_add_ons_and_therapy_by_what_they_were(owner, case):
    patient = owner.patient
    DiagnosisFactory(patient=patient, icd10_code="F33.2", is_primary=True)
    TreatmentTrialFactory(patient=patient)  # sertraline, failed
    TreatmentTrialFactory(patient=patient, name_as_entered="Effexor", drug_generic="venlafaxine")
    for trial in [
        TreatmentTrial(
            patient=patient, name_as_entered="Wellbutrin", daily_dose=300, weeks_at_dose=9,
            role="augmentation", response="no_response",
        ),
        TreatmentTrial(
            patient=patient, name_as_entered="trazodone", daily_dose=50, weeks_at_dose=30,
            role="other", response="ongoing",
        ),
        TreatmentTrial(
            patient=patient, kind="psychotherapy", name_as_entered="CBT", therapy_type="cbt",
            sessions=16, weeks_at_dose=20, response="partial",
        ),
    ]:  # fmt: skip
        treatment_trial_save(trial=trial)

    text = draft_medical_necessity_letter(case)

    assert "2 antidepressant trials" in text  # sertraline and venlafaxine, not bupropion
    assert "- bupropion (Wellbutrin), NDRI, added to an antidepressant: 300 mg/day" in text
    assert "trazodone, SARI, not taken as an antidepressant" in text
    assert "CBT (cognitive behavioral therapy); 16 sessions; 20 weeks" in text
    assert "mg/day" not in _line_with(text, "16 sessions")


def _line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


@pytest.mark.pdf
def test_the_packet_table_prints_sessions_for_therapy_and_the_role_of_an_add_on(
    owner, case, django_capture_on_commit_callbacks
):
    patient = owner.patient
    for trial in [
        TreatmentTrial(
            patient=patient, name_as_entered="Wellbutrin", daily_dose=300, weeks_at_dose=9,
            role="augmentation", response="no_response",
        ),
        TreatmentTrial(
            patient=patient, kind="tms", name_as_entered="TMS at Lakeside", sessions=36,
            weeks_at_dose=7, response="no_response",
        ),
    ]:  # fmt: skip
        treatment_trial_save(trial=trial)

    with django_capture_on_commit_callbacks(execute=True):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    packet.refresh_from_db()

    assert packet.status == Packet.Status.READY
    text = " ".join(" ".join(packet_page_texts(packet)).split())
    assert "Dose or sessions" in text
    assert "36 sessions" in text
    assert "TMS (transcranial magnetic stimulation): TMS at Lakeside" in text
    assert "NDRI, added to an antidepressant" in text
    assert "[sessions]" not in text


def test_the_staff_case_page_shows_sessions_and_the_role(client, otp_login, reviewer):
    case = SharedCaseFactory(clinic=reviewer.clinics.get())
    for trial in [
        TreatmentTrial(
            patient=case.patient, kind="psychotherapy", name_as_entered="IPT", therapy_type="ipt",
            sessions=14, weeks_at_dose=16, response="partial",
        ),
        TreatmentTrial(
            patient=case.patient, name_as_entered="bupropion", daily_dose=300, weeks_at_dose=9,
            role="augmentation", response="no_response",
        ),
    ]:  # fmt: skip
        treatment_trial_save(trial=trial)
    otp_login(client, reviewer)

    html = client.get(reverse("admin:claims_coveragecase_change", args=[case.pk])).text

    assert "Dose or sessions" in html
    assert "14 sessions" in html
    assert "IPT (interpersonal therapy)" in html
    assert "NDRI, added to an antidepressant" in html


@pytest.mark.slow  # migrates back and forth: about 3 s, run by `make test`, not `make test-fast`
def test_the_migration_gives_each_kind_its_fields(seeds_restored, transactional_db):
    """Rows saved by the old form: a therapy with a dose unit and a dose, "CBT 16 sessions",
    and a drug named "aripiprazole (augmentation)"."""
    executor = MigrationExecutor(connection)
    before = [("patients", "0004_questionnaires_safety")]
    # Back to before 0005 unapplies every later migration that depends on it (in any app); the
    # test ends with all of them applied again, or later tests in this process would meet a
    # schema without their columns.
    after = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        patient = old.get_model("patients", "Patient").objects.create(
            user=old.get_model("patients", "User").objects.create(email="m@example.com")
        )
        Trial = old.get_model("patients", "TreatmentTrial")  # noqa: N806 - a model class
        therapy = Trial.objects.create(
            patient=patient, kind="psychotherapy", name_as_entered="CBT 16 sessions",
            daily_dose=Decimal(1), dose_unit="mg/day", weeks_at_dose=16,
        )  # fmt: skip
        add_on = Trial.objects.create(
            patient=patient, kind="medication", name_as_entered="aripiprazole (augmentation)",
            drug_generic="aripiprazole", drug_class="augmentation", daily_dose=Decimal(5),
        )  # fmt: skip
        plain = Trial.objects.create(patient=patient, name_as_entered="Zoloft (sertraline)")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(after)

    assert not MigrationExecutor(connection).migration_plan(after)  # the whole schema is back

    new = {t.pk: t for t in TreatmentTrial.objects.all()}
    assert (new[therapy.pk].daily_dose, new[therapy.pk].therapy_type) == (None, "cbt")
    assert (new[therapy.pk].sessions, new[therapy.pk].weeks_at_dose) == (16, 16)
    assert (new[add_on.pk].name_as_entered, new[add_on.pk].role) == ("aripiprazole", "augmentation")
    assert (new[plain.pk].name_as_entered, new[plain.pk].role) == ("Zoloft (sertraline)", "")
