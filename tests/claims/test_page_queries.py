"""Page speed (issue 18, item 6): the dashboard and every wizard page a patient opens make as many
queries for a large case as for a small one, and few; "packet out of date" is decided in one
query that gives the same fingerprint as the packet's records. make bench-pages times the same
pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import selectors, services
from claims.forms import SendToClinicForm, TreatmentRequestForm
from claims.models import CoverageCase, NetworkProviderCheck, Packet, SupportingDocument
from patients.models import Clinic, Diagnosis
from tests.factories import (
    ClinicFactory,
    TreatmentSessionFactory,
    TreatmentTrialFactory,
    UserFactory,
    build_filled_case,
    pdf_upload,
)

# The target: 12 queries a page, two of them made by every signed-in page (the session and the
# user read; the session is renewed at most once a minute, patients/sessions.py). Step 5 shows
# the most kinds of records: 10 queries of its own (the case with its step states and request;
# requests; diagnoses; trials; scores; the coverage policies with their criteria; deadlines;
# packets and letters; the packet's fingerprint; the providers and clinics its forms offer).
MOST_QUERIES = 12


def _pages(world) -> dict[str, str]:
    """The dashboard and the wizard's pages and sub-pages (claims/urls.py), by name."""
    case = world["case"].public_id

    def url(name, **kwargs):
        return reverse(f"claims:{name}", kwargs={"coveragecase_id": case, **kwargs})

    return {
        "dashboard": reverse("claims:dashboard"),
        "overview": url("case_overview"),
        "step 1": url("step_policy"),
        "step 1, a call": url("step_policy") + f"?call={world['call'].public_id}",
        "question script": url("question_script"),
        "step 2": url("step_history"),
        "step 2, a trial": url("step_history") + f"?trial={world['trial'].public_id}",
        "PHQ-9": url("questionnaire_phq9"),
        "GAD-7": url("questionnaire_gad7"),
        "a score": url("score_result", symptomscore_id=world["score"].public_id),
        "step 3": url("step_referral"),
        "step 4": url("step_documents"),
        "step 5": url("step_submit"),
        "step 5, a request": url("step_submit") + f"?request={world['pa_request'].public_id}",
        "letter of medical necessity": url(
            "letter_edit", letter_id=world["medical_necessity"].public_id
        ),
        "packet status": url("packet_status", packet_id=world["packet"].public_id),
        "step 6": url("step_appeal"),
        "step 6, the oldest denial": url("step_appeal")
        + f"?denial={world['oldest_denial'].public_id}",
        "appeal letter": url("letter_edit", letter_id=world["appeal_letter"].public_id),
    }


def _query_counts(client, world) -> dict[str, int]:
    counts = {}
    for name, url in _pages(world).items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries.captured_queries)
    return counts


@pytest.fixture
def small(db, criteria_sets):
    user = UserFactory(email="small@example.com")
    # Two denials, as the large case has several: the oldest is then one with no packet in both.
    return {**build_filled_case(user, denials=2), "user": user}


@pytest.fixture
def large(db, criteria_sets):
    user = UserFactory(email="large@example.com")
    world = build_filled_case(
        user, diagnoses=6, trials=12, scores=15, documents=6, denials=3, packets=6
    )
    return {**world, "user": user}


def test_every_page_reads_a_large_case_in_as_many_queries_as_a_small_one_and_few(
    client, small, large
):
    client.force_login(small["user"])
    few = _query_counts(client, small)
    client.force_login(large["user"])
    many = _query_counts(client, large)

    assert many == few
    over = {name: n for name, n in many.items() if n > MOST_QUERIES}
    assert over == {}


def test_others_get_404_and_anonymous_the_login_page_as_before(
    client, large, outsider, other_clinic_staff
):
    """get_case_for_user(for_wizard=True) is still the access choke point (STYLE.md rule 4)."""
    pages = {k: v for k, v in _pages(large).items() if k != "dashboard"}
    for name, url in pages.items():
        assert client.get(url).status_code == 302, name  # to the login page
    for user in (outsider, other_clinic_staff):
        client.force_login(user)
        for name, url in pages.items():
            assert client.get(url).status_code == 404, (user, name)


def test_a_step_page_decides_out_of_date_in_one_query(client, large):
    client.force_login(large["user"])
    url = reverse("claims:step_submit", args=[large["case"].public_id])
    assert client.get(url).context["packet_out_of_date"] is False

    TreatmentTrialFactory(patient=large["case"].patient, name_as_entered="Lexapro")

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).context["packet_out_of_date"] is True
    fingerprints = [q for q in queries.captured_queries if '"_source"' in q["sql"]]
    assert len(fingerprints) == 1


