"""The session log (issue 16): sessions added, edited and removed through the patient's page,
their billing lines filled from claims.codes.request_units, the totals, and staff entering
sessions in admin for their clinic's cases only. Dates are fixed, under a fixed clock."""

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from claims.models import SessionLine, TreatmentSession
from tests.factories import (
    CaseFactory,
    PolicyFactory,
    SharedCaseFactory,
    TreatmentRequestFactory,
    TreatmentSessionFactory,
)

NOW = dt.datetime(2026, 3, 20, 15, tzinfo=dt.UTC)
DAY = dt.date(2026, 3, 4)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _case(owner, plan_type="employer_self_funded", treatment="esketamine", **request):
    patient = owner.patient
    case = CaseFactory(
        patient=patient,
        treatment=treatment,
        policy=PolicyFactory(patient=patient, plan_type=plan_type),
    )
    if request:
        TreatmentRequestFactory(case=case, start_date=None, end_date=None, **request)
    return case


def _url(case):
    return reverse("claims:sessions", args=[case.public_id])


def _add(client, case, **fields):
    data = {
        "action": "session",
        "service_date": DAY.isoformat(),
        "treatment": case.treatment,
        "place_of_service": "11",
        "charge": "900",
        "amount_paid": "900",
        "paid_by": "patient",
        **fields,
    }
    return client.post(_url(case), data)


def _lines(session):
    return [(line.code, line.units) for line in session.lines.all()]


def test_esketamine_84_mg_under_a_commercial_plan_in_2026_is_j0013_times_84(owner_client, owner):
    case = _case(owner, product="spravato_84")

    response = _add(owner_client, case, dose_mg="")  # the request's kit gives the dose

    assert response.status_code == 302
    session = TreatmentSession.objects.get(case=case)
    assert session.dose_mg == 84
    assert session.ndc == "50458-028-03"
    assert session.entered_by == owner
    assert _lines(session) == [("J0013", 84)]
    line = session.lines.get()
    assert (line.charge, line.diagnosis_pointer, line.modifiers) == (Decimal("900.00"), "A", "")


def test_medicare_bills_g2083_once_for_84_mg(owner_client, owner):
    case = _case(owner, plan_type="medicare")

    _add(owner_client, case, dose_mg="84")

    assert _lines(TreatmentSession.objects.get(case=case)) == [("G2083", 1)]


def test_iv_ketamine_for_40_minutes_is_j3490_and_96365(owner_client, owner):
    case = _case(
        owner,
        treatment="iv_ketamine",
        product="ketamine_iv",
        infusion_minutes=40,
        ndc="0409-2051-05",
        dose_mg=35,
    )

    page = owner_client.get(_url(case)).content.decode()
    assert 'value="40"' in page  # the request's length, offered for the new session
    _add(owner_client, case, dose_mg="35", infusion_minutes="40", ndc="0409-2051-05")

    session = TreatmentSession.objects.get(case=case)
    assert _lines(session) == [("J3490", 1), ("96365", 1)]
    # Two lines: the patient prices each one; nothing is guessed.
    assert [line.charge for line in session.lines.all()] == [None, None]


def test_the_page_lists_sessions_with_the_totals(owner_client, owner):
    case = _case(owner)
    TreatmentSessionFactory(case=case, service_date=DAY, charge=Decimal("900"))
    TreatmentSessionFactory(
        case=case,
        service_date=DAY + dt.timedelta(days=3),
        charge=Decimal("1250.50"),
        amount_paid=Decimal("0"),
        paid_by="",
    )

    page = owner_client.get(_url(case)).content.decode()

    assert "$2,150.50" in page  # charged
    assert "$900.00" in page  # paid
    assert page.count("data-session=") == 2
    assert "J0013" in page


