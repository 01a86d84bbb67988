"""Nothing is lost on a refused form (issue 13, part 5): for every form a patient posts in the
wizard, a post with one wrong answer comes back with a message (not a redirect, not a 500), and
every other value typed or picked is still in the page. One table row per form."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import PriorAuthorizationRequest
from tests.factories import (
    CaseFactory,
    ClinicFactory,
    DenialFactory,
    PolicyFactory,
    ProviderFactory,
)


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def case(owner):
    patient = owner.patient
    policy = PolicyFactory(patient=patient)
    case = CaseFactory(patient=patient, policy=policy)
    ProviderFactory(patient=patient, name="Dr. Keep Provider")
    DenialFactory(
        pa_request__case=case, pa_request__decision=PriorAuthorizationRequest.Decision.DENIED
    )
    ClinicFactory(name="Keep Clinic")
    return case


# (page, posted values, the field refused, values that must come back: {field: value})
# Select and checkbox values are checked as selected / checked.
ROWS = [
    pytest.param(
        "claims:step_policy",
        {
            "action": "policy",
            "rank": "primary",
            "plan_type": "marketplace",
            "plan_name": "Keep Plan Name",
            "member_id": "KEEP-MEMBER-9",
            "group_number": "KEEP-GRP",
            "effective_date": "not a date",
        },
        "effective_date",
        {
            "plan_name": "Keep Plan Name",
            "member_id": "KEEP-MEMBER-9",
            "group_number": "KEEP-GRP",
            "plan_type": "marketplace",
        },
        id="step-1-policy",
    ),  # fmt: skip
    pytest.param(
        "claims:step_policy",
        {
            "action": "call",
            "called_at": "yesterday-ish",
            "phone_number": "800-555-0199",
            "representative": "Keep Representative",
            "reference_number": "KEEP-CALL-REF",
            "notes": "Keep these call notes",
        },
        "called_at",
        {
            "phone_number": "800-555-0199",
            "representative": "Keep Representative",
            "reference_number": "KEEP-CALL-REF",
            "notes": "Keep these call notes",
        },
        id="step-1-call",
    ),  # fmt: skip
    pytest.param(
        "claims:step_history",
        {
            "action": "diagnosis",
            "search": "keep my own words",
            "icd10_code": "F3.2",
            "is_primary": "on",
            "diagnosed_on": _day(-100),
        },
        "icd10_code",
        {
            "search": "keep my own words",
            "icd10_code": "F3.2",
            "is_primary": True,
            "diagnosed_on": _day(-100),
        },
        id="step-2-diagnosis",
    ),  # fmt: skip
    pytest.param(
        "claims:step_history",
        {
            "action": "trial",
            "kind": "medication",
            "name_as_entered": "Keepoloft",
            "role": "augmentation",
            "daily_dose": "a lot",
            "dose_unit": "mg/day",
            "weeks_at_dose": "9",
            "started": "03/2024",
            "adherence": "mostly",
            "response": "partial",
            "percent_improvement": "20",
            "side_effects": "Keep these side effects",
            "reason_stopped": "Keep this reason",
        },
        "daily_dose",
        {
            "name_as_entered": "Keepoloft",
            "role": "augmentation",
            "weeks_at_dose": "9",
            "started": "03/2024",
            "adherence": "mostly",
            "response": "partial",
            "percent_improvement": "20",
            "side_effects": "Keep these side effects",
            "reason_stopped": "Keep this reason",
        },
        id="step-2-trial",
    ),  # fmt: skip
    pytest.param(
        "claims:step_history",
        {
            "action": "score",
            "instrument": "madrs",
            "taken_on": _day(-3),
            "total": "99",
            "administered_by_clinician": "on",
            "given_by": "Dr. Keep Scorer",
        },
        "total",
        {
            "instrument": "madrs",
            "taken_on": _day(-3),
            "given_by": "Dr. Keep Scorer",
            "administered_by_clinician": True,
        },
        id="step-2-score",
    ),  # fmt: skip
    pytest.param(
        "claims:step_history",
        {"action": "episode", "since": "13/2024"},
        "since",
        {"since": "13/2024"},
        id="step-2-episode",
    ),
    pytest.param(
        "claims:step_referral",
        {
            "action": "provider",
            "name": "Dr. Keep Newname",
            "credentials": "DO",
            "npi": "1234567890",
            "specialty": "psychiatrist",
            "practice_name": "Keep Practice",
            "phone": "217-555-0142",
        },
        "npi",
        {
            "name": "Dr. Keep Newname",
            "credentials": "DO",
            "npi": "1234567890",
            "specialty": "psychiatrist",
            "practice_name": "Keep Practice",
            "phone": "217-555-0142",
        },
        id="step-3-provider",
    ),  # fmt: skip
    pytest.param(
        "claims:step_referral",
        {
            "action": "referral",
            "status": "requested",
            "requested_on": "sometime",
            "notes": "Keep these referral notes",
        },
        "requested_on",
        {"status": "requested", "notes": "Keep these referral notes"},
        id="step-3-referral",
    ),
    pytest.param(
        "claims:step_submit",
        {
            "action": "treatment_request",
            "product": "spravato_84",
            "phase": "induction",
            "schedule": "Keep this schedule",
            "sessions": "many",
            "site_name": "Keep Site",
            "oral_antidepressant_continues": "yes",
            "oral_antidepressant": "Keep sertraline",
        },
        "sessions",
        {
            "product": "spravato_84",
            "phase": "induction",
            "schedule": "Keep this schedule",
            "site_name": "Keep Site",
            "oral_antidepressant_continues": "yes",
            "oral_antidepressant": "Keep sertraline",
        },
        id="step-5-treatment-request",
    ),  # fmt: skip
    pytest.param(
        "claims:step_submit",
        {
            "action": "pa_request",
            "kind": "resubmission",
            "submitted_by": "patient",
            "method": "portal",
            "submitted_on": "last week",
            "reference_number": "KEEP-PA-REF",
            "urgency": "expedited",
        },
        "submitted_on",
        {
            "kind": "resubmission",
            "submitted_by": "patient",
            "method": "portal",
            "reference_number": "KEEP-PA-REF",
            "urgency": "expedited",
        },
        id="step-5-request",
    ),  # fmt: skip
    pytest.param(
        "claims:step_submit",
        {
            "action": "decision",
            "decision": "approved",
            "decided_on": _day(-2),
            "approved_sessions": "lots",
            "valid_from": _day(1),
        },
        "approved_sessions",
        {"decision": "approved", "decided_on": _day(-2), "valid_from": _day(1)},
        id="step-5-decision",
    ),
    pytest.param(
        "claims:step_appeal",
        {
            "action": "denial",
            "notice_date": "the other day",
            "reason": "not_medically_necessary",
            "reason_text": "Keep the reason as written",
            "reference_number": "KEEP-DENIAL-REF",
        },
        "notice_date",
        {
            "reason": "not_medically_necessary",
            "reason_text": "Keep the reason as written",
            "reference_number": "KEEP-DENIAL-REF",
        },
        id="step-6-denial",
    ),  # fmt: skip
    pytest.param(
        "claims:step_appeal",
        {
            "action": "appeal",
            "level": "internal_1",
            "expedited": "on",
            "filed_on": "soon",
            "reference_number": "KEEP-APPEAL-REF",
        },
        "filed_on",
        {"level": "internal_1", "expedited": True, "reference_number": "KEEP-APPEAL-REF"},
        id="step-6-appeal",
    ),
]


def _assert_kept(html: str, field: str, value) -> None:
    if value is True:
        assert f'name="{field}"' in html, field
        assert "checked" in _tag(html, field), field
    elif f'<option value="{value}" selected>' in html:
        pass
    else:
        textarea = f">{value}</textarea>" in html or f">\n{value}</textarea>" in html
        assert f'value="{value}"' in html or textarea, (field, value)


def _tag(html: str, field: str) -> str:
    start = html.rindex("<", 0, html.index(f'name="{field}"'))
    return html[start : html.index(">", start)]


@pytest.mark.parametrize(("page", "data", "refused", "kept"), ROWS)
def test_a_refused_form_keeps_every_value(owner_client, case, page, data, refused, kept):
    url = reverse(page, kwargs={"coveragecase_id": case.public_id})

    response = owner_client.post(url, data)

    assert response.status_code == 200, response.get("Location")
    html = response.content.decode()
    assert "Nothing was lost, but some answers need a look" in html
    assert f'name="{refused}"' in html
    assert "is-invalid" in _tag(html, refused), refused
    for field, value in kept.items():
        _assert_kept(html, field, value)


def test_the_profile_keeps_every_value(owner_client):
    data = {
        "legal_first_name": "Keepfirst",
        "legal_last_name": "Keeplast",
        "date_of_birth": "long ago",
        "address_line1": "12 Keep Street",
        "city": "Keepville",
        "state": "IL",
        "postal_code": "62701",
        "phone": "217-555-0100",
    }
    response = owner_client.post(reverse("patients:profile"), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in _tag(html, "date_of_birth")
    for field in ["legal_first_name", "legal_last_name", "address_line1", "city", "postal_code",
                  "phone"]:  # fmt: skip
        _assert_kept(html, field, data[field])


def test_a_wrong_upload_is_refused_with_a_reason_and_keeps_the_title(owner_client, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("claims:step_documents", kwargs={"coveragecase_id": case.public_id})
    upload = SimpleUploadedFile("notes.exe", b"MZ\x90\x00 not a document", "application/pdf")

    response = owner_client.post(
        url,
        {"action": "upload", "category": "medical_records", "title": "Keep Title", "file": upload},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in _tag(html, "file")
    _assert_kept(html, "title", "Keep Title")
    _assert_kept(html, "category", "medical_records")
    assert case.documents.count() == 0


def test_starting_a_case_keeps_every_value(owner_client, owner):
    policy = PolicyFactory(patient=owner.patient)
    data = {
        "treatment": "other",
        "treatment_other": "",
        "condition": "other",
        "condition_other": "Keep my condition",
        "policy": str(policy.pk),
    }
    response = owner_client.post(reverse("claims:case_start"), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in _tag(html, "treatment_other")
    _assert_kept(html, "condition_other", "Keep my condition")
    _assert_kept(html, "treatment", "other")
    _assert_kept(html, "condition", "other")
