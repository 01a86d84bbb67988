"""The appeal ladder (claims/ladder.py): each plan type's doors in order, the next door after a
loss, the letters offered and the regulator named (issue 15)."""

import pytest

from claims import ladder
from claims.models import Appeal, Letter, appeal_levels_for
from patients.models import InsurancePolicy

PlanType = InsurancePolicy.PlanType


@pytest.mark.parametrize(
    ("plan_type", "levels", "lost_first_next"),
    [
        (PlanType.EMPLOYER_FULLY_INSURED, ("internal_1", "internal_2", "external_review"),
         "internal_2"),
        # Individual plans: one internal level, then external review (45 CFR 147.136(b)(3)(ii)(G)).
        (PlanType.MARKETPLACE, ("internal_1", "external_review"), "external_review"),
        (PlanType.EMPLOYER_SELF_FUNDED, ("internal_1", "internal_2", "external_review"),
         "internal_2"),
        (PlanType.EMPLOYER_UNKNOWN, ("internal_1", "internal_2", "external_review"),
         "internal_2"),
        (PlanType.MEDICARE_ADVANTAGE, ("ma_reconsideration", "ma_ire", "alj"), "ma_ire"),
        (PlanType.MEDICARE, ("redetermination", "qic_reconsideration", "alj"),
         "qic_reconsideration"),
        (PlanType.MEDICAID, ("medicaid_plan_appeal", "state_fair_hearing"), "state_fair_hearing"),
        (PlanType.TRICARE, ("internal_1", "internal_2"), "internal_2"),
        (PlanType.FEHB, ("internal_1",), None),
        (PlanType.OTHER, ("internal_1", "internal_2", "external_review"), "internal_2"),
    ],
)  # fmt: skip
def test_each_plan_type_has_its_doors_in_order_and_a_next_one_after_a_loss(
    plan_type, levels, lost_first_next
):
    plan = ladder.ladder_for(plan_type)

    assert tuple(r.level for r in plan.rungs) == levels
    assert appeal_levels_for(plan_type) == (*levels, "other")  # the form's choices agree
    after_first = plan.next_door(levels[0])
    assert (after_first.level if after_first else None) == lost_first_next
    assert plan.next_door(levels[-1]) is None  # after the last door: plan.after_last
    assert str(plan.after_last)
    assert set(levels) <= set(Appeal.Level.values)
    assert set(plan.letters) <= set(Letter.Kind.values)
    assert plan.source


def test_every_plan_type_has_a_ladder():
    assert set(ladder.LADDERS) == set(PlanType.values)


@pytest.mark.parametrize(
    ("plan_type", "regulator", "process"),
    [
        (PlanType.EMPLOYER_FULLY_INSURED, "department of insurance", "state"),
        (PlanType.MARKETPLACE, "department of insurance", "state"),
        (PlanType.EMPLOYER_SELF_FUNDED, "Employee Benefits Security Administration", "federal"),
        (PlanType.MEDICARE_ADVANTAGE, "1-800-MEDICARE", ""),
        (PlanType.MEDICARE, "1-800-MEDICARE", ""),
        (PlanType.MEDICAID, "Medicaid agency", "fair_hearing"),
        (PlanType.FEHB, "Office of Personnel Management", ""),
    ],
)
def test_the_regulator_and_review_process_follow_the_plan_type(plan_type, regulator, process):
    plan = ladder.ladder_for(plan_type)

    assert regulator in str(plan.regulator.name)
    assert plan.review_process == process


def test_letters_fit_the_plan_type():
    # Parity law (MHPAEA) does not apply to Medicare (DOMAIN.md §4.4); the claim file and parity
    # requests cite ERISA/ACA rules that commercial plans follow.
    for plan_type in (PlanType.MEDICARE, PlanType.MEDICARE_ADVANTAGE, PlanType.MEDICAID):
        assert ladder.PARITY not in ladder.ladder_for(plan_type).letters
        assert ladder.CLAIM_FILE not in ladder.ladder_for(plan_type).letters
    assert ladder.PARITY in ladder.ladder_for(PlanType.EMPLOYER_SELF_FUNDED).letters
    # Medicare Advantage forwards a lost reconsideration to the IRE itself: nothing to request.
    assert ladder.EXTERNAL_REVIEW not in ladder.ladder_for(PlanType.MEDICARE_ADVANTAGE).letters
    assert ladder.ladder_for(PlanType.MEDICARE_ADVANTAGE).rungs[1].automatic
    # Every plan type can prepare the prescriber's peer-to-peer call (DOMAIN.md §4.5).
    assert all(ladder.PEER_TO_PEER in plan.letters for plan in ladder.LADDERS.values())


