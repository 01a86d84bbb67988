"""PHQ-9 and GAD-7 filled in item by item (patients.scales, the questionnaire pages) and the safety
response to PHQ-9 item 9 above zero: crisis resources at once, acknowledged, kept on the dashboard
for 14 days, flagged in the clinic's queue, and never in an email or a log line (issue 13)."""

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from claims import services as claim_services
from patients import scales, services
from patients.models import SymptomScore
from tests.factories import CaseFactory, SharedCaseFactory, SymptomScoreFactory, days_ago, today

ITEM_9 = "Thoughts that you would be better off dead or of hurting yourself in some way"
CRISIS = "988 Suicide & Crisis Lifeline"
# Words that would give the answer away; none may reach an email or a log line.
TELLING = ["988", "crisis", "safety", "harm", "dead", "suicid", "item_9", "item 9"]


def _answers(total: int, items: int, *, item_9: int | None = None) -> list[int]:
    """Answers (0–3 each) adding up to `total`; the last item (PHQ-9's item 9) as given, if it
    is given."""
    rest = total - (item_9 or 0)
    answers = []
    for _ in range(items if item_9 is None else items - 1):
        answers.append(min(3, rest))
        rest -= answers[-1]
    assert rest == 0, "total out of reach"
    return answers if item_9 is None else [*answers, item_9]


def _post_data(answers: list[int | None]) -> dict:
    return {f"item_{n}": str(a) for n, a in enumerate(answers, start=1) if a is not None}