def test_the_patient_edits_codes_units_modifiers_and_charges(owner_client, owner):
    case = _case(owner, plan_type="employer_self_funded")
    session = TreatmentSessionFactory(case=case, service_date=DAY)
    data = {
        "action": "session",
        "id": str(session.public_id),
        "service_date": DAY.isoformat(),
        "treatment": "esketamine",
        "dose_mg": "84",
        "place_of_service": "11",
        "ndc": "50458-028-03",
        "charge": "$1,000.00",
        "amount_paid": "1000",
        "paid_by": "hsa_fsa",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "12",
        "lines-0-code": "j0013",
        "lines-0-units": "84",
        "lines-0-modifiers": "",
        "lines-0-diagnosis_pointer": "a",
        "lines-0-charge": "850",
        "lines-1-code": "99213",
        "lines-1-units": "1",
        "lines-1-modifiers": "25, gt",
        "lines-1-diagnosis_pointer": "a b",
        "lines-1-charge": "150",
    }

    response = owner_client.post(_url(case), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.charge == Decimal("1000.00")
    assert session.paid_by == "hsa_fsa"
    rows = list(session.lines.values_list("code", "units", "modifiers", "diagnosis_pointer"))
    assert rows == [("J0013", 84, "", "A"), ("99213", 1, "25 GT", "AB")]


class _SessionForm(HTMLParser):
    """The session form of the page as a browser would post it untouched: {name: value}."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: dict[str, str] = {}
        self._inside = False
        self._field: tuple[str, str] | None = None  # (tag, name) of a textarea or select
        self._text: list[str] = []
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._inside = "novalidate" in a  # the session form, not the deletes
        if not self._inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type") or "text"
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value") or "on"
            elif kind not in ("submit", "button", "file"):
                self.data[name] = a.get("value") or ""
        elif tag in ("textarea", "select") and name:
            self._field, self._text, self._options = (tag, name), [], []
        elif tag == "option" and self._field is not None:
            self._options.append((a.get("value") or "", "selected" in a))

    def handle_data(self, data):
        if self._field is not None and self._field[0] == "textarea":
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        if self._field is None or tag != self._field[0]:
            return
        name = self._field[1]
        if tag == "textarea":
            self.data[name] = "".join(self._text).removeprefix("\n")
        else:
            chosen = [v for v, on in self._options if on] or [v for v, _ in self._options[:1]]
            self.data[name] = chosen[0] if chosen else ""
        self._field = None


def test_saving_a_session_with_its_lines_untouched_keeps_them(owner_client, owner):
    """Issue 16 review: only the notes changed; the lines as the page shows them stay."""
    case = _case(owner)
    session = TreatmentSessionFactory(case=case, service_date=DAY, charge=Decimal("1050"),
                                      lines=False)  # fmt: skip
    SessionLine.objects.create(session=session, position=0, code="J0013", units=84,
                               charge=Decimal("900"))  # fmt: skip
    SessionLine.objects.create(session=session, position=1, code="99213", units=1,
                               modifiers="25 GT", diagnosis_pointer="AB",
                               charge=Decimal("150"))  # fmt: skip
    before = list(session.lines.values_list("code", "units", "modifiers", "diagnosis_pointer",
                                            "charge"))  # fmt: skip
    page = owner_client.get(_url(case), {"session": session.public_id})
    parser = _SessionForm()
    parser.feed(page.content.decode())
    data = parser.data
    assert data["lines-INITIAL_FORMS"] == "2"
    data["notes"] = "Felt fine afterwards."

    response = owner_client.post(_url(case), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.notes == "Felt fine afterwards."
    after = list(session.lines.values_list("code", "units", "modifiers", "diagnosis_pointer",
                                           "charge"))  # fmt: skip
    assert after == before


def test_refilling_the_codes_follows_a_new_dose(owner_client, owner):
    case = _case(owner, plan_type="medicare")
    session = TreatmentSessionFactory(case=case, service_date=DAY, dose_mg=84)
    SessionLine.objects.filter(session=session).update(code="G2083", units=1)
    data = {
        "action": "session",
        "id": str(session.public_id),
        "service_date": DAY.isoformat(),
        "treatment": "esketamine",
        "dose_mg": "56",
        "place_of_service": "11",
        "charge": "900",
        "amount_paid": "900",
        "refill_codes": "on",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "12",
        "lines-0-code": "G2083",
        "lines-0-units": "1",
        "lines-0-diagnosis_pointer": "A",
        "lines-0-charge": "900",
    }

    owner_client.post(_url(case), data)

    assert _lines(session) == [("G2082", 1)]  # 56 mg or less (DOMAIN.md §2.1 [R26])


def test_the_patient_removes_a_session(owner_client, owner):
    case = _case(owner)
    session = TreatmentSessionFactory(case=case, service_date=DAY)

    response = owner_client.post(
        reverse("claims:session_delete", args=[case.public_id, session.public_id])
    )

    assert response.status_code == 302
    assert not TreatmentSession.objects.filter(pk=session.pk).exists()
    assert not SessionLine.objects.filter(session_id=session.pk).exists()


def test_bad_input_keeps_what_was_typed_and_says_what_to_fix(owner_client, owner):
    case = _case(owner)

    response = _add(
        owner_client,
        case,
        charge="nine hundred",
        ndc="123",
        notes="Felt calmer after",
        service_date=(NOW.date() + dt.timedelta(days=2)).isoformat(),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was lost" in page
    assert "Please enter an amount in dollars" in page
    assert "An NDC looks like" in page
    assert "the date cannot be after today" in page
    assert "nine hundred" in page
    assert "Felt calmer after" in page
    assert not TreatmentSession.objects.exists()


def test_a_bad_line_keeps_every_line_typed(owner_client, owner):
    case = _case(owner)
    session = TreatmentSessionFactory(case=case, service_date=DAY)
    data = {
        "action": "session",
        "id": str(session.public_id),
        "service_date": DAY.isoformat(),
        "treatment": "esketamine",
        "place_of_service": "11",
        "charge": "900",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "12",
        "lines-0-code": "J0013",
        "lines-0-units": "84",
        "lines-0-diagnosis_pointer": "A",
        "lines-0-charge": "900",
        "lines-1-code": "9921",
        "lines-1-units": "0",
        "lines-1-modifiers": "XYZ",
        "lines-1-diagnosis_pointer": "E",
    }

    response = owner_client.post(_url(case), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "A code has 5 letters or digits" in page
    assert "Up to four modifiers" in page
    assert "Up to four different letters from A to D" in page
    assert 'value="9921"' in page
    assert 'value="XYZ"' in page
    assert _lines(session) == [("J0013", 84)]  # unchanged


def test_a_double_submitted_add_saves_once(owner_client, owner):
    case = _case(owner)
    token = "6b1c3f6e-0d7a-4e55-9a51-6a8b1c2d3e4f"

    _add(owner_client, case, dose_mg="84", submission_id=token)
    _add(owner_client, case, dose_mg="84", submission_id=token)

    assert TreatmentSession.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("intruder", ["outsider", "other_clinic_staff"])
def test_others_get_404(request, client, owner, intruder):
    case = _case(owner)
    session = TreatmentSessionFactory(case=case, service_date=DAY)
    client.force_login(request.getfixturevalue(intruder))

    assert client.get(_url(case)).status_code == 404
    assert _add(client, case, dose_mg="84").status_code == 404
    delete = reverse("claims:session_delete", args=[case.public_id, session.public_id])
    assert client.post(delete).status_code == 404
    assert client.get(f"{_url(case)}?session={session.public_id}").status_code == 404
    assert TreatmentSession.objects.filter(case=case).count() == 1


def test_another_patients_session_is_404_on_my_page(owner_client, owner, outsider):
    mine = _case(owner)
    theirs = TreatmentSessionFactory(case=_case(outsider), service_date=DAY)

    assert owner_client.get(f"{_url(mine)}?session={theirs.public_id}").status_code == 404
    delete = reverse("claims:session_delete", args=[mine.public_id, theirs.public_id])
    assert owner_client.post(delete).status_code == 404
    assert TreatmentSession.objects.filter(pk=theirs.pk).exists()


def test_anonymous_goes_to_login(client, owner):
    case = _case(owner)

    response = client.get(_url(case))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patients:login"))


# --- staff in admin ---------------------------------------------------------------------------


def _admin_add(client, case, **fields):
    data = {
        "case": case.pk,
        "service_date": DAY.isoformat(),
        "treatment": "esketamine",
        "dose_mg": "84",
        "place_of_service": "11",
        "charge": "900.00",
        "amount_paid": "900.00",
        "paid_by": "patient",
        "notes": "",
        "ndc": "",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **fields,
    }
    return client.post(reverse("admin:claims_treatmentsession_add"), data)


def test_staff_enter_a_session_for_their_clinics_case(client, owner, clinic, reviewer, otp_login):
    case = SharedCaseFactory(patient=owner.patient, clinic=clinic)
    otp_login(client, reviewer)

    response = _admin_add(client, case)

    assert response.status_code == 302, response.content.decode()[:2000]
    session = TreatmentSession.objects.get(case=case)
    assert session.entered_by == reviewer
    assert _lines(session) == [("J0013", 84)]
    assert session.history.first().history_user == reviewer
    assert client.get(reverse("admin:claims_treatmentsession_changelist")).status_code == 200


def test_staff_cannot_enter_a_session_for_another_clinics_case(
    client, owner, clinic, other_clinic, reviewer, otp_login
):
    case = SharedCaseFactory(patient=owner.patient, clinic=other_clinic)
    TreatmentSessionFactory(case=case, service_date=DAY)
    otp_login(client, reviewer)

    response = _admin_add(client, case)

    assert response.status_code == 200  # refused: the case is not one they can choose
    assert TreatmentSession.objects.filter(case=case).count() == 1
    changelist = client.get(reverse("admin:claims_treatmentsession_changelist"))
    assert str(case.patient.legal_last_name) not in changelist.content.decode()
