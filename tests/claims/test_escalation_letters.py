"""The letters after a first appeal (issue 15): each kind drafted from a seeded case, rendered to
PDF like a packet and read back: its cited rule, addressee, deadline and enclosures."""

import datetime as dt

import pytest
import time_machine

from claims import services
from claims.letters import draft_letter
from claims.models import Appeal, Denial, Packet
from tests.conftest import packet_page_texts
from tests.factories import (
    CaseFactory,
    DenialFactory,
    DiagnosisFactory,
    PolicyFactory,
    SymptomScoreFactory,
    TreatmentTrialFactory,
    pdf_upload,
)

D = dt.date
NOW = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
DENIED = D(2026, 6, 1)
FIRST_APPEAL_LOST = D(2026, 8, 14)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _case(owner, plan_type: str, *, lost_level: str = "internal_1"):
    """A denied esketamine case whose first appeal was lost, with the denial letter and the
    plan's appeal decision uploaded, and the deadlines computed."""
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Ana", "Rivera"
    patient.date_of_birth = D(1985, 4, 12)
    patient.save()
    policy = PolicyFactory(
        patient=patient,
        member_id="U12345678",
        plan_type=plan_type,
        payer=None,
        payer_other="Acme Health",
    )
    case = CaseFactory(patient=patient, policy=policy)
    DiagnosisFactory(patient=patient, is_primary=True)
    TreatmentTrialFactory(patient=patient, start_date=D(2022, 1, 10), end_date=D(2022, 3, 14))
    SymptomScoreFactory(patient=patient, taken_on=D(2026, 5, 1), total=21)
    denial = DenialFactory(
        pa_request__case=case,
        pa_request__submitted_on=DENIED - dt.timedelta(days=12),
        pa_request__decided_on=DENIED,
        notice_date=DENIED,
        received_on=DENIED + dt.timedelta(days=3),
        reason=Denial.Reason.CRITERIA_NOT_MET,
        reason_text="Two antidepressant trials are not documented.",
        reference_number="DEN-42",
    )
    services.appeal_file(
        denial=denial,
        level=lost_level,
        filed_on=D(2026, 7, 1),
        outcome=Appeal.Outcome.UPHELD,
        decided_on=FIRST_APPEAL_LOST,
    )
    for category, title in [("denial_letter", "Denial"), ("insurer_letter", "Appeal decision")]:
        services.document_upload(
            case=case, category=category, upload=pdf_upload(), by=owner, title=title
        )
    services.deadlines_refresh(case=case)
    return case, denial


def _render(case, owner, kind, denial, capture) -> list[str]:
    with capture(execute=True):
        packet = services.packet_request(case=case, kind=kind, by=owner, denial=denial)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.READY, packet.error
    return packet_page_texts(packet)


def _appended(pages: list[str]) -> int:
    """Pages that carry only the footer: the uploaded (blank) PDFs appended after the letter."""
    return sum(1 for page in pages if page.strip().startswith("Ana Rivera · Member ID"))


def _flat(texts: list[str]) -> str:
    return " ".join(" ".join(texts).split())


@pytest.mark.pdf
def test_the_claim_file_request_cites_the_rule_and_encloses_the_denial(
    owner, django_capture_on_commit_callbacks
):
    case, denial = _case(owner, "employer_self_funded")

    pages = _render(case, owner, "claim_file", denial, django_capture_on_commit_callbacks)
    text = _flat(pages)

    assert "Request for the claim file and the criteria used" in text
    assert "29 CFR 2560.503-1(h)(2)(iii)" in text
    assert "To the appeals department, Acme Health" in text
    assert "free of charge" in text
    # The next door after the lost first appeal: 4 months after 08/14/2026 (DOMAIN.md §4.4a).
    assert "The last day to file my next appeal is 12/14/2026" in text
    assert "DEN-42" in text
    assert "Ana Rivera" in text
    # The denial letter is enclosed (and appended); the plan's appeal decision is not.
    assert "Enclosed: - Denial letter: Denial" in text
    assert "Appeal decision" not in text
    assert _appended(pages) == 1  # the one-page denial letter follows the letter


