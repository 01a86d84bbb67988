"""The clinic's CSV export of its review queue."""

import csv
from collections.abc import Iterable
from typing import Any

from patients.models import AccessLog, User
from patients.services import access_log_record

from ..models import CoverageCase
from ..progress import STEP_SLUGS

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): = + - @ get a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def cases_export_csv(*, cases: Iterable[CoverageCase], by: User, out: Any) -> int:
    """Write the selected cases as CSV: no clinical free text (notes, reasons, side effects),
    formulas neutralised; each exported case is recorded in the access log."""
    writer = csv.writer(out)
    writer.writerow(
        ["case", "patient", "email", "treatment", "payer", "plan type", "member id",
         "review status", *[f"step {s}" for s in STEP_SLUGS], "decision", "next deadline"]
    )  # fmt: skip
    count = 0
    for case in cases:
        policy = case.policy
        writer.writerow(
            csv_safe(v)
            for v in [
                case.public_id,
                case.patient.legal_name,
                case.patient.user.email,
                case.get_treatment_display(),
                policy.payer_name if policy else "",
                policy.get_plan_type_display() if policy else "",
                policy.member_id if policy else "",
                case.get_review_status_display(),
                *[getattr(case, f"step_{s}", "") for s in STEP_SLUGS],
                getattr(case, "latest_decision", "") or "",
                getattr(case, "next_due", "") or "",
            ]
        )
        access_log_record(actor=by, action=AccessLog.Action.EXPORT, obj=case)
        count += 1
    return count