@pytest.fixture
def every_kind(owner, criteria_sets):
    """A case with a packet of every kind, and what their sources may hold: documents of the
    categories escalation letters enclose, a signed letter, sessions for the superbill, a
    provider for the network-gap request."""
    world = build_filled_case(owner, denials=2, packets=0)
    case, denial = world["case"], world["case"].pa_requests.first().denial
    for category in ("denial_letter", "insurer_letter", "evaluation"):
        services.document_upload(case=case, category=category, upload=pdf_upload(), by=owner)
    signed = services.document_upload(
        case=case, category="medical_necessity", upload=pdf_upload("signed.pdf"), by=owner
    )
    TreatmentSessionFactory(case=case)
    TreatmentSessionFactory(case=case, service_date=timezone.localdate() + timedelta(days=3))
    NetworkProviderCheck.objects.create(
        case=case,
        name="Lakeside Psychiatry",
        answer=NetworkProviderCheck.Answer.NOT_ACCEPTING,
        checked_on=timezone.localdate(),
    )
    packets = []
    Kind = Packet.Kind
    for kind in Kind.values:
        answers_a_denial = kind not in (Kind.PRIOR_AUTHORIZATION, Kind.NETWORK_GAP, Kind.SUPERBILL)
        packets.append(
            services.packet_request(
                case=case, kind=kind, by=owner, denial=denial if answers_a_denial else None
            )
        )
        if kind == Packet.Kind.PRIOR_AUTHORIZATION:
            services.case_attach_signed_letter(case=case, document=signed)
    return case, packets


def test_the_one_query_fingerprint_is_the_packet_s_digest_for_every_kind(every_kind):
    case, packets = every_kind

    def fresh(packet):
        return Packet.objects.select_related("case__patient").get(pk=packet.pk)

    for packet in packets:
        packet = fresh(packet)
        digest = selectors.packet_sources_of(packet).digest()
        assert selectors.packet_fingerprint(packet) == digest, packet.kind

    # Edits of each kind of source: each fingerprint still matches the records' digest.
    Diagnosis.objects.filter(patient=case.patient).first().save()
    TreatmentTrialFactory(patient=case.patient)
    document = case.documents.get(category="insurer_letter")
    document.category = SupportingDocument.Category.EVALUATION
    document.save()
    case.referrals.first().save()
    session = case.treatment_sessions.first()
    session.amount_paid = Decimal("450.00")
    session.save()
    for packet in packets:
        packet = fresh(packet)
        digest = selectors.packet_sources_of(packet).digest()
        assert selectors.packet_fingerprint(packet) == digest, packet.kind
        assert selectors.packet_is_out_of_date(packet), packet.kind


def _fields(row):
    return {k: v for k, v in vars(row).items() if k != "_state"}


def test_rows_together_gives_each_queryset_s_rows_in_its_own_order(large):
    case = large["case"]
    querysets = [
        case.packets.all(),
        case.letters.all(),
        Clinic.objects.all(),
        case.patient.providers.all(),
        case.patient.diagnoses.order_by("-icd10_code"),
        case.deadlines.all(),
    ]
    with CaptureQueriesContext(connection) as queries:
        together = selectors.rows_together(*querysets)
    assert len(queries.captured_queries) == 1
    for queryset, rows in zip(querysets, together, strict=True):
        expected = list(queryset)
        assert [type(r) for r in rows] == [type(r) for r in expected]
        assert [_fields(r) for r in rows] == [_fields(r) for r in expected]
    # As through the related manager: a case's packets know their case.
    assert all(packet.case is case for packet in together[0])


def _options(bound_field):
    return [(w.data["value"], w.data["label"], w.data["selected"]) for w in bound_field.subwidgets]


def test_step_5_offers_the_prescribers_and_clinics_its_forms_would_read(client, large):
    """Read in one query, the options are the ones each form's own queryset gives, the case's
    clinic chosen."""
    case = large["case"]
    clinics = ClinicFactory.create_batch(3)
    CoverageCase.objects.filter(pk=case.pk).update(
        clinic=clinics[1], clinic_consent_at=timezone.now()
    )
    case.refresh_from_db()
    client.force_login(large["user"])
    forms = client.get(reverse("claims:step_submit", args=[case.public_id])).context["forms"]

    clinic = _options(forms["send"]["clinic"])
    assert clinic == _options(SendToClinicForm(case=case)["clinic"])
    assert [str(value) for value, _, selected in clinic if selected] == [str(clinics[1].pk)]
    assert len(clinic) == 4  # the empty choice and every clinic
    own = TreatmentRequestForm(instance=case.treatment_request, patient=case.patient)
    prescriber = _options(forms["treatment_request"]["prescriber"])
    assert prescriber == _options(own["prescriber"])
    assert len(prescriber) > 1  # the empty choice and the patient's providers