def test_a_plan_type_without_a_route_in_the_domain_notes_says_to_follow_the_letter():
    assert ladder.ladder_for(PlanType.TRICARE).check_letter
    assert ladder.ladder_for(None).check_letter
    assert not ladder.ladder_for(PlanType.EMPLOYER_SELF_FUNDED).check_letter


# --- the ladder on step 6 ---------------------------------------------------------------------


def _denied_case(owner, plan_type):
    from tests.factories import CaseFactory, DenialFactory, PolicyFactory

    policy = PolicyFactory(patient=owner.patient, plan_type=plan_type)
    case = CaseFactory(patient=owner.patient, policy=policy)
    return case, DenialFactory(pa_request__case=case)


def _step6(client, case) -> str:
    from django.urls import reverse

    page = client.get(reverse("claims:step_appeal", args=[case.public_id]))
    assert page.status_code == 200
    return " ".join(page.content.decode().split())


def test_step_6_shows_every_door_and_the_next_one_after_a_loss(owner_client, owner):
    from claims import services

    case, denial = _denied_case(owner, PlanType.EMPLOYER_SELF_FUNDED)
    filed = denial.received_on
    services.appeal_file(
        denial=denial,
        level="internal_1",
        filed_on=filed,
        outcome=Appeal.Outcome.UPHELD,
        decided_on=filed,
    )

    page = _step6(owner_client, case)

    for label in ("1. First internal appeal", "2. Second internal appeal", "3. External review"):
        assert label in page
    assert "Lost" in page
    assert "Next door: Second internal appeal" in page
    # The letters that fit a self-funded plan, each ready to make.
    for label in (
        "Request for the claim file",
        "parity comparative analysis",
        "External review request",
        "Complaint to the regulator",
        "Peer-to-peer",
    ):
        assert label in page  # fmt: skip


def test_a_won_appeal_closes_the_ladder_and_approves_the_request(owner_client, owner):
    from claims import services
    from claims.models import PriorAuthorizationRequest

    case, denial = _denied_case(owner, PlanType.MEDICAID)
    denied_on = denial.pa_request.decided_on
    services.appeal_file(
        denial=denial,
        level="medicaid_plan_appeal",
        filed_on=denial.received_on,
        outcome=Appeal.Outcome.OVERTURNED,
        decided_on=denial.received_on,
    )

    page = _step6(owner_client, case)
    denial.pa_request.refresh_from_db()

    assert "You won your appeal, so the ladder is closed" in page
    assert "Letters for the next steps" not in page
    assert denial.pa_request.decision == PriorAuthorizationRequest.Decision.APPROVED
    assert denial.pa_request.decided_on == denied_on  # the denial's date stays (defect 4)


# --- the staff side -----------------------------------------------------------------------------


