"""About you: the patient's own profile page (legal name, date of birth, address, phone), what a
refused form keeps, who may reach it, and where it shows (dashboard, step 1 and its progress)."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import translation

from claims.progress import steps_of
from patients.forms import PatientProfileForm
from patients.models import Patient
from patients.services import AccountError, patient_profile_save
from tests.factories import (
    CaseFactory,
    InsurerCallFactory,
    PatientFactory,
    PolicyFactory,
    days_ago,
    today,
)

URL = reverse("patients:profile")


def _years_ago(years: int) -> datetime.date:
    return days_ago(round(years * 365.25))


def _profile(**changes) -> dict[str, str]:
    data = {
        "legal_first_name": "Dana",
        "legal_middle_name": "Maria",
        "legal_last_name": "Lopez",
        "date_of_birth": _years_ago(41).isoformat(),
        "sex_on_insurance": "female",
        "address_line1": "12 Elm Street",
        "address_line2": "Apt 3",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62704",
        "phone": "(217) 555-0142",
        "preferred_language": "es",
    }
    return {**data, **changes}


def _empty_profile(user) -> Patient:
    patient = user.patient
    patient.legal_first_name = patient.legal_last_name = ""
    patient.date_of_birth = None
    patient.save()
    return patient


# --- saving and seeing it again ---------------------------------------------------------------


def test_it_saves_the_profile_and_shows_it_after_logging_in_again(client, owner, password):
    client.post(reverse("patients:login"), {"username": owner.email, "password": password})
    data = _profile()

    response = client.post(URL, data, follow=True)

    assert "Saved. Your packets and letters will use these details." in response.text
    client.post(reverse("patients:logout"))
    client.post(reverse("patients:login"), {"username": owner.email, "password": password})
    page = client.get(URL)
    form = page.context["form"]
    for name, value in data.items():
        assert str(form[name].value()) == value, name
    patient = Patient.objects.get(user=owner)
    assert patient.legal_name == "Dana Maria Lopez"
    assert patient.date_of_birth == _years_ago(41)
    # The profile chose Spanish, so the site (and this test's thread) is Spanish now.
    assert page["Content-Language"] == "es"
    with translation.override("en"):
        assert patient.get_sex_on_insurance_display() == "Female"


def test_it_takes_state_zip_and_phone_as_people_type_them(owner_client, owner):
    owner_client.post(
        URL, _profile(state=" illinois ", postal_code="62704 1234", phone="+1 217.555.0142 x7")
    )

    patient = Patient.objects.get(user=owner)
    assert (patient.state, patient.postal_code, patient.phone) == (
        "IL",
        "62704-1234",
        "(217) 555-0142 ext. 7",
    )


def test_every_field_may_be_left_empty_for_now(owner_client, owner):
    empty = {name: "" for name in _profile()}

    response = owner_client.post(URL, empty)

    assert response.status_code == 302
    patient = Patient.objects.get(user=owner)
    assert patient.legal_name == ""
    assert patient.date_of_birth is None
    assert patient.preferred_language == "en"


def test_a_save_goes_back_to_the_page_it_came_from_on_this_site_only(owner_client, owner):
    case = CaseFactory(patient=owner.patient)
    step = reverse("claims:step_policy", args=[case.public_id])

    back = owner_client.post(f"{URL}?next={step}", _profile())
    elsewhere = owner_client.post(f"{URL}?next=https://evil.example/", _profile())

    assert back["Location"] == step
    assert elsewhere["Location"] == URL


# --- a refused form keeps everything -------------------------------------------------------------


def _field_html(html: str, name: str) -> str:
    """The markup of one field's block: its label, input, help and error messages."""
    start = html.index(f'id="div_id_{name}"')
    end = html.find('id="div_id_', start + 1)
    return html[start : end if end != -1 else len(html)]