@pytest.mark.pdf
def test_the_parity_request_goes_to_the_plan_administrator_under_erisa_712(
    owner, django_capture_on_commit_callbacks
):
    case, denial = _case(owner, "employer_fully_insured")

    text = _flat(
        _render(case, owner, "parity_analysis", denial, django_capture_on_commit_callbacks)
    )

    assert "To the plan administrator of my health plan" in text
    assert "ERISA section 712(a)(8)" in text
    assert "Consolidated Appropriations Act, 2021" in text
    assert "medical/surgical benefits in the same classification" in text
    assert "The last day to file my next appeal is 12/14/2026" in text
    assert "Enclosed: - Denial letter: Denial" in text


@pytest.mark.pdf
@pytest.mark.parametrize(
    ("plan_type", "lost_level", "addressee", "rule", "due"),
    [
        # 4 months after 08/14/2026 is 12/14/2026, a Monday (45 CFR 147.136(d)(2)(i)).
        ("employer_self_funded", "internal_2", "external review contact named in my plan's",
         "45 CFR 147.136(d)", "12/14/2026"),
        ("employer_fully_insured", "internal_2", "department of insurance",
         "45 CFR 147.136(c)", "12/14/2026"),
        # A state fair hearing within 120 days of the plan's appeal decision (DOMAIN.md §4.2).
        ("medicaid", "medicaid_plan_appeal", "Medicaid fair hearing office",
         "42 CFR 438 Subpart F", "12/12/2026"),
    ],
)  # fmt: skip
def test_the_external_review_request_follows_the_plan_type_with_its_deadline_and_enclosures(
    owner, django_capture_on_commit_callbacks, plan_type, lost_level, addressee, rule, due
):
    case, denial = _case(owner, plan_type, lost_level=lost_level)

    pages = _render(case, owner, "external_review", denial, django_capture_on_commit_callbacks)
    text = _flat(pages)

    assert addressee in text
    assert rule in text
    assert f"is {due}" in text
    assert "Enclosed: - Denial letter: Denial - Other letter from the insurer: Appeal decision" in (
        text
    )
    assert "decided 08/14/2026" in text
    assert _appended(pages) == 2  # both letters follow


@pytest.mark.pdf
@pytest.mark.parametrize(
    ("plan_type", "lost_level", "regulator", "rule"),
    [
        ("employer_self_funded", "internal_1", "Employee Benefits Security Administration",
         "29 CFR 2560.503-1"),
        ("employer_fully_insured", "internal_1", "department of insurance", "45 CFR 147.136"),
        ("medicare_advantage", "ma_reconsideration", "1-800-MEDICARE", "42 CFR 422 Subpart M"),
        ("medicaid", "medicaid_plan_appeal", "Medicaid agency", "42 CFR 438 Subpart F"),
        ("fehb", "internal_1", "Office of Personnel Management", "5 CFR 890.105"),
    ],
)  # fmt: skip
def test_the_regulator_complaint_goes_to_the_body_the_plan_type_names(
    owner, django_capture_on_commit_callbacks, plan_type, lost_level, regulator, rule
):
    case, denial = _case(owner, plan_type, lost_level=lost_level)

    text = _flat(_render(case, owner, "regulator", denial, django_capture_on_commit_callbacks))

    assert f"To: {regulator}" in text or regulator in text.split("Re:")[0]
    assert "Complaint about my health plan's denial" in text
    assert "My plan is subject to" in text
    assert rule in text.split("My plan is subject to")[1][:120]
    assert "Enclosed: - Denial letter: Denial - Other letter from the insurer: Appeal decision" in (
        text
    )
    assert "does not stop or replace my appeal rights" in text
    assert "Request sent: 05/20/2026 - Denied: 06/01/2026" in text
    parity = "mental health parity"
    assert (parity in text) is (plan_type not in ("medicare_advantage", "medicaid", "fehb"))


