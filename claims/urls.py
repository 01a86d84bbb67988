from django.urls import path

from . import views

app_name = "claims"

case = "<uuid:coveragecase_id>/"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.case_start, name="case_start"),
    path("other-ways-to-pay/", views.financing, name="financing"),
    path(case, views.case_overview, name="case_overview"),
    # Paying for treatment (issue 16): the estimate beside the other ways to pay.
    path(case + "costs/", views.costs, name="costs"),
    path(case + "costs/estimate/", views.cost_estimate, name="cost_estimate"),
    path(case + "policy/", views.step_policy, name="step_policy"),
    path(
        case + "coverage-policy/",
        views.criteria_policy_choose,
        name="criteria_policy_choose",
    ),
    path(case + "policy/questions/", views.question_script, name="question_script"),
    path(
        case + "policy/calls/<uuid:insurercall_id>/delete/",
        views.call_delete,
        name="call_delete",
    ),
    path(case + "history/", views.step_history, name="step_history"),
    path(
        case + "history/diagnoses/<uuid:diagnosis_id>/delete/",
        views.diagnosis_delete,
        name="diagnosis_delete",
    ),
    path(
        case + "history/treatments/<uuid:treatmenttrial_id>/delete/",
        views.trial_delete,
        name="trial_delete",
    ),
    path(
        case + "history/scores/<uuid:symptomscore_id>/delete/",
        views.score_delete,
        name="score_delete",
    ),
    path(
        case + "history/questionnaires/phq-9/",
        views.questionnaire,
        {"instrument": "phq9"},
        name="questionnaire_phq9",
    ),
    path(
        case + "history/questionnaires/gad-7/",
        views.questionnaire,
        {"instrument": "gad7"},
        name="questionnaire_gad7",
    ),
    path(
        case + "history/scores/<uuid:symptomscore_id>/",
        views.score_result,
        name="score_result",
    ),
    path(case + "referral/", views.step_referral, name="step_referral"),
    path(case + "documents/", views.step_documents, name="step_documents"),
    path(
        case + "documents/<uuid:supportingdocument_id>/download/",
        views.document_download,
        name="document_download",
    ),
    path(
        case + "documents/<uuid:supportingdocument_id>/delete/",
        views.document_delete,
        name="document_delete",
    ),
    path(case + "submit/", views.step_submit, name="step_submit"),
    path(case + "appeal/", views.step_appeal, name="step_appeal"),
    path(case + "letters/<uuid:letter_id>/", views.letter_edit, name="letter_edit"),
    path(
        case + "letters/<uuid:letter_id>/spanish.pdf",
        views.letter_reading_copy,
        name="letter_reading_copy",
    ),
    path(case + "packets/new/", views.packet_create, name="packet_create"),
    path(
        case + "packets/<uuid:packet_id>/status/",
        views.packet_status,
        name="packet_status",
    ),
    path(
        case + "packets/<uuid:packet_id>/download/",
        views.packet_download,
        name="packet_download",
    ),
    # The session log and its superbill (issue 16).
    path(case + "sessions/", views.sessions, name="sessions"),
    path(
        case + "sessions/<uuid:treatmentsession_id>/delete/",
        views.session_delete,
        name="session_delete",
    ),
    path(case + "sessions/superbill/", views.superbill_create, name="superbill_create"),
    # Out-of-network claims and the network-gap request (issue 16).
    path(case + "out-of-network-claims/", views.oon_claims, name="oon_claims"),
    path(case + "network-gap/", views.network_gap, name="network_gap"),
    path(case + "network-gap/packet/", views.network_gap_packet, name="network_gap_packet"),
    path(
        case + "deadlines/<uuid:deadline_id>/letter-date/",
        views.deadline_letter_date,
        name="deadline_letter_date",
    ),
]
