"""Writes for coverage cases and their records."""

import hashlib
from datetime import date, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.emails import send_email
from patients.models import AccessLog, Clinic, InsurancePolicy, Patient, User

from . import deadlines
from .models import (
    Appeal,
    CoverageCase,
    Deadline,
    Denial,
    FormSubmission,
    InsurerCall,
    Letter,
    Packet,
    PriorAuthorizationRequest,
    ReminderSent,
    ReviewEvent,
    SupportingDocument,
    appeal_levels_for,
)
from .uploads import clean_upload


@transaction.atomic
def case_start(
    *,
    patient: Patient,
    treatment: str,
    condition: str,
    policy: InsurancePolicy | None = None,
    treatment_other: str = "",
    condition_other: str = "",
) -> CoverageCase:
    """Open a new coverage case for a patient, under one of their own policies."""
    if policy is not None and policy.patient_id != patient.pk:
        raise ValidationError({"policy": _("Please pick one of your own insurance policies.")})
    case = CoverageCase(
        patient=patient,
        treatment=treatment,
        treatment_other=treatment_other,
        condition=condition,
        condition_other=condition_other,
        policy=policy,
    )
    case.full_clean()
    case.save()
    return case


@transaction.atomic
def case_share_with_clinic(*, case: CoverageCase, clinic: Clinic) -> CoverageCase:
    """Share a case with a clinic, recording the moment the patient agreed to it."""
    case.clinic = clinic
    case.clinic_consent_at = timezone.now()
    case.full_clean()
    case.save(update_fields=["clinic", "clinic_consent_at", "updated_at"])
    return case


@transaction.atomic
def document_upload(
    *, case: CoverageCase, category: str, upload, by: User, title: str = ""
) -> SupportingDocument:
    """Check and clean an uploaded file (claims/uploads.py), then store it privately."""
    clean = clean_upload(upload)
    document = SupportingDocument(
        case=case,
        category=category,
        title=title,
        original_name=clean.original_name,
        content_type=clean.content_type,
        extension=clean.extension,
        size=len(clean.content),
        page_count=clean.page_count,
        sha256=hashlib.sha256(clean.content).hexdigest(),
        uploaded_by=by,
    )
    document.file.save("upload", ContentFile(clean.content), save=False)
    try:
        document.full_clean()
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def pa_request_record_decision(
    *,
    pa_request: PriorAuthorizationRequest,
    decision: str,
    decided_on: date | None,
    received_on: date | None = None,
    approved_sessions: int | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> PriorAuthorizationRequest:
    """Record the insurer's decision. A denial, or a partial approval, opens a Denial record for
    the patient to complete from the letter."""
    if decided_on and received_on and received_on < decided_on:
        raise ValidationError(
            {"decision_received_on": _("The letter cannot arrive before the date printed on it.")}
        )
    pa_request.decision = decision
    pa_request.decided_on = decided_on
    pa_request.decision_received_on = received_on
    pa_request.approved_sessions = approved_sessions
    pa_request.valid_from = valid_from
    pa_request.valid_until = valid_until
    pa_request.full_clean()
    pa_request.save()
    Decision = PriorAuthorizationRequest.Decision
    if decision in (Decision.DENIED, Decision.PARTIALLY_APPROVED):
        Denial.objects.get_or_create(
            pa_request=pa_request,
            defaults={"notice_date": decided_on, "received_on": received_on or decided_on},
        )
    deadlines_refresh(case=pa_request.case)
    return pa_request


@transaction.atomic
def appeal_file(
    *,
    denial: Denial,
    level: str,
    filed_on: date | None = None,
    expedited: bool = False,
    reference_number: str = "",
) -> Appeal:
    """Record an appeal of a denial at a level that fits the case's plan type."""
    policy = denial.pa_request.case.policy
    allowed = appeal_levels_for(policy.plan_type if policy else None)
    if level not in allowed:
        labels = ", ".join(str(Appeal.Level(v).label) for v in allowed)
        raise ValidationError(
            {
                "level": _("This level does not apply to this kind of plan. Choose one of: %(l)s.")
                % {"l": labels}
            }
        )
    appeal = Appeal(
        denial=denial,
        level=level,
        filed_on=filed_on,
        expedited=expedited,
        reference_number=reference_number,
    )
    appeal.full_clean()
    appeal.save()
    deadlines_refresh(case=denial.pa_request.case)
    return appeal


@transaction.atomic
def appeal_save(*, appeal: Appeal) -> Appeal:
    """Save changes to an appeal (its outcome, dates, reference) and recompute deadlines."""
    appeal.full_clean()
    appeal.save()
    deadlines_refresh(case=appeal.denial.pa_request.case)
    return appeal


@transaction.atomic
def denial_save(*, denial: Denial) -> Denial:
    """Save what the denial letter says; its dates start the appeal clocks."""
    denial.full_clean()
    denial.save()
    deadlines_refresh(case=denial.pa_request.case)
    return denial


@transaction.atomic
def policy_save(*, case: CoverageCase, policy: InsurancePolicy) -> InsurancePolicy:
    """Save the patient's policy from the case's step 1 and pursue the case under it; the plan
    type decides the deadlines of every case under the policy."""
    policy.patient = case.patient
    policy.full_clean()
    policy.save()
    if case.policy_id != policy.pk:
        case_choose_policy(case=case, policy=policy)
    for other in policy.cases.all():
        deadlines_refresh(case=other)
    return policy


class CaseStateError(Exception):
    """A step that the case's current state does not allow; the message is for the patient."""


def form_submission_claim(*, token, user: User) -> bool:
    """True the first time a form token is seen; False for a double click or a re-sent form."""
    if token is None:
        return True
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, user=user)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def case_choose_policy(*, case: CoverageCase, policy: InsurancePolicy) -> CoverageCase:
    """Pursue the case under one of the patient's own policies."""
    if policy.patient_id != case.patient_id:
        raise ValidationError({"policy": _("Please pick one of your own insurance policies.")})
    case.policy = policy
    case.save(update_fields=["policy", "updated_at"])
    deadlines_refresh(case=case)
    return case


