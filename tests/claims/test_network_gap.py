"""The network-gap exception / single-case agreement request (issue 16): the in-network providers
the patient checked, the letter drafted only from them, and its PDF. Fixed clock and dates."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from claims import services
from claims.letters import draft_letter
from claims.letters.network_gap import NoProvidersListed
from claims.models import Letter, NetworkProviderCheck, Packet
from tests.conftest import packet_page_texts
from tests.factories import CaseFactory, PolicyFactory

NOW = dt.datetime(2026, 3, 20, 15, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _case(owner):
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Ana", "Rivera"
    patient.save()
    return CaseFactory(
        patient=patient, policy=PolicyFactory(patient=patient, plan_type="employer_self_funded")
    )


def _url(case):
    return reverse("claims:network_gap", args=[case.public_id])


def _providers(case):
    NetworkProviderCheck.objects.create(
        case=case, name="Lakeside Psychiatry", distance_miles=48,
        earliest_date=dt.date(2026, 7, 14), answer="too_late",
        answer_text="No openings for Spravato until July", checked_on=dt.date(2026, 3, 2),
    )  # fmt: skip
    NetworkProviderCheck.objects.create(
        case=case, name="Dr. Mira Okafor", answer="does_not_offer", checked_on=dt.date(2026, 3, 3)
    )


LAKESIDE = (
    "- Lakeside Psychiatry: earliest appointment is too late; 48 miles away; earliest "
    "appointment offered: 07/14/2026; asked on 03/02/2026; in their words: \u201cNo openings "
    "for Spravato until July\u201d"
)
OKAFOR = "- Dr. Mira Okafor: does not offer this treatment; asked on 03/03/2026"


# --- the page -----------------------------------------------------------------------------------


def test_it_adds_a_provider(owner_client, owner):
    case = _case(owner)

    response = owner_client.post(
        _url(case),
        {"action": "provider", "name": "Lakeside Psychiatry", "distance_miles": "48",
         "answer": "not_accepting", "checked_on": "2026-03-02"},
    )  # fmt: skip

    assert response.status_code == 302
    check = NetworkProviderCheck.objects.get(case=case)
    assert (check.name, check.distance_miles, check.answer) == (
        "Lakeside Psychiatry", 48, "not_accepting",
    )  # fmt: skip
    assert "Lakeside Psychiatry" in owner_client.get(_url(case)).content.decode()


def test_bad_input_keeps_what_was_typed_with_a_clear_message(owner_client, owner):
    case = _case(owner)

    response = owner_client.post(
        _url(case), {"action": "provider", "name": "Keep This Clinic", "distance_miles": "-3"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Keep This Clinic" in page
    assert "Nothing was lost, but some answers need a look." in page
    assert not NetworkProviderCheck.objects.exists()


def test_it_removes_a_provider(owner_client, owner):
    case = _case(owner)
    _providers(case)
    check = NetworkProviderCheck.objects.get(name="Dr. Mira Okafor")

    owner_client.post(_url(case), {"action": "delete", "id": str(check.public_id)})

    assert list(case.network_checks.values_list("name", flat=True)) == ["Lakeside Psychiatry"]


@pytest.mark.parametrize("intruder", ["outsider", "other_clinic_staff"])
def test_others_get_404(client, owner, intruder, request):
    case = _case(owner)
    _providers(case)
    check = NetworkProviderCheck.objects.first()
    client.force_login(request.getfixturevalue(intruder))

    assert client.get(_url(case)).status_code == 404
    assert (
        client.post(_url(case), {"action": "delete", "id": str(check.public_id)}).status_code == 404
    )
    packet_url = reverse("claims:network_gap_packet", args=[case.public_id])
    assert client.post(packet_url).status_code == 404
    assert NetworkProviderCheck.objects.count() == 2
    assert not Packet.objects.exists()


def test_a_provider_of_another_case_cannot_be_removed_through_mine(owner_client, owner, outsider):
    mine, theirs = _case(owner), _case(outsider)
    _providers(theirs)
    check = NetworkProviderCheck.objects.first()

    response = owner_client.post(_url(mine), {"action": "delete", "id": str(check.public_id)})

    assert response.status_code == 404
    assert NetworkProviderCheck.objects.count() == 2


def test_anonymous_is_sent_to_login(client, owner):
    case = _case(owner)

    response = client.get(_url(case))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patients:login"))


# --- the letter --------------------------------------------------------------------------------


def test_it_refuses_to_draft_with_no_providers_listed(owner_client, owner):
    case = _case(owner)

    drafted = owner_client.post(_url(case), {"action": "draft"}, follow=True)
    packet = owner_client.post(
        reverse("claims:network_gap_packet", args=[case.public_id]), follow=True
    )

    for response in (drafted, packet):
        assert "Please list at least one in-network provider you asked first" in (
            response.content.decode()
        )
    assert not Letter.objects.exists()
    assert not Packet.objects.exists()
    with pytest.raises(NoProvidersListed):
        draft_letter(kind="network_gap", case=case)


def test_the_letter_states_exactly_the_providers_entered(owner):
    case = _case(owner)
    _providers(case)

    text = draft_letter(kind="network_gap", case=case)

    listed = [line for line in text.splitlines() if line.startswith("- ")]
    assert [line for line in listed if "Lakeside" in line or "Okafor" in line] == [LAKESIDE, OKAFOR]
    assert "Ana Rivera" in text
    assert "which distance and appointment waiting-time standards my plan applies" in text
    # No distance rule is stated: DOMAIN.md §6 marks the 30–75 miles it cites as uncertain.
    assert "75" not in text
    assert "30 miles" not in text
    assert text.count("miles") == 1  # only the distance the patient entered


def test_drafting_again_follows_the_list(owner_client, owner):
    case = _case(owner)
    _providers(case)
    owner_client.post(_url(case), {"action": "draft"})
    NetworkProviderCheck.objects.filter(name="Dr. Mira Okafor").delete()

    owner_client.post(_url(case), {"action": "draft"})

    letter = Letter.objects.get(case=case, kind="network_gap")
    assert "Okafor" not in letter.text
    assert LAKESIDE in letter.text


def test_the_letter_is_edited_through_letter_edit_and_returns_here(owner_client, owner):
    case = _case(owner)
    _providers(case)
    letter = services.network_gap_letter_draft(case=case, by=owner)
    url = reverse("claims:letter_edit", args=[case.public_id, letter.public_id])

    page = owner_client.get(url).content.decode()
    response = owner_client.post(url, {"text": letter.text + "\n\nP.S. edited"})

    assert _url(case) in page
    assert response["Location"] == _url(case)
    letter.refresh_from_db()
    assert letter.text.endswith("P.S. edited")


@pytest.mark.pdf
def test_the_pdf_states_the_providers_and_downloads_through_the_authorized_view(
    owner_client, owner, django_capture_on_commit_callbacks
):
    case = _case(owner)
    _providers(case)
    services.document_upload(
        case=case, category="medical_records", upload=_pdf(), by=owner
    )  # never enclosed in this letter

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("claims:network_gap_packet", args=[case.public_id]))

    assert response.status_code == 302
    packet = Packet.objects.get(case=case)
    assert (packet.kind, packet.status, packet.denial) == ("network_gap", "ready", None)
    text = " ".join(" ".join(packet_page_texts(packet)).split())
    for fact in ("Lakeside Psychiatry", "48 miles away", "07/14/2026", "03/02/2026",
                 "No openings for Spravato until July", "Dr. Mira Okafor",
                 "does not offer this treatment", "03/03/2026", "Ana Rivera"):  # fmt: skip
        assert fact in text
    assert "Enclosures" not in text
    download = owner_client.get(
        reverse("claims:packet_download", args=[case.public_id, packet.public_id])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def _pdf():
    from tests.factories import pdf_upload

    return pdf_upload()