def test_the_queue_filters_by_ladder_level_and_a_closing_external_review_window(
    client, otp_login, reviewer, clinic
):
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from claims import services
    from claims.models import Deadline
    from tests.factories import DenialFactory, PolicyFactory, SharedCaseFactory

    def shared_denied_case(plan_type):
        case = SharedCaseFactory(clinic=clinic)
        case.policy = PolicyFactory(patient=case.patient, plan_type=plan_type)
        case.save()
        return case, DenialFactory(pa_request__case=case)

    # A first appeal lost this week: the external review window (4 months) is open, not closing.
    today = timezone.localdate()
    lost, lost_denial = shared_denied_case(PlanType.EMPLOYER_SELF_FUNDED)
    week_ago = today - dt.timedelta(days=3)
    services.appeal_file(denial=lost_denial, level="internal_1", filed_on=week_ago,
                         outcome=Appeal.Outcome.UPHELD, decided_on=week_ago)  # fmt: skip
    # A second internal appeal lost four months ago less 10 days: the window closes in ~10 days.
    closing, closing_denial = shared_denied_case(PlanType.EMPLOYER_FULLY_INSURED)
    decided = today - dt.timedelta(days=112)
    services.appeal_file(denial=closing_denial, level="internal_2", filed_on=decided,
                         outcome=Appeal.Outcome.UPHELD, decided_on=decided)  # fmt: skip
    waiting, _denial = shared_denied_case(PlanType.MEDICAID)
    due = Deadline.objects.get(case=closing, kind="external_review").due_on
    assert today <= due <= today + dt.timedelta(days=14)

    otp_login(client, reviewer)
    changelist = reverse("admin:claims_coveragecase_changelist")

    def listed(query):
        page = client.get(changelist + query)
        assert page.status_code == 200
        return {c.pk for c in page.context["cl"].result_list}

    assert listed("?ladder=internal_1") == {lost.pk}
    assert listed("?ladder=internal_2") == {closing.pk}
    assert listed("?ladder=none") == {waiting.pk}
    assert listed("?external_review=14") == {closing.pk}

    page = client.get(reverse("admin:claims_coveragecase_change", args=[lost.pk]))
    text = " ".join(page.content.decode().split())
    assert "Appeal ladder" in text
    assert "First internal appeal" in text
    assert "Second internal appeal" in text
    assert ">Lost<" in text


def test_a_won_case_leaves_the_closing_external_review_window(client, otp_login, reviewer, clinic):
    # Issue 15 review, defect 3: a first appeal lost four months ago less 10 days opens an
    # external review window closing in ~10 days; once the second appeal is won, it is not listed.
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from claims import services
    from tests.factories import DenialFactory, PolicyFactory, SharedCaseFactory

    today = timezone.localdate()
    lost = today - dt.timedelta(days=112)
    cases = {}
    for name in ("waiting", "won"):
        case = SharedCaseFactory(clinic=clinic)
        case.policy = PolicyFactory(patient=case.patient, plan_type=PlanType.EMPLOYER_SELF_FUNDED)
        case.save()
        denial = DenialFactory(
            pa_request__case=case,
            pa_request__submitted_on=lost - dt.timedelta(days=60),
            pa_request__decided_on=lost - dt.timedelta(days=50),
            notice_date=lost - dt.timedelta(days=50),
            received_on=lost - dt.timedelta(days=45),
        )
        services.appeal_file(
            denial=denial,
            level="internal_1",
            filed_on=lost - dt.timedelta(days=30),
            outcome=Appeal.Outcome.UPHELD,
            decided_on=lost,
        )
        second = services.appeal_file(denial=denial, level="internal_2", filed_on=lost)
        cases[name] = (case, second)
    won_case, won_appeal = cases["won"]
    won_appeal.outcome, won_appeal.decided_on = Appeal.Outcome.OVERTURNED, today
    services.appeal_save(appeal=won_appeal)

    otp_login(client, reviewer)
    page = client.get(reverse("admin:claims_coveragecase_changelist") + "?external_review=14")

    assert page.status_code == 200
    assert {c.pk for c in page.context["cl"].result_list} == {cases["waiting"][0].pk}


# --- a won appeal and the request it answered (issue 15 review, defect 4) ----------------------