@transaction.atomic
def insurer_call_save(
    *, case: CoverageCase, call: InsurerCall, questions_and_answers: list[dict[str, str]]
) -> InsurerCall:
    """Log (or correct) a call to the insurer, with the answers to the question script."""
    call.case = case
    call.questions_and_answers = questions_and_answers
    call.full_clean()
    call.save()
    return call


@transaction.atomic
def case_record_save(*, case: CoverageCase, record):
    """Save a record that belongs to the case (referral, pre-authorization request, appeal...)."""
    record.case = case
    record.full_clean()
    record.save()
    if isinstance(record, PriorAuthorizationRequest):
        deadlines_refresh(case=case)
    return record


@transaction.atomic
def case_send_to_clinic(*, case: CoverageCase, clinic: Clinic) -> CoverageCase:
    """Share the case with a clinic (the patient's consent, timestamped) and ask it to review.

    Allowed while not yet shared, or after the clinic asked for changes (a resubmission).
    """
    try:
        return _review_transition(
            case=case,
            allowed_from=[Review.NOT_SHARED, Review.CHANGES_REQUESTED],
            to=Review.SUBMITTED,
            by=case.patient.user,
            clinic=clinic,
            clinic_consent_at=timezone.now(),
        )
    except CaseStateError as error:
        raise CaseStateError(_("This case is already with your clinic.")) from error


@transaction.atomic
def document_delete(*, document: SupportingDocument) -> None:
    """Delete an uploaded document and, once the deletion is committed, its file."""
    storage, name = document.file.storage, document.file.name
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- Deadlines ---

REMINDER_DAYS = (14, 7, 2)