# --- Scoring: every band boundary (DOMAIN.md §5) --------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none"),
        (4, "none"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_answers_score_into_their_band(total, band):
    answers = _answers(total, 9)

    assert scales.score_answers("phq9", answers) == total
    assert scales.severity("phq9", total) == band


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_answers_score_into_their_band(total, band):
    answers = _answers(total, 7)

    assert scales.score_answers("gad7", answers) == total
    assert scales.severity("gad7", total) == band


@pytest.mark.parametrize(
    "answers",
    [
        [1] * 8,  # one short
        [1] * 10,  # one too many
        [1] * 8 + [None],  # unanswered
        [1] * 8 + [4],  # out of range
        [1] * 8 + [-1],
        [1] * 8 + [True],  # a bool is not an answer
    ],
)
def test_incomplete_or_out_of_range_answers_are_not_scored(answers):
    with pytest.raises(scales.IncompleteAnswers):
        scales.score_answers("phq9", answers)


def test_a_total_only_scale_is_not_scored_item_by_item():
    with pytest.raises(scales.IncompleteAnswers):
        scales.score_answers("madrs", [1] * 10)


@pytest.mark.parametrize(("item_9", "flagged"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item_9_above_zero_needs_the_safety_response(item_9, flagged):
    assert scales.needs_safety_response("phq9", _answers(item_9, 9, item_9=item_9)) is flagged


def test_gad7_never_needs_the_safety_response():
    assert not scales.needs_safety_response("gad7", [3] * 7)
    assert not scales.needs_safety_response("phq9", None)


def test_the_safety_window_is_open_for_14_days_from_the_answer():
    answered = timezone.now()

    assert scales.safety_window_open(answered, answered)
    assert scales.safety_window_open(answered, answered + timedelta(days=13))
    assert not scales.safety_window_open(answered, answered + timedelta(days=14))
    assert not scales.safety_window_open(answered, answered + timedelta(days=15))
    # A clock set back after the answer does not hide the crisis resources.
    assert scales.safety_window_open(answered, answered - timedelta(minutes=5))


@pytest.mark.parametrize(
    ("baseline", "latest", "change"),
    [(21, 9, -57.14), (10, 10, 0.0), (10, 15, 50.0), (27, 0, -100.0), (0, 5, None)],
)
def test_percent_change_from_baseline(baseline, latest, change):
    result = scales.percent_change(baseline, latest)

    assert result == change if change is None else round(result, 2) == change


# --- Recording --------------------------------------------------------------------------------


@pytest.mark.parametrize(("item_9", "flagged"), [(0, False), (1, True)])
def test_recording_answers_sums_them_and_sets_the_safety_flag(owner, item_9, flagged):
    score = services.symptom_score_record(
        patient=owner.patient,
        instrument="phq9",
        taken_on=today(),
        item_answers=_answers(12, 9, item_9=item_9),
    )

    assert score.total == 12
    assert score.safety_flag is flagged
    assert score.item_answers[8] == item_9


@pytest.mark.parametrize(
    "fields",
    [
        {"item_answers": [4] * 9, "total": 27},  # an answer above 3
        {"item_answers": [1] * 8, "total": 8},  # one short
        {"item_answers": [1] * 10, "total": 9},  # one too many
        {"item_answers": [1] * 9, "total": 9, "safety_flag": False},  # item 9 = 1, no flag
        {"item_answers": [1] * 8 + [0], "total": 8, "safety_flag": True},  # flag, item 9 = 0
        {"item_answers": None, "total": 8, "safety_flag": True},  # flag without answers
        {"instrument": "madrs", "item_answers": [1] * 9, "total": 9},  # a total-only scale
    ],
)
def test_the_database_refuses_answers_outside_the_scale(owner, fields):
    score = SymptomScore(
        patient=owner.patient, instrument=fields.pop("instrument", "phq9"), taken_on=today()
    )
    for name, value in fields.items():
        setattr(score, name, value)

    with pytest.raises(IntegrityError), transaction.atomic():
        score.save()


def test_acknowledging_records_the_time_once(owner):
    score = SymptomScoreFactory(
        patient=owner.patient, item_answers=[0] * 8 + [1], total=1, safety_flag=True
    )
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = services.safety_acknowledge(score=score).safety_acknowledged_at
        clock.shift(timedelta(hours=1))
        again = services.safety_acknowledge(score=score).safety_acknowledged_at

    assert first is not None
    assert again == first


# --- The questionnaire pages ------------------------------------------------------------------


@pytest.fixture
def case(owner):
    return CaseFactory(patient=owner.patient)


def _phq9_url(case):
    return reverse("claims:questionnaire_phq9", kwargs={"coveragecase_id": case.public_id})


def test_the_phq9_page_asks_every_item_with_its_source(owner_client, case):
    body = owner_client.get(_phq9_url(case)).content.decode()

    for item in scales.PHQ9.items:
        assert str(item).replace("'", "&#x27;") in body
    for _, label in scales.ANSWERS:
        assert str(label) in body
    assert "Kroenke K, Spitzer RL, Williams JBW" in body
    assert "No permission required to reproduce, translate, display or distribute" in body
    # The crisis resources wait, hidden, for an answer to item 9 (the next test).
    assert 'id="safety-message" aria-labelledby="safety-heading" data-reveal-for' in body


def test_the_gad7_page_is_scored_and_banded(owner_client, case):
    url = reverse("claims:questionnaire_gad7", kwargs={"coveragecase_id": case.public_id})

    response = owner_client.post(url, _post_data(_answers(10, 7)), follow=True)

    score = case.patient.symptom_scores.get()
    assert (score.instrument, score.total, score.taken_on) == ("gad7", 10, today())
    body = response.content.decode()
    assert "<strong>10</strong> of 21" in body
    assert "moderate" in body
    assert CRISIS not in body


def test_item_9_at_zero_saves_without_the_crisis_resources(owner_client, case):
    response = owner_client.post(_phq9_url(case), _post_data(_answers(14, 9)), follow=True)

    score = case.patient.symptom_scores.get()
    assert not score.safety_flag
    assert CRISIS not in response.content.decode()
    assert CRISIS not in owner_client.get(reverse("claims:dashboard")).content.decode()


def test_item_9_above_zero_shows_the_crisis_resources_at_once(owner_client, case):
    response = owner_client.post(
        _phq9_url(case), _post_data(_answers(15, 9, item_9=1)), follow=True
    )

    score = case.patient.symptom_scores.get()
    assert score.safety_flag
    assert response.redirect_chain[-1][0] == reverse(
        "claims:score_result",
        kwargs={"coveragecase_id": case.public_id, "symptomscore_id": score.public_id},
    )
    body = response.content.decode()
    assert CRISIS in body
    assert "call or text 988" in body
    assert "988lifeline.org" in body
    assert "call 911 or go to the nearest emergency room" in body
    assert "This app cannot respond to emergencies" in body
    assert "I have read this" in body
    assert 'role="alert"' in body


def test_the_phq9_page_holds_the_help_hidden_right_after_item_9(owner_client, case):
    """Shown by static/js/forms.js the moment item 9 is answered above zero, before saving
    (the browser test clicks it); only the PHQ-9 has it."""
    body = owner_client.get(_phq9_url(case)).content.decode()

    message = re.search(r'<section[^>]*data-reveal-for="item_9"[^>]*>', body)
    assert message
    assert " hidden" in message[0]
    assert 'role="alert"' not in message[0]  # added when it is shown, so it is read out then
    assert body.index('id="q-9"') < message.start() < body.index("Save my answers")
    assert CRISIS in body[message.start() :]
    gad7 = reverse("claims:questionnaire_gad7", kwargs={"coveragecase_id": case.public_id})
    assert "data-reveal-for" not in owner_client.get(gad7).content.decode()


def test_band_names_follow_the_language(settings):
    """Band names are marked for translation (patient pages show them; letters stay English)."""
    from django.utils.functional import Promise

    for scale in (scales.SCALES["phq9"], scales.SCALES["gad7"]):
        assert all(isinstance(label, Promise) for _lowest, label in scale.bands)
    assert scales.severity("phq9", 21) == "severe"


def test_an_incomplete_form_is_refused_and_keeps_every_answer(owner_client, case):
    answers = [2, 1, None, 3, 0, None, 1, 2, 1]  # two unanswered, item 9 = 1

    response = owner_client.post(_phq9_url(case), _post_data(answers))

    assert response.status_code == 200
    assert not case.patient.symptom_scores.exists()
    body = response.content.decode()
    assert "2 questions have no answer yet. Your other answers are kept." in body
    for n, answer in enumerate(answers, start=1):
        checked = re.findall(rf'<input[^>]*name="item_{n}"[^>]*value="(\d)"[^>]*checked', body)
        assert checked == ([] if answer is None else [str(answer)]), n
    # Item 9 above zero: the crisis resources do not wait for the missing answers.
    assert CRISIS in body


def test_a_double_submission_saves_once(owner_client, case):
    data = {**_post_data(_answers(6, 9)), "submission_id": "6b1f0f4e-0e55-4b7a-9f52-5f3d1c3f2a10"}

    owner_client.post(_phq9_url(case), data)
    owner_client.post(_phq9_url(case), data)

    assert case.patient.symptom_scores.count() == 1


# --- Acknowledgement and the dashboard ---------------------------------------------------------


def _flagged(owner, case):
    return claim_services.questionnaire_record(
        patient=owner.patient, instrument="phq9", answers=_answers(12, 9, item_9=1)
    )


def test_the_acknowledgement_is_recorded_and_returns_to_the_page(owner_client, owner, case):
    score = _flagged(owner, case)
    back = reverse(
        "claims:score_result",
        kwargs={"coveragecase_id": case.public_id, "symptomscore_id": score.public_id},
    )
    url = reverse("patients:safety_acknowledge", kwargs={"symptomscore_id": score.public_id})

    response = owner_client.post(url, {"next": back})

    assert response.status_code == 302
    assert response["Location"] == back
    score.refresh_from_db()
    assert score.safety_acknowledged_at is not None
    assert "You read this on" in owner_client.get(back).content.decode()


def test_the_acknowledgement_goes_nowhere_off_site(owner_client, owner, case):
    score = _flagged(owner, case)
    url = reverse("patients:safety_acknowledge", kwargs={"symptomscore_id": score.public_id})

    response = owner_client.post(url, {"next": "https://evil.example.com/"})

    assert response["Location"] == reverse("claims:dashboard")


def test_only_a_flagged_score_can_be_acknowledged(owner_client, owner):
    score = SymptomScoreFactory(patient=owner.patient)
    url = reverse("patients:safety_acknowledge", kwargs={"symptomscore_id": score.public_id})

    assert owner_client.post(url).status_code == 404


# -1: the server clock was set back a day after the answer (the flag must not vanish).
@pytest.mark.parametrize(("days", "shown"), [(-1, True), (0, True), (13, True), (15, False)])
def test_the_dashboard_keeps_the_crisis_resources_for_14_days(
    owner_client, owner, case, days, shown
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _flagged(owner, case)
        clock.shift(timedelta(days=days))
        owner_client.force_login(owner)  # the first session has timed out by then

        body = owner_client.get(reverse("claims:dashboard")).content.decode()

    assert (CRISIS in body) is shown


def test_the_dashboard_still_shows_it_after_the_acknowledgement(owner_client, owner, case):
    score = _flagged(owner, case)
    services.safety_acknowledge(score=score)

    body = owner_client.get(reverse("claims:dashboard")).content.decode()

    assert CRISIS in body
    assert "I have read this" not in body
    assert "You read this on" in body


def test_the_message_does_not_promise_a_clinic_follow_up(owner_client, owner):
    case = SharedCaseFactory(patient=owner.patient)
    _flagged(owner, case)

    body = owner_client.get(reverse("claims:dashboard")).content.decode()

    assert "Your clinic's staff will see a note" in body
    assert "not right away" in body


# --- Who may see it -----------------------------------------------------------------------------


def _urls(owner, case):
    score = _flagged(owner, case)
    kwargs = {"coveragecase_id": case.public_id}
    return [
        ("get", _phq9_url(case)),
        ("post", _phq9_url(case)),
        ("get", reverse("claims:questionnaire_gad7", kwargs=kwargs)),
        (
            "get",
            reverse("claims:score_result", kwargs={**kwargs, "symptomscore_id": score.public_id}),
        ),
        (
            "post",
            reverse("patients:safety_acknowledge", kwargs={"symptomscore_id": score.public_id}),
        ),
    ]


@pytest.mark.parametrize("intruder", ["outsider", "other_clinic_staff"])
def test_others_get_404(request, client, owner, case, intruder):
    client.force_login(request.getfixturevalue(intruder))

    for method, url in _urls(owner, case):
        assert getattr(client, method)(url).status_code == 404, url


def test_anonymous_is_sent_to_login(client, owner, case):
    for method, url in _urls(owner, case):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("patients:login"))


# --- The clinic's queue --------------------------------------------------------------------------


def test_the_queue_flags_the_case_for_its_clinic_only(
    client, otp_login, owner, clinic, reviewer, other_reviewer, outsider
):
    flagged = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    calm = SharedCaseFactory(patient=outsider.patient, clinic=clinic)
    _flagged(owner, flagged)
    SymptomScoreFactory(patient=outsider.patient, item_answers=[1] * 8 + [0], total=8)
    queue = reverse("admin:claims_coveragecase_changelist")

    otp_login(client, reviewer)
    body = client.get(queue).content.decode()
    rows = {case.public_id: _row(body, case) for case in (flagged, calm)}
    assert "Safety flag" in rows[flagged.public_id]
    assert "Safety flag" not in rows[calm.public_id]
    assert ITEM_9 not in body
    assert "item 9" not in body.lower()
    only_flagged = client.get(queue, {"safety": "yes"}).content.decode()
    assert str(flagged.public_id)[:8] in only_flagged
    assert str(calm.public_id)[:8] not in only_flagged

    client.logout()
    otp_login(client, other_reviewer)
    assert str(flagged.public_id)[:8] not in client.get(queue).content.decode()


def _row(body: str, case) -> str:
    start = body.index(str(case.public_id)[:8])
    return body[start : body.index("</tr>", start)]


def test_the_flag_leaves_the_queue_after_14_days(client, otp_login, owner, clinic, reviewer):
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    queue = reverse("admin:claims_coveragecase_changelist")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _flagged(owner, case)
        clock.shift(timedelta(days=13))
        otp_login(client, reviewer)
        assert "Safety flag" in _row(client.get(queue).content.decode(), case)
        clock.shift(timedelta(days=2))
        otp_login(client, reviewer)
        assert "Safety flag" not in _row(client.get(queue).content.decode(), case)


# --- Nothing leaves the app, nothing is logged -------------------------------------------------


def test_the_whole_flow_sends_no_detail_and_logs_nothing(
    client,
    otp_login,
    owner,
    clinic,
    reviewer,
    mailoutbox,
    caplog,
    django_capture_on_commit_callbacks,
):
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    caplog.set_level(logging.DEBUG)

    client.force_login(owner)
    response = client.post(_phq9_url(case), _post_data(_answers(15, 9, item_9=2)), follow=True)
    score = case.patient.symptom_scores.get()
    assert CRISIS in response.content.decode()
    client.post(
        reverse("patients:safety_acknowledge", kwargs={"symptomscore_id": score.public_id}),
        {"next": reverse("claims:dashboard")},
        follow=True,
    )
    client.logout()
    otp_login(client, reviewer)
    assert (
        "Safety flag"
        in client.get(reverse("admin:claims_coveragecase_changelist")).content.decode()
    )
    client.get(reverse("admin:claims_coveragecase_change", args=[case.pk]))

    # The clinic asks for changes: the one email this flow sends, to the patient.
    with django_capture_on_commit_callbacks(execute=True):
        claim_services.case_request_changes(
            case=case, by=reviewer, note="Please add a photo of your insurance card."
        )
    assert mailoutbox

    for message in mailoutbox:
        text = " ".join(
            [message.subject, message.body, *(body for body, _ in message.alternatives)]
        ).lower()
        for word in TELLING:
            assert word not in text, word
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args}" for r in caplog.records).lower()
    assert caplog.records  # logging was captured, so the check above could fail
    for word in [*TELLING, str(score.public_id)]:
        # A number as a whole number: "988" may turn up inside a log line's microseconds
        # (".559880"); words as stems ("suicid").
        pattern = rf"(?<![\d.]){word}(?!\d)" if word.isdigit() else re.escape(word.lower())
        assert not re.search(pattern, logged), word


# --- Clinician scales: totals with the date and who gave them ---------------------------------


def _history_url(case):
    return reverse("claims:step_history", kwargs={"coveragecase_id": case.public_id})


def test_a_madrs_total_needs_who_gave_it_and_keeps_what_was_typed(owner_client, case):
    data = {
        "action": "score",
        "instrument": "madrs",
        "taken_on": days_ago(10).isoformat(),
        "total": "31",
    }

    refused = owner_client.post(_history_url(case), data)

    assert refused.status_code == 200
    assert not case.patient.symptom_scores.exists()
    body = refused.content.decode()
    assert "Please say who gave it" in body
    assert 'value="31"' in body
    assert days_ago(10).isoformat() in body

    owner_client.post(_history_url(case), {**data, "given_by": "Dr. Lee, Lakeside Psychiatry"})

    score = case.patient.symptom_scores.get()
    assert (score.total, score.given_by, score.administered_by_clinician) == (
        31,
        "Dr. Lee, Lakeside Psychiatry",
        True,
    )


def test_step_2_draws_the_scores_over_time(owner_client, owner, case):
    SymptomScoreFactory(patient=owner.patient, taken_on=days_ago(90), total=21)
    SymptomScoreFactory(patient=owner.patient, taken_on=days_ago(10), total=9)

    body = owner_client.get(_history_url(case)).content.decode()

    assert "<svg" in body
    assert "<polyline" in body
    assert "Since first: −57%" in body