def test_a_birth_date_in_the_future_and_a_bad_zip_are_refused_and_nothing_typed_is_lost(
    owner_client, owner
):
    before = Patient.objects.get(user=owner).legal_name
    data = _profile(
        date_of_birth=(today() + datetime.timedelta(days=3)).isoformat(), postal_code="6270"
    )

    response = owner_client.post(URL, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["date_of_birth"] == [
        "A date of birth cannot be in the future. Please check the year."
    ]
    assert form.errors["postal_code"] == [
        "A ZIP code is 5 digits, like 62704, or 9 digits, like 62704-1234."
    ]
    html = response.text
    assert "Nothing was lost, but some answers need a look." in html
    # Each message sits at its own field, and every value typed is back in the page.
    assert "cannot be in the future" in _field_html(html, "date_of_birth")
    assert "A ZIP code is 5 digits" in _field_html(html, "postal_code")
    assert "is-invalid" in _field_html(html, "postal_code")
    for name, value in data.items():
        assert str(form[name].value()) == value, name
    for value in ["Dana", "Maria", "Lopez", "12 Elm Street", "Apt 3", "Springfield", "6270"]:
        assert f'value="{value}"' in html, value
    assert Patient.objects.get(user=owner).legal_name == before  # nothing saved


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "not a date", "Please enter a date, like 04/12/1985."),
        ("date_of_birth", "BORN_130_YEARS_AGO", "That would make you 130 years old."),
        ("date_of_birth", "BORN_LAST_MONTH", "That would make you 0 years old."),
        ("state", "Ilinois", "Please enter the state's 2-letter code, like IL, or its name."),
        ("postal_code", "62704-12", "A ZIP code is 5 digits"),
        ("postal_code", "ABCDE", "A ZIP code is 5 digits"),
        ("phone", "555-0142", "Please enter a 10-digit US phone number"),
        ("phone", "call me", "Please enter a 10-digit US phone number"),
    ],
)
def test_each_check_explains_itself_at_its_field(field, value, message):
    value = {
        "BORN_130_YEARS_AGO": _years_ago(130).isoformat(),
        "BORN_LAST_MONTH": days_ago(30).isoformat(),
    }.get(value, value)
    form = PatientProfileForm(_profile(**{field: value}), instance=Patient())

    assert not form.is_valid()
    assert message in form.errors[field][0]
    assert list(form.errors) == [field]
    assert form[field].value() == value


def test_the_date_of_birth_also_takes_month_day_year(owner):
    born = _years_ago(30)
    form = PatientProfileForm(
        _profile(date_of_birth=born.strftime("%m/%d/%Y")), instance=owner.patient
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] == born


def test_a_form_sent_after_the_session_expired_comes_back_after_login(client, owner, password):
    client.force_login(owner)
    client.get(URL)  # the patient's pages mark the browser as theirs (issue 14, finding 7)
    client.session.flush()  # the idle timeout ends the session on the server
    data = _profile(legal_first_name="Kept")

    response = client.post(URL, data)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patients:login"))
    client.post(reverse("patients:login"), {"username": owner.email, "password": password})
    page = client.get(URL)
    assert "We kept what you typed" in page.text
    assert page.context["form"]["legal_first_name"].value() == "Kept"
    assert Patient.objects.get(user=owner).legal_first_name != "Kept"  # not saved unasked


# --- who may reach it ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('patients:login')}?next={URL}"


def test_clinic_staff_get_404(client, other_clinic_staff):
    client.force_login(other_clinic_staff)

    assert client.get(URL).status_code == 404
    assert client.post(URL, _profile()).status_code == 404