def _case_clocks(case: CoverageCase) -> dict[str, tuple[deadlines.Clock, bool]]:
    """key -> (clock, met) for every deadline that applies to the case now."""
    policy = case.policy
    plan_type = policy.plan_type if policy else ""
    benefit = policy.treatment_benefit if policy else "unknown"
    grandfathered = policy.grandfathered if policy else "unknown"
    Decision = PriorAuthorizationRequest.Decision
    Outcome = Appeal.Outcome
    clocks: dict[str, tuple[deadlines.Clock, bool]] = {}
    requests = list(case.pa_requests.select_related("denial").prefetch_related("denial__appeals"))
    for request in requests:
        if request.submitted_on:
            clock = deadlines.decision_due(
                plan_type=plan_type,
                submitted_on=request.submitted_on,
                expedited=request.urgency == PriorAuthorizationRequest.Urgency.EXPEDITED,
                treatment=case.treatment,
                benefit=benefit,
            )
            if clock:
                clocks[f"decision_due:pa:{request.pk}"] = (
                    clock,
                    request.decision != Decision.PENDING,
                )
        if request.decision == Decision.APPROVED or request.decision == Decision.PARTIALLY_APPROVED:
            renewed = any(
                r.kind == PriorAuthorizationRequest.Kind.REAUTHORIZATION
                and r.submitted_on
                and request.valid_until
                and r.submitted_on >= request.valid_until - timedelta(days=60)
                for r in requests
            )
            for clock in deadlines.approval_clocks(valid_until=request.valid_until):
                clocks[f"{clock.kind}:pa:{request.pk}"] = (clock, renewed)
        denial = getattr(request, "denial", None)
        if denial is None:
            continue
        appeals = list(denial.appeals.all())
        filed = {a.level for a in appeals if a.filed_on}
        for level in appeal_levels_for(plan_type or None):
            if level in ("internal_2", "external_review", "ma_ire", "alj", "other"):
                continue
            if level in ("state_fair_hearing", "qic_reconsideration"):
                continue  # counted from the first level's decision, below
            clock = deadlines.appeal_filing(
                plan_type=plan_type,
                level=level,
                notice_date=denial.notice_date,
                received_on=denial.received_on,
            )
            if clock:
                clocks[f"appeal_filing:{denial.pk}:{level}"] = (clock, level in filed)
        upheld = sorted(
            (a for a in appeals if a.outcome == Outcome.UPHELD and a.decided_on),
            key=lambda a: a.decided_on,
        )
        if upheld:
            last = upheld[-1]
            next_level = {
                "medicaid_plan_appeal": "state_fair_hearing",
                "redetermination": "qic_reconsideration",
            }.get(last.level)
            if next_level:
                clock = deadlines.appeal_filing(
                    plan_type=plan_type,
                    level=next_level,
                    notice_date=last.decided_on,
                    received_on=None,
                )
                if clock:
                    clocks[f"appeal_filing:{denial.pk}:{next_level}"] = (clock, next_level in filed)
            if last.level in ("internal_1", "internal_2"):
                clock = deadlines.external_review(
                    plan_type=plan_type,
                    grandfathered=grandfathered,
                    final_denial_received_on=last.decided_on,
                )
                if clock:
                    met = "external_review" in filed
                    clocks[f"external_review:{denial.pk}"] = (clock, met)
        for appeal in appeals:
            if appeal.filed_on:
                clock = deadlines.appeal_decision_due(
                    plan_type=plan_type,
                    filed_on=appeal.filed_on,
                    expedited=appeal.expedited,
                    benefit=benefit,
                )
                if clock:
                    met = appeal.outcome != Outcome.PENDING
                    clocks[f"appeal_decision_due:{appeal.pk}"] = (clock, met)
    return clocks


@transaction.atomic
def deadlines_refresh(*, case: CoverageCase) -> list[Deadline]:
    """Recompute the case's deadlines from its current dates; keep dates from letters."""
    case = (
        CoverageCase.objects.select_related("policy")
        .select_for_update(of=("self",))
        .get(pk=case.pk)
    )
    clocks = _case_clocks(case)
    existing = {d.key: d for d in case.deadlines.all()}
    now = timezone.now()
    for key, (clock, met) in clocks.items():
        row = existing.get(key) or Deadline(case=case, key=key)
        row.kind = clock.kind
        row.level = clock.level
        row.computed_due_on = clock.due
        row.due_on = row.letter_due_on or clock.due
        row.rule_id, row.rule_version = clock.rule.id, clock.rule.version
        row.rule_source, row.check_letter = clock.rule.source, clock.rule.check_letter
        row.met_at = (row.met_at or now) if met else None
        row.save()
    case.deadlines.exclude(key__in=clocks).delete()
    return list(case.deadlines.all())


