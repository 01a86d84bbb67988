"""Out-of-network claims (issue 16): the patient's page, the denied claim that opens a
post-service appeal with its clocks, the 30-day follow-up reminder, and the places that must not
mistake a claim's request for the pre-authorization. Dates are fixed, under a fixed clock."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from claims import services
from claims.letters import draft_letter
from claims.models import (
    Deadline,
    Denial,
    OutOfNetworkClaim,
    PriorAuthorizationRequest,
    ReminderSent,
    SupportingDocument,
    TreatmentSession,
)
from claims.progress import steps_of
from tests.factories import CaseFactory, DenialFactory, PolicyFactory, pdf_upload

NOW = dt.datetime(2026, 3, 20, 15, tzinfo=dt.UTC)
SENT = dt.date(2026, 1, 5)
ANSWERED = dt.date(2026, 2, 2)
FILED = dt.date(2026, 2, 10)
Decision = PriorAuthorizationRequest.Decision


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _case(owner, plan_type="employer_self_funded"):
    patient = owner.patient
    return CaseFactory(patient=patient, policy=PolicyFactory(patient=patient, plan_type=plan_type))


def _session(case, day, charge="900"):
    return TreatmentSession.objects.create(
        case=case,
        service_date=day,
        treatment=case.treatment,
        charge=Decimal(charge),
        amount_paid=Decimal(charge),
        paid_by=TreatmentSession.PaidBy.PATIENT,
    )


def _url(case):
    return reverse("claims:oon_claims", args=[case.public_id])


def _post(client, case, claim=None, **fields):
    data = {
        "action": "claim",
        "submitted_on": SENT.isoformat(),
        "reference_number": "CLM-7731",
        "amount_claimed": "1800",
        "status": "submitted",
        **fields,
    }
    if claim is not None:
        data["id"] = str(claim.public_id)
    return client.post(_url(case), data)


def _deny(case, *, reason="out_of_network", answered=ANSWERED, by=None):
    claim = OutOfNetworkClaim.objects.filter(case=case).first() or OutOfNetworkClaim(
        case=case, submitted_on=SENT, amount_claimed=Decimal(1800), reference_number="CLM-7731"
    )
    claim.status = OutOfNetworkClaim.Status.DENIED
    claim.answered_on = answered
    claim.denied_amount = Decimal(1800)
    return services.oon_claim_save(
        case=case, claim=claim, sessions=[], by=by or case.patient.user, denial_reason=reason
    )


def _due(case, kind, **filters):
    return {
        (d.level, d.due_on, d.rule_id, d.met_at is not None)
        for d in Deadline.objects.filter(case=case, kind=kind, **filters)
    }


# --- the page -----------------------------------------------------------------------------------


def test_it_adds_a_claim_with_its_sessions_and_an_uploaded_eob(owner_client, owner):
    case = _case(owner)
    first, second = _session(case, dt.date(2025, 12, 1)), _session(case, dt.date(2025, 12, 4))
    _session(case, dt.date(2025, 12, 8))  # not in this claim

    response = _post(
        owner_client,
        case,
        sessions=[str(first.pk), str(second.pk)],
        eob_file=pdf_upload("eob.pdf"),
    )

    assert response.status_code == 302
    claim = OutOfNetworkClaim.objects.get(case=case)
    assert set(claim.sessions.all()) == {first, second}
    assert claim.eob.category == SupportingDocument.Category.EOB
    assert claim.eob.case == case
    assert claim.pa_request is None
    follow_up = Deadline.objects.get(case=case, kind=Deadline.Kind.CLAIM_FOLLOW_UP)
    assert follow_up.due_on == SENT + dt.timedelta(days=30)
    assert follow_up.rule_id == "app-claim-follow-up-30d"
    assert follow_up.met_at is None


def test_it_picks_an_eob_already_uploaded(owner_client, owner):
    case = _case(owner)
    eob = services.document_upload(case=case, category="eob", upload=pdf_upload(), by=owner)

    _post(owner_client, case, eob=str(eob.pk))

    assert OutOfNetworkClaim.objects.get(case=case).eob == eob


def test_it_shows_the_totals_claimed_and_reimbursed(owner_client, owner):
    case = _case(owner)
    OutOfNetworkClaim.objects.create(
        case=case, submitted_on=SENT, amount_claimed=Decimal("1800"), status="paid",
        answered_on=ANSWERED, reimbursed=Decimal("640.50"),
    )  # fmt: skip
    OutOfNetworkClaim.objects.create(
        case=case, submitted_on=SENT, amount_claimed=Decimal("900"), status="partly_paid",
        answered_on=ANSWERED, reimbursed=Decimal("100"),
    )  # fmt: skip

    page = owner_client.get(_url(case)).content.decode()

    assert "$2,700.00" in page
    assert "$740.50" in page


def test_bad_input_keeps_what_was_typed_with_a_clear_message(owner_client, owner):
    case = _case(owner)

    response = _post(owner_client, case, status="denied", reference_number="KEEP-ME-42")

    assert response.status_code == 200
    page = response.content.decode()
    assert "KEEP-ME-42" in page
    assert "Please enter the date on the insurer&#x27;s answer." in page
    assert "Please choose the reason the EOB gives." in page
    assert not OutOfNetworkClaim.objects.exists()


def test_an_answer_before_the_claim_was_sent_is_refused_not_500(owner_client, owner):
    case = _case(owner)

    response = _post(owner_client, case, status="paid", answered_on="2025-12-01", reimbursed="10")

    assert response.status_code == 200
    assert "The answer cannot come before the claim was sent." in response.content.decode()


def test_it_rejects_another_patients_session_or_eob(owner_client, owner, outsider):
    case = _case(owner)
    theirs = _case(outsider)
    their_session = _session(theirs, dt.date(2025, 12, 1))
    their_eob = services.document_upload(
        case=theirs, category="eob", upload=pdf_upload(), by=outsider
    )

    response = _post(owner_client, case, sessions=[str(their_session.pk)], eob=str(their_eob.pk))

    assert response.status_code == 200
    assert not OutOfNetworkClaim.objects.exists()


@pytest.mark.parametrize("intruder", ["outsider", "other_clinic_staff"])
def test_others_get_404(client, owner, intruder, request):
    case = _case(owner)
    claim = OutOfNetworkClaim.objects.create(case=case, submitted_on=SENT)
    client.force_login(request.getfixturevalue(intruder))

    assert client.get(_url(case)).status_code == 404
    assert _post(client, case, claim=claim).status_code == 404
    assert OutOfNetworkClaim.objects.get().reference_number == ""


def test_a_claim_of_another_case_cannot_be_opened_through_mine(owner_client, owner, outsider):
    mine, theirs = _case(owner), _case(outsider)
    their_claim = OutOfNetworkClaim.objects.create(case=theirs, submitted_on=SENT)

    assert owner_client.get(_url(mine) + f"?claim={their_claim.public_id}").status_code == 404
    assert _post(owner_client, mine, claim=their_claim).status_code == 404


def test_anonymous_is_sent_to_login(client, owner):
    case = _case(owner)

    response = client.get(_url(case))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patients:login"))


# --- a denied claim is a post-service denial ---------------------------------------------------


def test_a_denied_claim_opens_a_post_service_appeal_with_its_clocks(owner_client, owner):
    case = _case(owner)  # an employer self-funded (ERISA) plan
    claim = OutOfNetworkClaim.objects.create(
        case=case, submitted_on=SENT, amount_claimed=Decimal(1800), reference_number="CLM-1"
    )

    _post(
        owner_client, case, claim=claim, status="denied", answered_on=ANSWERED.isoformat(),
        denied_amount="1800", denial_reason="out_of_network", reference_number="CLM-1",
    )  # fmt: skip

    claim.refresh_from_db()
    request = claim.pa_request
    assert request.kind == PriorAuthorizationRequest.Kind.CLAIM
    assert (request.decision, request.submitted_on, request.decided_on) == (
        Decision.DENIED, SENT, ANSWERED,
    )  # fmt: skip
    denial = request.denial
    assert (denial.notice_date, denial.reason) == (ANSWERED, Denial.Reason.OUT_OF_NETWORK)
    # 180 days from the notice to file the first appeal (29 CFR 2560.503-1(h)(3)(i)).
    assert _due(case, Deadline.Kind.APPEAL_FILING) == {
        ("internal_1", dt.date(2026, 8, 1), "commercial-internal-appeal-180d", False)
    }
    # The claim is answered: its follow-up is met, and it has no pre-service decision clock.
    assert Deadline.objects.get(case=case, kind=Deadline.Kind.CLAIM_FOLLOW_UP).met_at is not None
    assert not Deadline.objects.filter(case=case, kind=Deadline.Kind.DECISION_DUE).exists()

    services.appeal_file(denial=denial, level="internal_1", filed_on=FILED)

    # Post-service: the plan decides within 60 days of the appeal (29 CFR 2560.503-1(i)(2)(iii)).
    assert _due(case, Deadline.Kind.APPEAL_DECISION_DUE) == {
        ("", FILED + dt.timedelta(days=60), "commercial-post-service-appeal-decision-60d", False)
    }
    assert FILED + dt.timedelta(days=60) == dt.date(2026, 4, 11)


def test_a_pre_authorization_denial_with_the_same_dates_gets_30_days(owner):
    case = _case(owner)
    denial = DenialFactory(
        pa_request__case=case, pa_request__submitted_on=SENT, pa_request__decided_on=ANSWERED,
        notice_date=ANSWERED,
        received_on=None,
    )  # fmt: skip

    services.appeal_file(denial=denial, level="internal_1", filed_on=FILED)

    assert _due(case, Deadline.Kind.APPEAL_DECISION_DUE) == {
        ("", FILED + dt.timedelta(days=30), "commercial-appeal-decision-30d", False)
    }


def test_saving_a_denied_claim_again_opens_one_denial(owner):
    case = _case(owner)
    _deny(case)
    _deny(case, reason="not_medically_necessary", answered=ANSWERED + dt.timedelta(days=1))

    request = PriorAuthorizationRequest.objects.get(case=case)
    assert Denial.objects.filter(pa_request__case=case).count() == 1
    assert request.decided_on == request.denial.notice_date == ANSWERED + dt.timedelta(days=1)
    assert request.denial.reason == Denial.Reason.NOT_MEDICALLY_NECESSARY


def test_a_claim_corrected_away_from_denied_leaves_no_denial_behind(owner_client, owner):
    case = _case(owner)
    claim = _deny(case)
    assert Deadline.objects.filter(case=case, kind=Deadline.Kind.APPEAL_FILING).exists()

    _post(
        owner_client, case, claim=claim, status="paid", answered_on=ANSWERED.isoformat(),
        reimbursed="900",
    )  # fmt: skip

    claim.refresh_from_db()
    assert claim.pa_request is None
    assert not PriorAuthorizationRequest.objects.filter(case=case).exists()
    assert not Denial.objects.filter(pa_request__case=case).exists()
    assert set(Deadline.objects.filter(case=case).values_list("kind", flat=True)) == {
        Deadline.Kind.CLAIM_FOLLOW_UP
    }
    assert steps_of(case)[-1].state == "not_needed"


def test_a_claim_paid_after_its_appeal_keeps_the_denial_as_history(owner):
    case = _case(owner)
    claim = _deny(case)
    services.appeal_file(denial=claim.pa_request.denial, level="internal_1", filed_on=FILED)

    claim.status, claim.reimbursed = OutOfNetworkClaim.Status.PAID, Decimal(900)
    services.oon_claim_save(case=case, claim=claim, sessions=[], by=owner)

    request = PriorAuthorizationRequest.objects.get(case=case)
    assert request.decision == Decision.APPROVED
    assert request.denial.appeals.count() == 1


def test_going_back_to_waiting_with_an_appeal_on_file_is_refused(owner_client, owner):
    case = _case(owner)
    claim = _deny(case)
    services.appeal_file(denial=claim.pa_request.denial, level="internal_1", filed_on=FILED)

    response = _post(owner_client, case, claim=claim, status="submitted")

    assert response.status_code == 200
    assert "cannot go back to waiting for an answer" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == OutOfNetworkClaim.Status.DENIED


def test_a_claims_request_is_not_the_pre_authorization_but_its_denial_is_step_6s(
    owner_client, owner
):
    case = _case(owner)
    _deny(case)

    submit = owner_client.get(reverse("claims:step_submit", args=[case.public_id]))
    appeal = owner_client.get(reverse("claims:step_appeal", args=[case.public_id]))

    assert "CLM-7731" not in submit.content.decode()
    assert submit.context["latest"] is None
    states = {s.slug: s.state for s in steps_of(case)}
    assert states["submit"] == "not_started"
    assert states["appeal"] == "not_started"  # a denial to appeal
    assert appeal.context["denial"].pa_request.kind == "claim"


def test_the_appeal_letter_of_a_denied_claim_speaks_of_the_claim(owner):
    case = _case(owner)
    claim = _deny(case)

    text = draft_letter(kind="appeal", case=case, denial=claim.pa_request.denial)

    assert "deny my claim for" in text
    assert "Claim number: CLM-7731" in text
    assert "prior authorization" not in text.split("\n\n")[3]  # the Re: line and references


def test_the_step_5_form_does_not_offer_the_claim_kind(owner_client, owner):
    case = _case(owner)

    form = owner_client.get(reverse("claims:step_submit", args=[case.public_id])).context["forms"][
        "pa_request"
    ]

    assert "claim" not in dict(form.fields["kind"].choices)


# --- the 30-day follow-up reminder --------------------------------------------------------------


@pytest.fixture
def reminders_on(django_capture_on_commit_callbacks):
    """Run the beat's reminder service with the clock moved to `day` (emails sent on commit)."""

    def run(day: dt.date) -> int:
        moment = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return services.deadline_reminders_send(today=day)

    return run