def test_an_outsider_sees_and_changes_only_their_own_profile(client, owner, outsider):
    owner_name = Patient.objects.get(user=owner).legal_name
    client.force_login(outsider)

    page = client.get(URL)
    assert owner_name not in page.text
    # Naming the owner's records in the post changes nothing of theirs.
    owner_patient = owner.patient
    client.post(
        URL,
        _profile(
            legal_first_name="Mallory",
            user=str(owner.pk),
            patient=str(owner_patient.pk),
            public_id=str(owner_patient.public_id),
            id=str(owner_patient.pk),
        ),
    )

    owner_patient.refresh_from_db()
    assert owner_patient.legal_name == owner_name
    assert Patient.objects.get(user=outsider).legal_first_name == "Mallory"


def test_the_service_refuses_to_save_someone_elses_profile(owner, outsider):
    patient = owner.patient
    patient.legal_first_name = "Mallory"

    with pytest.raises(AccountError):
        patient_profile_save(patient=patient, by=outsider)

    patient.refresh_from_db()
    assert patient.legal_first_name != "Mallory"


def test_the_service_saves_only_the_profile_fields(owner):
    patient = owner.patient
    public_id = patient.public_id
    patient.public_id = uuid.uuid4()  # not a profile field: never written by this service
    patient.legal_first_name = "Dana"

    patient_profile_save(patient=patient, by=owner)

    patient.refresh_from_db()
    assert patient.legal_first_name == "Dana"
    assert patient.public_id == public_id


# --- where it shows ------------------------------------------------------------------------------


def test_the_dashboard_asks_gently_for_a_missing_name_and_birth_date(owner_client, owner):
    _empty_profile(owner)

    page = owner_client.get(reverse("claims:dashboard")).text

    assert "About you" in page
    assert "Your packets need your legal name and date of birth" in page
    assert f'href="{URL}"' in page


def test_the_dashboard_shows_the_name_once_it_is_there(owner_client, owner):
    CaseFactory(patient=owner.patient)
    owner_client.post(URL, _profile(preferred_language="en"))  # Spanish would switch the pages

    page = owner_client.get(reverse("claims:dashboard")).text

    assert "Dana Maria Lopez, born" in page
    assert "Your packets need your legal name" not in page
    # Done, it no longer stands before the cases.
    assert page.index("Go to step") < page.index("About you")


def test_my_account_links_to_the_profile(owner_client):
    page = owner_client.get(reverse("patients:home")).text

    assert f'href="{URL}"' in page


def test_step_1_links_to_the_profile_and_says_whether_it_is_done(owner_client, owner):
    _empty_profile(owner)
    case = CaseFactory(patient=owner.patient)
    step = reverse("claims:step_policy", args=[case.public_id])

    before = owner_client.get(step).text
    owner_client.post(URL, _profile(preferred_language="en"))  # Spanish would switch the pages
    after = owner_client.get(step).text

    assert f'href="{URL}?next={step}"' in before
    assert "Not finished" in before
    assert "Dana Maria Lopez, born" in after
    assert "Not finished" not in after


def _states(case) -> dict[str, str]:
    return {s.slug: s.state for s in steps_of(case)}


def test_step_1_is_done_only_with_the_legal_name_and_birth_date(owner_client, owner):
    patient = _empty_profile(owner)
    case = CaseFactory(patient=patient, policy=None)
    assert _states(case)["policy"] == "not_started"

    owner_client.post(URL, {"legal_first_name": "Dana", "preferred_language": "en"})
    assert _states(case)["policy"] == "in_progress"  # started by the profile alone

    case.policy = PolicyFactory(patient=patient, prior_auth_required="yes")
    case.save()
    InsurerCallFactory(case=case)
    assert _states(case)["policy"] == "in_progress"  # researched, but no last name or birth date

    owner_client.post(URL, _profile())
    assert _states(case)["policy"] == "complete"

    owner_client.post(URL, _profile(date_of_birth=""))
    assert _states(case)["policy"] == "in_progress"


def test_another_patients_profile_does_not_count_toward_this_case(owner):
    _empty_profile(owner)
    case = CaseFactory(patient=owner.patient, policy=None)
    PatientFactory()  # someone else, with a full profile

    assert _states(case)["policy"] == "not_started"