@transaction.atomic
def deadline_set_letter_date(*, deadline: Deadline, letter_due_on: date | None) -> Deadline:
    """Use the date printed in the patient's letter instead of the computed one (or go back)."""
    deadline.letter_due_on = letter_due_on
    deadline.due_on = letter_due_on or deadline.computed_due_on
    deadline.full_clean()
    deadline.save(update_fields=["letter_due_on", "due_on", "updated_at"])
    return deadline


def deadline_reminders_send(*, today: date) -> int:
    """Email each patient 14, 7 and 2 days before each open deadline, once per threshold.

    Catches up after downtime: a missed threshold is sent late, once, as the nearest one (a
    patient never gets the 14-day and the 7-day email on the same day). Nothing after the due
    date, nothing for a deadline already met. The email holds no health information.
    """
    sent = 0
    due = Deadline.objects.filter(
        met_at__isnull=True,
        due_on__gte=today,
        due_on__lte=today + timedelta(days=max(REMINDER_DAYS)),
    ).select_related("case__patient__user")
    for deadline in due:
        days_left = (deadline.due_on - today).days
        passed = [d for d in REMINDER_DAYS if days_left <= d]
        done = set(deadline.reminders.values_list("days_before", flat=True))
        if not passed or min(passed) in done:
            continue
        with transaction.atomic():
            for threshold in passed:
                ReminderSent.objects.get_or_create(deadline=deadline, days_before=threshold)
            transaction.on_commit(
                partial(
                    send_email,
                    to=deadline.case.patient.user.email,
                    template="deadline_reminder",
                    context={"days_left": days_left},
                )
            )
        sent += 1
    return sent


# --- Letters and packets ---------------------------------------------------------------------


@transaction.atomic
def letter_get_or_draft(*, case: CoverageCase, kind: str, denial: Denial | None = None) -> Letter:
    """The case's saved letter of this kind, drafted from the case the first time it is needed."""
    from . import letters

    letter = Letter.objects.filter(case=case, kind=kind, denial=denial).first()
    if letter is not None:
        return letter
    if kind == Letter.Kind.APPEAL:
        text = letters.draft_appeal_letter(case, denial)
    else:
        text = letters.draft_medical_necessity_letter(case)
    letter = Letter(case=case, kind=kind, denial=denial, text=text)
    letter.full_clean()
    letter.save()
    return letter


@transaction.atomic
def letter_save(*, letter: Letter, text: str, by: User) -> Letter:
    """Save an edited letter; the next packet renders this text."""
    letter.text = text
    letter.edited_by = by
    letter.full_clean()
    letter.save(update_fields=["text", "edited_by", "updated_at"])
    return letter


@transaction.atomic
def packet_request(
    *, case: CoverageCase, kind: str, by: User, denial: Denial | None = None
) -> Packet:
    """Queue a new version of a packet; the worker renders it after this transaction commits."""
    from .pdf import facts_digest, packet_facts
    from .tasks import render_packet

    if kind == Packet.Kind.APPEAL and denial is None:
        raise CaseStateError(_("An appeal packet needs a denial to answer."))
    letter_kind = (
        Letter.Kind.APPEAL if kind == Packet.Kind.APPEAL else Letter.Kind.MEDICAL_NECESSITY
    )
    # One request at a time per case: two quick clicks must not draft two letters or two v1s.
    CoverageCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    letter_get_or_draft(case=case, kind=letter_kind, denial=denial)
    versions = Packet.objects.filter(case=case, kind=kind)
    number = (versions.aggregate(n=models.Max("version"))["n"] or 0) + 1
    versions.filter(is_newest=True).update(is_newest=False)
    packet = Packet(
        case=case, kind=kind, denial=denial, version=number, requested_by=by, is_newest=True
    )
    packet.source_digest = facts_digest(packet_facts(packet))
    packet.full_clean()
    packet.save()
    transaction.on_commit(partial(render_packet.delay, packet.pk))
    return packet


def packet_is_out_of_date(packet: Packet) -> bool:
    """Whether the case changed since this packet was made."""
    from .pdf import facts_digest, packet_facts

    return packet.source_digest != facts_digest(packet_facts(packet))


