"""Issue 16 review: a case with a denied pre-authorization and then a denied out-of-network
claim has two denials to appeal, and a claim's denial is a post-service one everywhere (letters,
packets, clocks). Dates are fixed, under a fixed clock."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from claims import services
from claims.models import Appeal, OutOfNetworkClaim
from tests.factories import CaseFactory, DenialFactory, PolicyFactory

NOW = dt.datetime(2026, 3, 20, 15, tzinfo=dt.UTC)
PA_DENIED = dt.date(2025, 12, 1)
SENT = dt.date(2026, 1, 5)
ANSWERED = dt.date(2026, 2, 2)
FILED = dt.date(2026, 2, 10)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _case(owner, plan_type="employer_self_funded"):
    patient = owner.patient
    return CaseFactory(patient=patient, policy=PolicyFactory(patient=patient, plan_type=plan_type))


def _deny_claim(case, *, reference="CLM-7731"):
    claim = OutOfNetworkClaim(
        case=case,
        submitted_on=SENT,
        amount_claimed=Decimal(1800),
        reference_number=reference,
        status=OutOfNetworkClaim.Status.DENIED,
        answered_on=ANSWERED,
        denied_amount=Decimal(1800),
    )
    return services.oon_claim_save(
        case=case, claim=claim, sessions=[], by=case.patient.user, denial_reason="out_of_network"
    )


def _two_denials(owner):
    """The usual path: the pre-authorization denied, the patient pays out of network, the claim
    is denied too."""
    case = _case(owner)
    pa_denial = DenialFactory(
        pa_request__case=case,
        pa_request__submitted_on=PA_DENIED - dt.timedelta(days=10),
        pa_request__decided_on=PA_DENIED,
        notice_date=PA_DENIED,
        received_on=None,
    )
    claim = _deny_claim(case)
    return case, pa_denial, claim.pa_request.denial


def _step6(case):
    return reverse("claims:step_appeal", args=[case.public_id])


# --- 1. several denials on step 6 ---------------------------------------------------------------


def test_step_6_lets_the_patient_pick_the_older_denial(owner_client, owner):
    case, pa_denial, claim_denial = _two_denials(owner)

    newest = owner_client.get(_step6(case))
    older = owner_client.get(_step6(case), {"denial": str(pa_denial.public_id)})

    assert newest.context["denial"] == claim_denial
    assert older.context["denial"] == pa_denial
    page = older.content.decode()
    assert f"?denial={claim_denial.public_id}" in page
    assert "Denial of the pre-authorization" in page
    assert "Denial of the claim of" in page
    # The forms answer the denial shown.
    assert f'name="denial" value="{pa_denial.public_id}"' in page


def test_step_6_lists_only_the_chosen_denials_dates(owner_client, owner):
    """Both denials' "last day to file your appeal" showed on each denial's page, with nothing
    to tell which was which."""
    case, pa_denial, claim_denial = _two_denials(owner)
    services.deadlines_refresh(case=case)
    filing = {
        d.pk: case.deadlines.get(key=f"appeal_filing:{d.pk}:internal_1").due_on
        for d in (pa_denial, claim_denial)
    }
    assert filing[pa_denial.pk] != filing[claim_denial.pk]

    for shown, hidden in ((pa_denial, claim_denial), (claim_denial, pa_denial)):
        response = owner_client.get(_step6(case), {"denial": str(shown.public_id)})
        due = [v.deadline.due_on for v in response.context["deadlines"]]
        assert filing[shown.pk] in due
        assert filing[hidden.pk] not in due


def test_the_outcome_of_the_older_denials_appeal_can_be_recorded(owner_client, owner):
    case, pa_denial, _claim_denial = _two_denials(owner)
    appeal = services.appeal_file(denial=pa_denial, level="internal_1", filed_on=FILED)

    response = owner_client.post(
        _step6(case),
        {
            "action": "appeal",
            "id": str(appeal.public_id),
            "denial": str(pa_denial.public_id),
            "level": "internal_1",
            "filed_on": FILED.isoformat(),
            "outcome": "upheld",
            "decided_on": "2026-03-01",
            "after": "stay",
        },
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"?denial={pa_denial.public_id}")
    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.UPHELD


def test_a_denial_of_another_case_is_404_on_step_6(owner_client, owner, outsider):
    case, _pa, _claim = _two_denials(owner)
    other = DenialFactory(pa_request__case=_case(outsider))

    assert owner_client.get(_step6(case), {"denial": str(other.public_id)}).status_code == 404
    assert owner_client.get(_step6(case), {"denial": "not-a-uuid"}).status_code == 404


def test_an_appeal_packet_is_made_for_the_denial_posted(owner_client, owner, outsider):
    case, pa_denial, claim_denial = _two_denials(owner)
    url = reverse("claims:packet_create", args=[case.public_id])

    response = owner_client.post(url, {"kind": "appeal", "denial": str(pa_denial.public_id)})

    assert response["Location"].endswith(f"?denial={pa_denial.public_id}")
    assert case.packets.get().denial == pa_denial
    owner_client.post(url, {"kind": "appeal"})  # no denial posted: the newest
    assert case.packets.order_by("version").last().denial == claim_denial
    other = DenialFactory(pa_request__case=_case(outsider))
    assert (
        owner_client.post(url, {"kind": "appeal", "denial": str(other.public_id)}).status_code
        == 404
    )


def test_the_claims_page_links_each_denied_claim_to_its_denial(owner_client, owner):
    case, pa_denial, claim_denial = _two_denials(owner)
    # A newer pre-authorization decision must not hide the claim's link.
    pa_denial.pa_request.decided_on = dt.date(2026, 3, 1)
    pa_denial.pa_request.save()

    page = owner_client.get(reverse("claims:oon_claims", args=[case.public_id])).content.decode()

    assert f"{_step6(case)}?denial={claim_denial.public_id}" in page


# --- 2. packet_create makes only the packets of steps 5 and 6 ---------------------------------


@pytest.mark.parametrize("kind", ["superbill", "network_gap"])
def test_packet_create_refuses_the_packets_made_on_their_own_pages(owner_client, owner, kind):
    # A hand-made POST: a superbill with missing fields, a network-gap request with no providers
    # listed (which raised NoProvidersListed: a 500).
    case, _pa, _claim = _two_denials(owner)

    response = owner_client.post(
        reverse("claims:packet_create", args=[case.public_id]), {"kind": kind}
    )

    assert response.status_code == 404
    assert not case.packets.exists()


# --- 3. letters and packets for a claim's denial speak of the claim -----------------------------


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        ("claim_file", "You denied my claim for"),
        ("parity_analysis", "My plan denied my claim for"),
        ("external_review", None),
        ("regulator", None),
    ],
)
def test_the_letters_after_an_appeal_of_a_claim_speak_of_the_claim(owner, kind, sentence):
    from claims.letters import draft_letter

    case, _pa, claim_denial = _two_denials(owner)

    text = draft_letter(kind=kind, case=case, denial=claim_denial)

    assert "Claim number: CLM-7731" in text
    assert "Prior authorization reference number" not in text
    assert "denied prior authorization" not in text
    if sentence:
        assert sentence in text


def test_a_pre_authorizations_letters_still_speak_of_prior_authorization(owner):
    from claims.letters import draft_letter

    case, pa_denial, _claim = _two_denials(owner)

    text = draft_letter(kind="claim_file", case=case, denial=pa_denial)

    assert "Prior authorization reference number" in text
    assert "You denied prior authorization of" in text


def test_an_appeal_packet_of_a_claim_shows_the_claims_own_request(owner):
    from unittest import mock

    from claims.pdf import packet_facts

    case, pa_denial, claim_denial = _two_denials(owner)
    pa_denial.pa_request.reference_number = "PA-1"
    pa_denial.pa_request.urgency = "expedited"
    pa_denial.pa_request.save()
    with mock.patch("django.db.transaction.on_commit"):
        packet = services.packet_request(case=case, kind="appeal", by=owner, denial=claim_denial)

    facts = packet_facts(packet)

    assert facts["latest_request"] == claim_denial.pa_request
    assert facts["latest_request"].reference_number == "CLM-7731"
    assert facts["urgency"] == "Standard"


# --- 4. care already received is never an urgent claim -----------------------------------------


def test_an_expedited_appeal_of_a_denied_claim_gets_60_days_not_3(owner):
    from claims import deadlines
    from claims.models import Deadline

    clock = deadlines.appeal_decision_due(
        plan_type="employer_self_funded",
        filed_on=FILED,
        expedited=True,
        benefit="medical",
        claim_type=deadlines.POST_SERVICE,
    )
    assert clock.due == FILED + dt.timedelta(days=60)

    case, _pa, claim_denial = _two_denials(owner)
    appeal = services.appeal_file(
        denial=claim_denial, level="internal_1", filed_on=FILED, expedited=True
    )
    due = Deadline.objects.get(case=case, kind=Deadline.Kind.APPEAL_DECISION_DUE)
    assert due.key.endswith(f":{appeal.pk}")
    assert due.due_on == dt.date(2026, 4, 11)  # FILED + 60 days (29 CFR 2560.503-1(i)(2)(iii))


def test_step_6_offers_no_expedited_appeal_for_a_denied_claim(owner_client, owner):
    case, pa_denial, claim_denial = _two_denials(owner)

    claim_page = owner_client.get(_step6(case), {"denial": str(claim_denial.public_id)})
    pa_page = owner_client.get(_step6(case), {"denial": str(pa_denial.public_id)})

    assert "expedited" not in claim_page.context["forms"]["appeal"].fields
    assert 'name="expedited"' not in claim_page.content.decode()
    assert 'name="expedited"' in pa_page.content.decode()
    # A hand-made post asking for it files a standard appeal.
    owner_client.post(
        _step6(case),
        {
            "action": "appeal",
            "denial": str(claim_denial.public_id),
            "level": "internal_1",
            "filed_on": FILED.isoformat(),
            "expedited": "on",
            "outcome": "pending",
            "after": "stay",
        },
    )
    assert claim_denial.appeals.get().expedited is False


# --- 5. and 6. a denied claim paid after all ----------------------------------------------------


def _paid(case, claim, owner):
    claim.status, claim.reimbursed = OutOfNetworkClaim.Status.PAID, Decimal(900)
    return services.oon_claim_save(case=case, claim=claim, sessions=[], by=owner)


def test_a_claim_paid_after_its_appeal_letter_was_drafted_keeps_the_letter(owner_client, owner):
    from unittest import mock

    from claims.models import Letter, Packet, PriorAuthorizationRequest

    case = _case(owner)
    claim = _deny_claim(case)
    denial = claim.pa_request.denial
    with mock.patch("django.db.transaction.on_commit"):
        services.packet_request(case=case, kind="appeal", by=owner, denial=denial)

    response = owner_client.post(
        reverse("claims:oon_claims", args=[case.public_id]),
        {
            "action": "claim",
            "id": str(claim.public_id),
            "submitted_on": SENT.isoformat(),
            "reference_number": "CLM-7731",
            "amount_claimed": "1800",
            "status": "paid",
            "answered_on": ANSWERED.isoformat(),
            "reimbursed": "900",
        },
    )

    assert response.status_code == 302
    assert Letter.objects.filter(case=case, kind="appeal", denial=denial).exists()
    assert Packet.objects.filter(case=case, kind="appeal", denial=denial).exists()
    request = PriorAuthorizationRequest.objects.get(case=case)
    assert request.decision == PriorAuthorizationRequest.Decision.APPROVED


def test_a_claim_paid_with_nothing_made_for_its_denial_still_leaves_none(owner):
    from claims.models import Denial

    case = _case(owner)
    claim = _deny_claim(case)

    _paid(case, claim, owner)

    assert not Denial.objects.filter(pa_request__case=case).exists()


def test_a_claim_paid_after_its_appeal_closes_the_denials_clocks(owner, mailoutbox):
    from claims.models import Deadline

    case = _case(owner)
    claim = _deny_claim(case)
    services.appeal_file(denial=claim.pa_request.denial, level="internal_1", filed_on=FILED)
    claim.refresh_from_db()

    _paid(case, claim, owner)

    still_open = Deadline.objects.filter(case=case, met_at=None).exclude(
        kind=Deadline.Kind.CLAIM_FOLLOW_UP
    )
    assert list(still_open.values_list("kind", flat=True)) == []
    due = FILED + dt.timedelta(days=60)
    for day in (due - dt.timedelta(days=n) for n in (14, 7, 2, 1, 0, -1)):
        with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)):
            assert services.deadline_reminders_send(today=day) == 0
    assert mailoutbox == []


def test_the_ladder_of_a_claim_paid_after_its_appeal_is_closed(owner_client, owner):
    """Its clocks closed, but step 6 still showed the ladder's doors open and the next one to
    try, for a claim the insurer had paid."""
    case = _case(owner)
    claim = _deny_claim(case)
    services.appeal_file(denial=claim.pa_request.denial, level="internal_1", filed_on=FILED)
    claim.refresh_from_db()
    _paid(case, claim, owner)
    denial = claim.pa_request.denial

    response = owner_client.get(
        reverse("claims:step_appeal", args=[case.public_id]), {"denial": denial.public_id}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "paid this claim after all" in page
    assert response.context["ladder"].current is None


# --- 7. the network-gap page notices a removed provider -----------------------------------------


def _provider(case, name, day):
    from claims.models import NetworkProviderCheck

    return NetworkProviderCheck.objects.create(
        case=case, name=name, answer="does_not_offer", checked_on=day
    )


def test_removing_a_provider_after_drafting_asks_to_draft_again(owner_client, owner):
    case = _case(owner)
    _provider(case, "Lakeside Psychiatry", dt.date(2026, 3, 2))
    okafor = _provider(case, "Dr. Mira Okafor", dt.date(2026, 3, 3))
    url = reverse("claims:network_gap", args=[case.public_id])
    owner_client.post(url, {"action": "draft"})
    assert owner_client.get(url).context["changed_since_letter"] is False

    owner_client.post(url, {"action": "delete", "id": str(okafor.public_id)})

    page = owner_client.get(url)
    assert page.context["changed_since_letter"] is True
    assert "Draft it again" in page.content.decode()
    owner_client.post(url, {"action": "draft"})
    assert owner_client.get(url).context["changed_since_letter"] is False


def test_the_letter_drafted_for_a_packet_remembers_its_list_too(owner):
    from unittest import mock

    from claims.models import Letter

    case = _case(owner)
    _provider(case, "Lakeside Psychiatry", dt.date(2026, 3, 2))
    with mock.patch("django.db.transaction.on_commit"):
        services.network_gap_packet_request(case=case, by=owner)

    assert Letter.objects.get(case=case, kind="network_gap").source_digest


def test_no_providers_listed_is_said_in_the_patients_language(owner):
    from django.utils import translation

    from claims.letters import draft_letter
    from claims.letters.network_gap import NoProvidersListed

    case = _case(owner)
    with (
        translation.override("es"),
        mock_gettext({"List the in-network providers you checked first.": "TRADUCIDO"}),
        pytest.raises(NoProvidersListed, match="TRADUCIDO"),
    ):
        draft_letter(kind="network_gap", case=case)


def mock_gettext(catalog):
    """gettext as a catalog would answer, for a message not yet in the .po files."""
    from unittest import mock

    from django.utils.translation import gettext as real

    return mock.patch(
        "claims.letters.network_gap._", side_effect=lambda m: catalog.get(m) or real(m)
    )


# --- 1. (admin) the case page shows each denial's ladder ---------------------------------------


def test_admin_shows_the_ladder_of_each_denial(owner):
    from django.contrib import admin

    from claims.admin.cases import CoverageCaseAdmin
    from claims.models import CoverageCase

    case, _pa, _claim = _two_denials(owner)

    html = str(CoverageCaseAdmin(CoverageCase, admin.site).appeal_ladder(case))

    assert html.count("<table>") == 2
    assert html.index("Claim for care already received") < html.index("First request")