def test_the_follow_up_reminder_fires_on_day_30_once(owner, mailoutbox, reminders_on):
    case = _case(owner)
    OutOfNetworkClaim.objects.create(case=case, submitted_on=SENT, amount_claimed=Decimal(900))
    services.deadlines_refresh(case=case)
    day_30 = SENT + dt.timedelta(days=30)

    # Not 14, 7 or 2 days before: it is a day to ask, not a last day.
    for day in (day_30 - dt.timedelta(days=n) for n in (14, 7, 2, 1)):
        assert reminders_on(day) == 0
    assert reminders_on(day_30) == 1
    assert reminders_on(day_30) == 0
    assert reminders_on(day_30 + dt.timedelta(days=1)) == 0

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [owner.email]
    bodies = mail.body + mail.alternatives[0][0]
    assert "30 or more days" in bodies
    for private in ("ketamine", "esketamine", "Spravato", "depression", "CLM", "$"):
        assert private.lower() not in (mail.subject + bodies).lower()


def test_the_follow_up_reminder_catches_up_after_downtime(owner, mailoutbox, reminders_on):
    case = _case(owner)
    OutOfNetworkClaim.objects.create(case=case, submitted_on=SENT)
    services.deadlines_refresh(case=case)

    assert reminders_on(SENT + dt.timedelta(days=33)) == 1
    assert ReminderSent.objects.get().days_before == 0