def packet_render(*, packet_id: int) -> Packet:
    """Render a packet and store its file; running it twice leaves the same state.

    Any exception propagates: the task retries a few times, then marks the packet failed.
    """
    import time

    from .pdf import render_packet_pdf

    claimed = Packet.objects.filter(
        pk=packet_id, status__in=[Packet.Status.QUEUED, Packet.Status.RENDERING]
    ).update(status=Packet.Status.RENDERING, updated_at=timezone.now())
    packet = Packet.objects.select_related("case__patient__user", "denial").get(pk=packet_id)
    if not claimed:
        return packet  # already ready (or failed for good): nothing to do
    started = time.monotonic()
    data, pages = render_packet_pdf(packet)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    if packet.file:
        packet.file.delete(save=False)
    name = f"packet-{packet.case.public_id}-{packet.kind}-v{packet.version}.pdf"
    packet.file.save(name, ContentFile(data), save=False)
    packet.page_count = pages
    packet.size = len(data)
    packet.sha256 = hashlib.sha256(data).hexdigest()
    packet.render_ms = elapsed_ms
    packet.status = Packet.Status.READY
    packet.error = ""
    packet.save()
    return packet


def packet_mark_failed(*, packet_id: int, message: str) -> None:
    """Give up on a packet, with a message the patient can read."""
    Packet.objects.filter(pk=packet_id).exclude(status=Packet.Status.READY).update(
        status=Packet.Status.FAILED, error=message, updated_at=timezone.now()
    )


# --- Clinic review ---------------------------------------------------------------------------

Review = CoverageCase.ReviewStatus


