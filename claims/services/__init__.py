"""Writes for coverage cases and their records, one module per sub-domain:

- cases: starting a case, its policy, sharing it with a clinic, one-time form tokens;
- records: the patient's history, calls, referral, documents, decisions, denials, appeals;
- deadlines: stored deadlines (rules in claims/deadlines.py) and reminder emails;
- letters, packets: drafted letters and the rendered PDF packets;
- oon_claims: out-of-network claims, the network-gap request (issue 16);
- review, transitions, approvals: the clinic's review and the approval tied to a packet;
- export: the clinic's CSV;
- costs: the inputs of a case's cost estimate (issue 16);
- sessions: the session log and the superbill made from it (issue 16).

Callers import from here: `from claims import services; services.case_start(...)`.
"""

from ..selectors import packet_is_out_of_date
from .approvals import approval_withdraw_if_stale, approvals_withdraw_if_stale
from .cases import (
    case_choose_criteria_policy,
    case_choose_policy,
    case_send_to_clinic,
    case_set_episode_start,
    case_share_with_clinic,
    case_start,
    form_submission_claim,
    form_submission_save_once,
    policy_save,
)
from .costs import cost_estimate_save
from .deadlines import (
    REMINDER_DAYS,
    deadline_reminders_send,
    deadline_set_letter_date,
    deadlines_refresh,
)
from .errors import CaseStateError
from .export import cases_export_csv, csv_safe
from .files import files_prune_orphans
from .letters import (
    READING_COPY_KINDS,
    case_attach_signed_letter,
    letter_get_or_draft,
    letter_reading_copy_pdf,
    letter_save,
)
from .oon_claims import (
    network_check_delete,
    network_check_save,
    network_gap_letter_draft,
    network_gap_packet_request,
    oon_claim_save,
)
from .packets import (
    packet_dispatch,
    packet_mark_failed,
    packet_render,
    packet_render_error_is_transient,
    packet_request,
    packets_resend_stalled,
)
from .records import (
    appeal_file,
    appeal_save,
    case_record_save,
    denial_save,
    document_delete,
    document_upload,
    history_diagnosis_save,
    history_record_delete,
    history_score_record,
    history_trial_save,
    insurer_call_delete,
    insurer_call_save,
    pa_request_record_decision,
    questionnaire_record,
    referral_provider_add,
    treatment_request_save,
)
from .review import (
    REVIEW_STEPS,
    REVIEWER_GROUP,
    case_approve_to_send,
    case_mark_sent,
    case_request_changes,
    case_review_start,
    review_apply,
    reviewer_group_ensure,
)
from .sessions import (
    LineInput,
    session_add,
    session_default_lines,
    session_delete,
    session_lines_fill_if_empty,
    session_update,
    superbill_request,
)

__all__ = [
    "network_check_delete",
    "network_check_save",
    "network_gap_letter_draft",
    "network_gap_packet_request",
    "oon_claim_save",
    "REMINDER_DAYS",
    "REVIEWER_GROUP",
    "REVIEW_STEPS",
    "CaseStateError",
    "appeal_file",
    "appeal_save",
    "approval_withdraw_if_stale",
    "approvals_withdraw_if_stale",
    "case_approve_to_send",
    "case_attach_signed_letter",
    "case_choose_criteria_policy",
    "case_choose_policy",
    "case_mark_sent",
    "case_record_save",
    "case_request_changes",
    "case_review_start",
    "case_send_to_clinic",
    "case_set_episode_start",
    "case_share_with_clinic",
    "case_start",
    "cases_export_csv",
    "cost_estimate_save",
    "csv_safe",
    "deadline_reminders_send",
    "deadline_set_letter_date",
    "deadlines_refresh",
    "denial_save",
    "document_delete",
    "document_upload",
    "form_submission_claim",
    "form_submission_save_once",
    "history_diagnosis_save",
    "history_record_delete",
    "history_score_record",
    "questionnaire_record",
    "history_trial_save",
    "insurer_call_delete",
    "insurer_call_save",
    "letter_get_or_draft",
    "letter_save",
    "letter_reading_copy_pdf",
    "READING_COPY_KINDS",
    "packet_is_out_of_date",
    "packet_mark_failed",
    "packet_render",
    "packet_request",
    "packet_dispatch",
    "packet_render_error_is_transient",
    "packets_resend_stalled",
    "files_prune_orphans",
    "pa_request_record_decision",
    "policy_save",
    "referral_provider_add",
    "review_apply",
    "treatment_request_save",
    "reviewer_group_ensure",
    # The session log and the superbill (issue 16).
    "LineInput",
    "session_add",
    "session_default_lines",
    "session_delete",
    "session_lines_fill_if_empty",
    "session_update",
    "superbill_request",
]