@pytest.mark.pdf
def test_the_peer_to_peer_sheet_gives_the_reason_criteria_evidence_and_three_points(
    owner, django_capture_on_commit_callbacks
):
    case, denial = _case(owner, "employer_self_funded")

    pages = _render(case, owner, "peer_to_peer", denial, django_capture_on_commit_callbacks)
    text = _flat(pages)

    assert "Peer-to-peer preparation sheet, for the prescriber (not for sending)" in text
    assert "Two antidepressant trials are not documented." in text
    for heading in ("1. The denial", "3. The plan's criteria", "4. The evidence",
                    "5. The three strongest points"):  # fmt: skip
        assert heading in text
    strongest = text.split("5. The three strongest points")[1].split("Notes from the call")[0]
    assert strongest.count("- ") >= 3
    assert _appended(pages) == 0
    assert "Enclosures" not in text


def test_each_letter_refuses_a_denial_of_another_case(owner):
    case, _denial = _case(owner, "employer_self_funded")
    other = DenialFactory(pa_request__case=CaseFactory())
    for kind in ("claim_file", "parity_analysis", "external_review", "regulator", "peer_to_peer"):
        with pytest.raises(ValueError, match="another case"):
            draft_letter(kind=kind, case=case, denial=other)


# --- asked for on step 6 (issue 15 review) ------------------------------------------------------


def test_a_letter_the_plan_type_does_not_offer_is_refused(owner_client, owner):
    # Defect 11: Medicare Advantage forwards a lost reconsideration to the IRE itself, so its
    # ladder offers no external review request; a POST asking for one makes nothing.
    from django.urls import reverse

    case, _denial = _case(owner, "medicare_advantage", lost_level="ma_reconsideration")
    url = reverse("claims:packet_create", args=[case.public_id])

    response = owner_client.post(url, {"kind": "external_review"}, follow=True)

    assert response.status_code == 200
    assert "This letter does not fit your kind of plan." in response.text
    assert not case.packets.exists()
    assert not case.letters.filter(kind="external_review").exists()
    # A letter the ladder offers is still made.
    owner_client.post(url, {"kind": "regulator"})
    assert case.packets.get().kind == "regulator"


def test_step_6_watches_a_letter_being_made_and_says_why_one_failed(owner_client, owner):
    # Defect 9: the letters' rows are watched like the other packet lists (static/js/packets.js)
    # and show a failed render's message.
    from unittest import mock

    from django.urls import reverse

    case, denial = _case(owner, "employer_self_funded")
    with mock.patch("django.db.transaction.on_commit"):
        packet = services.packet_request(case=case, kind="external_review", by=owner, denial=denial)
    step6 = reverse("claims:step_appeal", args=[case.public_id])
    status_url = reverse("claims:packet_status", args=[case.public_id, packet.public_id])

    page = _flat([owner_client.get(step6).text])

    assert f'data-packet-status-url="{status_url}"' in page
    assert "data-packet-slow>This is taking longer than usual." in page

    Packet.objects.filter(pk=packet.pk).update(status="failed", error="The render broke: retry.")
    page = _flat([owner_client.get(step6).text])

    assert "The render broke: retry." in page
    assert "data-packet-status-url" not in page


def test_an_escalation_letter_downloads_under_its_kind(owner_client, owner):
    # Defect 9: its file name says which letter it is (not "preauthorization-packet"), and
    # nothing about the patient.
    from django.core.files.base import ContentFile
    from django.urls import reverse

    case, denial = _case(owner, "employer_self_funded")
    packet = Packet(case=case, kind="external_review", denial=denial, version=2, status="ready")
    packet.file.save("packet.pdf", ContentFile(pdf_upload().read()), save=True)

    response = owner_client.get(
        reverse("claims:packet_download", args=[case.public_id, packet.public_id])
    )

    assert b"".join(response.streaming_content).startswith(b"%PDF")
    response.close()
    assert response.status_code == 200
    assert 'filename="external-review-request-v2.pdf"' in response["Content-Disposition"]
    assert "Rivera" not in response["Content-Disposition"]