def test_no_follow_up_reminder_once_the_claim_is_answered(owner, mailoutbox, reminders_on):
    case = _case(owner)
    claim = OutOfNetworkClaim.objects.create(case=case, submitted_on=SENT)
    claim.status, claim.answered_on, claim.reimbursed = "paid", SENT + dt.timedelta(days=20), 1
    services.oon_claim_save(case=case, claim=claim, sessions=[], by=owner)

    assert reminders_on(SENT + dt.timedelta(days=30)) == 0
    assert mailoutbox == []


def test_the_page_says_to_ask_once_30_days_have_passed(owner_client, owner):
    case = _case(owner)
    OutOfNetworkClaim.objects.create(case=case, submitted_on=NOW.date() - dt.timedelta(days=30))
    OutOfNetworkClaim.objects.create(case=case, submitted_on=NOW.date() - dt.timedelta(days=29))

    rows = owner_client.get(_url(case)).context["rows"]

    assert sorted(row.ask_now for row in rows) == [False, True]


# --- admin ----------------------------------------------------------------------------------------


def test_admin_lists_claims_and_offers_no_add(admin_client, owner):
    case = _case(owner)
    OutOfNetworkClaim.objects.create(case=case, submitted_on=SENT, reference_number="CLM-9")

    changelist = admin_client.get(reverse("admin:claims_outofnetworkclaim_changelist"))
    search = admin_client.get(reverse("admin:claims_outofnetworkclaim_changelist") + "?q=CLM-9")
    add = admin_client.get(reverse("admin:claims_outofnetworkclaim_add"))

    assert changelist.status_code == 200
    assert search.context["cl"].result_count == 1
    assert add.status_code == 403
