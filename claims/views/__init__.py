"""The coverage wizard. Views are thin: find the case (get_case_for_user), bind the form the
patient posted (or the one kept while their session had expired), call a service, redirect.

- base: what every view shares (the case, the posted form, where to go after a save);
- cases: dashboard, new case, overview;
- costs: paying for treatment: a case's cost estimate and the other ways to pay (issue 16);
- steps: the six steps and their records;
- files: letters, packets and the authorized downloads;
- oon_claims: out-of-network claims and the network-gap request (issue 16);
- questionnaires: the PHQ-9 and GAD-7 filled in here, and the result with its safety response;
- sessions: the session log and the superbill made from it (issue 16).
"""

from .cases import case_overview, case_start, criteria_policy_choose, dashboard
from .costs import cost_estimate, costs, financing
from .files import (
    document_download,
    letter_edit,
    letter_reading_copy,
    packet_create,
    packet_download,
    packet_status,
)
from .oon_claims import network_gap, network_gap_packet, oon_claims
from .questionnaires import questionnaire, score_result
from .sessions import session_delete, sessions, superbill_create
from .steps import (
    call_delete,
    deadline_letter_date,
    diagnosis_delete,
    document_delete,
    question_script,
    score_delete,
    step_appeal,
    step_documents,
    step_history,
    step_policy,
    step_referral,
    step_submit,
    trial_delete,
)

__all__ = [
    "network_gap",
    "network_gap_packet",
    "oon_claims",
    "criteria_policy_choose",
    "call_delete",
    "case_overview",
    "case_start",
    "cost_estimate",
    "costs",
    "dashboard",
    "deadline_letter_date",
    "diagnosis_delete",
    "document_delete",
    "document_download",
    "financing",
    "letter_edit",
    "letter_reading_copy",
    "packet_create",
    "packet_download",
    "packet_status",
    "question_script",
    "questionnaire",
    "score_delete",
    "score_result",
    "session_delete",
    "sessions",
    "superbill_create",
    "step_appeal",
    "step_documents",
    "step_history",
    "step_policy",
    "step_referral",
    "step_submit",
    "trial_delete",
]