def _review_transition(
    *,
    case: CoverageCase,
    allowed_from: list[str],
    to: str,
    by: User | None,
    note: str = "",
    packet: Packet | None = None,
    **fields,
) -> CoverageCase:
    """Move the case's review status, only from the allowed states (a guarded UPDATE), and
    record the step with its note."""
    current = CoverageCase.objects.filter(pk=case.pk).values_list("review_status", flat=True)
    from_status = current.first()
    updated = CoverageCase.objects.filter(pk=case.pk, review_status__in=allowed_from).update(
        review_status=to, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        label = Review(from_status).label if from_status else ""
        raise CaseStateError(
            _("This cannot be done while the case is “%(status)s”.") % {"status": label}
        )
    ReviewEvent.objects.create(
        case=case, from_status=from_status, to_status=to, note=note, packet=packet, by=by
    )
    case.refresh_from_db()
    return case


@transaction.atomic
def case_review_start(*, case: CoverageCase, by: User, note: str = "") -> CoverageCase:
    """A reviewer takes a submitted case."""
    return _review_transition(
        case=case, allowed_from=[Review.SUBMITTED], to=Review.IN_REVIEW, by=by, note=note
    )


@transaction.atomic
def case_request_changes(*, case: CoverageCase, by: User, note: str) -> CoverageCase:
    """Send the case back to the patient with a note; the patient gets an email (no health
    information in it) and sees the note on their dashboard."""
    if not note.strip():
        raise ValidationError({"note": _("Say what the patient should change.")})
    case = _review_transition(
        case=case,
        allowed_from=[Review.SUBMITTED, Review.IN_REVIEW, Review.APPROVED_TO_SEND],
        to=Review.CHANGES_REQUESTED,
        by=by,
        note=note.strip(),
        approved_packet=None,
    )
    transaction.on_commit(
        partial(send_email, to=case.patient.user.email, template="review_update", context={})
    )
    return case


def _newest_current_packet(case: CoverageCase) -> Packet:
    packet = case.packets.filter(kind=Packet.Kind.PRIOR_AUTHORIZATION, is_newest=True).first()
    if packet is None or packet.status != Packet.Status.READY:
        raise CaseStateError(
            _("Make the pre-authorization packet first, and wait until it is ready.")
        )
    if packet_is_out_of_date(packet):
        raise CaseStateError(_("The case changed after the newest packet: make a new one first."))
    return packet


@transaction.atomic
def case_approve_to_send(*, case: CoverageCase, by: User, note: str = "") -> CoverageCase:
    """Approve the newest packet for sending. Needs the provider's signed letter of medical
    necessity; the approval is tied to that packet version."""
    # Lock the case so a patient's edit cannot slip between the checks and the update.
    CoverageCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    letter = case.letters.filter(kind=Letter.Kind.MEDICAL_NECESSITY).first()
    if letter is None or letter.signed_copy_id is None:
        raise CaseStateError(_("Attach the signed letter of medical necessity first."))
    packet = _newest_current_packet(case)
    if letter.signed_copy.updated_at > packet.created_at:
        raise CaseStateError(_("The signed letter came after the newest packet: make a new one."))
    return _review_transition(
        case=case,
        allowed_from=[Review.IN_REVIEW],
        to=Review.APPROVED_TO_SEND,
        by=by,
        note=note,
        packet=packet,
        approved_packet=packet,
    )


@transaction.atomic
def case_mark_sent(
    *,
    case: CoverageCase,
    by: User,
    method: str,
    submitted_on: date,
    reference_number: str = "",
    urgency: str = PriorAuthorizationRequest.Urgency.STANDARD,
    note: str = "",
) -> PriorAuthorizationRequest:
    """Record that the approved packet went to the insurer: writes the request record."""
    case = (
        CoverageCase.objects.select_related("approved_packet")
        .select_for_update(of=("self",))
        .get(pk=case.pk)
    )
    if case.approved_packet is None or packet_is_out_of_date(case.approved_packet):
        raise CaseStateError(_("The approved packet is no longer current: review the case again."))
    earlier = case.pa_requests.exists()
    _review_transition(
        case=case,
        allowed_from=[Review.APPROVED_TO_SEND],
        to=Review.SENT,
        by=by,
        note=note,
        packet=case.approved_packet,
    )
    request = PriorAuthorizationRequest(
        case=case,
        kind=PriorAuthorizationRequest.Kind.RESUBMISSION
        if earlier
        else PriorAuthorizationRequest.Kind.INITIAL,
        submitted_by=PriorAuthorizationRequest.SubmittedBy.CLINIC,
        method=method,
        submitted_on=submitted_on,
        reference_number=reference_number,
        urgency=urgency,
    )
    return case_record_save(case=case, record=request)


@transaction.atomic
def case_attach_signed_letter(*, case: CoverageCase, document: SupportingDocument) -> Letter:
    """Mark the letter of medical necessity as signed, by the uploaded signed copy."""
    if document.case_id != case.pk:
        raise ValidationError(_("That document belongs to another case."))
    letter = letter_get_or_draft(case=case, kind=Letter.Kind.MEDICAL_NECESSITY)
    letter.signed_copy = document
    letter.save(update_fields=["signed_copy", "updated_at"])
    return letter


def case_revoke_stale_approval(*, case: CoverageCase) -> bool:
    """After the patient edits an approved case, the approval no longer matches the facts:
    send the case back to review. True when that happened."""
    case = CoverageCase.objects.select_related("approved_packet").get(pk=case.pk)
    if case.review_status != Review.APPROVED_TO_SEND or case.approved_packet is None:
        return False
    if not packet_is_out_of_date(case.approved_packet):
        return False
    with transaction.atomic():
        _review_transition(
            case=case,
            allowed_from=[Review.APPROVED_TO_SEND],
            to=Review.IN_REVIEW,
            by=None,
            note=str(_("The case changed after it was approved: it needs another look.")),
            approved_packet=None,
        )
    return True


# --- Export ---------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): = + - @ get a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def cases_export_csv(*, cases, by: User, out) -> int:
    """Write the selected cases as CSV: no clinical free text (notes, reasons, side effects),
    formulas neutralised; each exported case is recorded in the access log."""
    import csv

    from patients.services import access_log_record

    from .progress import STEP_SLUGS

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


# --- Roles ----------------------------------------------------------------------------------

REVIEWER_GROUP = "reviewer"


def reviewer_group_ensure():
    """The "reviewer" group: read every patient and case record (of cases shared with the
    reviewer's clinic), open documents, edit letters, and move cases through the review.
    Staff outside it can sign in but cannot open documents or review."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    permissions = Permission.objects.filter(
        Q(content_type__app_label__in=["patients", "claims"], codename__startswith="view_")
        | Q(content_type__app_label="claims", codename__in=["review_case", "change_letter"])
    ).exclude(codename__in=["view_formsubmission", "view_user", "view_consent", "view_accesslog"])
    group.permissions.set(permissions)
    return group
