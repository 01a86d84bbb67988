"""The Spanish reading copy of a letter (issue 17, "What stays English"): the app's draft of the
letter of medical necessity or the appeal letter, drafted again in Spanish, marked as a
translation for information, downloaded as a PDF by the patient only. The English letter, the one
sent, is untouched."""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from claims import services
from claims.models import Letter
from tests.factories import CaseFactory, DenialFactory

# The banner and note (templates/claims/pdf/reading_copy.html), and a sentence of each letter
# with its msgstr in locale/es/LC_MESSAGES/django.po.
BANNER = "Traducción para su información — la carta en inglés es la que se envía."
NOTE = "Esta copia es nuestro borrador en español"
MEDICAL_NECESSITY = (
    "I ask you to approve this treatment. Please contact my office if you need more information.",
    "Les pido que aprueben este tratamiento. Comuníquense con mi consultorio si necesitan más "
    "información.",
)
APPEAL = (
    "Please send your decision to me in writing.",
    "Les pido que me envíen su decisión por escrito.",
)


def _url(letter: Letter) -> str:
    return reverse(
        "claims:letter_reading_copy",
        kwargs={"coveragecase_id": letter.case.public_id, "letter_id": letter.public_id},
    )


def _text(response) -> str:
    body = b"".join(response.streaming_content)
    pages = PdfReader(io.BytesIO(body)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.fixture
def case(owner):
    return CaseFactory(patient=owner.patient)


@pytest.fixture
def medical_necessity(case):
    return services.letter_get_or_draft(case=case, kind=Letter.Kind.MEDICAL_NECESSITY)


@pytest.fixture
def appeal(case):
    denial = DenialFactory(pa_request__case=case)
    return services.letter_get_or_draft(case=case, kind=Letter.Kind.APPEAL, denial=denial)


@pytest.mark.pdf
@pytest.mark.parametrize(
    ("kind", "sentences", "filename"),
    [
        ("medical_necessity", MEDICAL_NECESSITY, "reading-copy-medical-necessity-letter.pdf"),
        ("appeal", APPEAL, "reading-copy-appeal-letter.pdf"),
    ],
)
def test_the_reading_copy_is_the_draft_in_spanish_under_the_banner(
    request, owner, owner_client, kind, sentences, filename
):
    letter = request.getfixturevalue(kind)
    english, spanish = sentences
    assert english in letter.text
    services.letter_save(letter=letter, text=letter.text + "\n\nMy own words.", by=owner)
    saved = Letter.objects.get(pk=letter.pk).text

    response = owner_client.get(_url(letter))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "no-store" in response["Cache-Control"]
    text = _text(response)
    assert BANNER in text
    assert NOTE in text
    assert spanish in text
    assert english not in text
    assert "My own words" not in text  # the patient's edits are not translated
    # The letter sent stays the English one the patient edited.
    letter.refresh_from_db()
    assert letter.text == saved
    assert english in letter.text


@pytest.mark.pdf
def test_the_reading_copy_is_spanish_whatever_the_page_language(owner_client, medical_necessity):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    text = _text(owner_client.get(_url(medical_necessity)))

    assert BANNER in text
    assert MEDICAL_NECESSITY[1] in text


def test_another_patient_gets_404(client, outsider, medical_necessity):
    client.force_login(outsider)

    assert client.get(_url(medical_necessity)).status_code == 404


def test_a_letter_of_another_case_gets_404(owner, owner_client, medical_necessity):
    other_case = CaseFactory(patient=owner.patient)
    url = reverse(
        "claims:letter_reading_copy",
        kwargs={"coveragecase_id": other_case.public_id, "letter_id": medical_necessity.public_id},
    )

    assert owner_client.get(url).status_code == 404


def test_other_kinds_of_letter_get_404(owner_client, case):
    letter = Letter.objects.create(case=case, kind=Letter.Kind.PEER_TO_PEER, text="A sheet.")

    assert owner_client.get(_url(letter)).status_code == 404


def test_anonymous_goes_to_login(client, medical_necessity):
    response = client.get(_url(medical_necessity))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_letter_page_links_the_reading_copy_for_the_two_kinds(
    owner_client, case, medical_necessity, appeal, language
):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    other = Letter.objects.create(case=case, kind=Letter.Kind.PEER_TO_PEER, text="A sheet.")
    link = {"en": "Read a copy in Spanish", "es": "Leer una copia en español"}[language]

    for letter in (medical_necessity, appeal):
        page = owner_client.get(
            reverse("claims:letter_edit", args=[case.public_id, letter.public_id])
        ).content.decode()
        assert _url(letter) in page
        assert link in page
    page = owner_client.get(
        reverse("claims:letter_edit", args=[case.public_id, other.public_id])
    ).content.decode()
    assert "spanish.pdf" not in page