def _post_appeal(client, case, **values):
    import uuid

    from django.urls import reverse

    data = {"action": "appeal", "after": "stay", "submission_id": str(uuid.uuid4()), **values}
    response = client.post(reverse("claims:step_appeal", args=[case.public_id]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_won_appeal_keeps_the_denial_date_and_its_clocks(owner_client, owner):
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from claims.models import Deadline, PriorAuthorizationRequest
    from tests.factories import CaseFactory, DenialFactory, PolicyFactory

    today = timezone.localdate()
    denied_on = today - dt.timedelta(days=40)
    policy = PolicyFactory(patient=owner.patient, plan_type=PlanType.EMPLOYER_SELF_FUNDED)
    case = CaseFactory(patient=owner.patient, policy=policy)
    denial = DenialFactory(
        pa_request__case=case,
        pa_request__submitted_on=denied_on - dt.timedelta(days=10),
        pa_request__decided_on=denied_on,
        pa_request__decision_received_on=denied_on + dt.timedelta(days=3),
        notice_date=denied_on,
        received_on=denied_on + dt.timedelta(days=3),
    )
    from claims import services

    services.deadlines_refresh(case=case)
    filing = Deadline.objects.get(case=case, kind="appeal_filing")

    _post_appeal(owner_client, case, level="internal_1", outcome="overturned",
                 filed_on=(today - dt.timedelta(days=20)).isoformat(),
                 decided_on=(today - dt.timedelta(days=2)).isoformat())  # fmt: skip

    request = denial.pa_request
    request.refresh_from_db()
    assert request.decision == PriorAuthorizationRequest.Decision.APPROVED
    assert request.decided_on == denied_on  # the denial's date, which the clocks count from
    assert Deadline.objects.get(pk=filing.pk).due_on == filing.due_on
    # Step 5 shows the decision as saved; the patient adds the approval's dates and saves it
    # unchanged otherwise: the letter's dates still agree (received after the date on it).
    step5 = reverse("claims:step_submit", args=[case.public_id])
    form = owner_client.get(step5).context["forms"]["decision"]
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {
        "action": "decision",
        "after": "stay",
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=180)).isoformat(),
    }
    response = owner_client.post(step5, {k: str(v) for k, v in data.items()})
    assert response.status_code == 302, response.content.decode()[:2000]
    request.refresh_from_db()
    assert (request.decision, request.decided_on) == ("approved", denied_on)


@pytest.mark.parametrize("original", ["denied", "partially_approved"])
def test_an_appeal_corrected_away_from_won_puts_the_request_back(owner_client, owner, original):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import CaseFactory, DenialFactory, PolicyFactory

    today = timezone.localdate()
    policy = PolicyFactory(patient=owner.patient, plan_type=PlanType.EMPLOYER_SELF_FUNDED)
    case = CaseFactory(patient=owner.patient, policy=policy)
    denial = DenialFactory(pa_request__case=case, pa_request__decision=original)
    filed, decided = today - dt.timedelta(days=20), today - dt.timedelta(days=2)
    _post_appeal(owner_client, case, level="internal_1", outcome="overturned",
                 filed_on=filed.isoformat(), decided_on=decided.isoformat())  # fmt: skip
    request = denial.pa_request
    request.refresh_from_db()
    assert request.decision == "approved"

    appeal = denial.appeals.get()
    _post_appeal(owner_client, case, id=str(appeal.public_id), level="internal_1",
                 outcome="upheld", filed_on=filed.isoformat(),
                 decided_on=decided.isoformat())  # fmt: skip

    request.refresh_from_db()
    assert request.decision == original
    page = _step6(owner_client, case)
    assert "You won your appeal" not in page
    assert "Next door: Second internal appeal" in page


def test_an_appeal_logged_without_a_filing_date_is_not_started_and_keeps_its_last_day(
    owner_client, owner
):
    # Issue 15 review, defect 8: an appeal row with no filed_on and no outcome yet is a draft of
    # the patient's, not an appeal the plan has: the door still shows its last day to file.
    import re

    from claims import services
    from claims.models import Deadline

    case, denial = _denied_case(owner, PlanType.EMPLOYER_SELF_FUNDED)
    services.appeal_file(denial=denial, level="internal_1")
    file_by = Deadline.objects.get(case=case, kind="appeal_filing").due_on

    page = _step6(owner_client, case)
    (row,) = re.findall(r"<tr[^>]*> <th[^>]*>1\. First internal appeal</th>.*?</tr>", page)

    assert "Not started" in row
    assert file_by.strftime("%m/%d/%Y") in row
    assert "Filed, waiting" not in row


def test_the_case_page_labels_the_ladder_and_the_criteria_check_each_once(
    client, otp_login, reviewer, clinic
):
    # Issue 15 review, defect 10: the criteria check's label sat on the ladder too.
    import re

    from django.urls import reverse

    from tests.factories import SharedCaseFactory

    case = SharedCaseFactory(clinic=clinic)
    otp_login(client, reviewer)

    page = client.get(reverse("admin:claims_coveragecase_change", args=[case.pk]))

    assert page.status_code == 200
    labels = re.findall(r"<label>([^<]*):</label>", page.content.decode())
    assert labels.count("Appeal ladder") == 1
    assert labels.count("Criteria check") == 1
