"""The session log (issue 16): sessions received, their billing lines, and the superbill made
from them.

A new session's lines come from the request's codes (claims.codes.request_units, for one
session on its date under the case's plan type); the patient or the clinic's staff may then
change codes, units, modifiers, pointers and charges.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from patients.models import User

from .. import codes
from ..models import CoverageCase, Packet, SessionLine, TreatmentRequest, TreatmentSession
from ..selectors import superbill_missing_fields
from .errors import SuperbillIncompleteError
from .packets import packet_request


@dataclass(frozen=True)
class LineInput:
    """One billing line as typed (or as the codes give it), before it is saved."""

    code: str
    units: int = 1
    modifiers: str = ""
    diagnosis_pointer: str = "A"
    charge: Decimal | None = None


def session_default_lines(*, session: TreatmentSession) -> list[LineInput]:
    """The lines of one session from the request's codes: e.g. esketamine 84 mg under a
    commercial plan in 2026 is J0013 x 84, under Medicare G2083 x 1; IV ketamine is J3490 x 1
    with 96365 for the first hour (DOMAIN.md §2.1). A single line carries the session's whole
    charge; several lines are left for the patient or clinic to price."""
    policy = session.case.policy
    units = codes.request_units(
        treatment=session.treatment,
        plan_type=policy.plan_type if policy else "",
        service_date=session.service_date,
        dose_mg=session.dose_mg,
        sessions=1,
        infusion_minutes=session.infusion_minutes,
    )
    lines = [LineInput(code=u.code.code, units=u.units_per_session) for u in units]
    if len(lines) == 1:
        lines = [LineInput(code=lines[0].code, units=lines[0].units, charge=session.charge)]
    return lines


def _fill_from_request(session: TreatmentSession) -> None:
    """Dose, infusion length and NDC left empty take the request's (step 5), when the session
    is of the requested treatment."""
    request = TreatmentRequest.objects.filter(case=session.case).first()
    if request is None or session.treatment != session.case.treatment:
        return
    if session.dose_mg is None:
        session.dose_mg = request.dose_or_default
    if session.infusion_minutes is None:
        session.infusion_minutes = request.infusion_minutes
    if not session.ndc:
        session.ndc = request.ndc_or_default


def _lines_replace(*, session: TreatmentSession, lines: list[LineInput]) -> None:
    session.lines.all().delete()
    rows = []
    for position, line in enumerate(lines):
        row = SessionLine(
            session=session,
            position=position,
            code=line.code,
            units=line.units,
            modifiers=line.modifiers,
            diagnosis_pointer=line.diagnosis_pointer,
            charge=line.charge,
        )
        row.full_clean()
        rows.append(row)
    SessionLine.objects.bulk_create(rows)


@transaction.atomic
def session_add(
    *,
    case: CoverageCase,
    session: TreatmentSession,
    by: User,
    lines: list[LineInput] | None = None,
) -> TreatmentSession:
    """Record a session received, with its billing lines (from the codes unless given)."""
    session.case = case
    session.entered_by = by
    _fill_from_request(session)
    session.full_clean()
    session.save()
    _lines_replace(
        session=session, lines=session_default_lines(session=session) if lines is None else lines
    )
    return session


@transaction.atomic
def session_update(
    *, session: TreatmentSession, lines: list[LineInput] | None = None, refill: bool = False
) -> TreatmentSession:
    """Save an edited session; with `lines`, its lines become these; with `refill`, they are
    filled again from the codes for its (new) treatment, dose and date."""
    session.full_clean()
    session.save()  # always: a line edit changes the superbill's fingerprint (updated_at)
    if refill:
        lines = session_default_lines(session=session)
    if lines is not None:
        _lines_replace(session=session, lines=lines)
    return session


@transaction.atomic
def session_lines_fill_if_empty(*, session: TreatmentSession) -> None:
    """For a session entered in admin without lines: the codes' lines, as on the patient's
    page."""
    if not session.lines.exists():
        _lines_replace(session=session, lines=session_default_lines(session=session))


@transaction.atomic
def session_delete(*, session: TreatmentSession) -> None:
    """Remove a session entered by mistake (its lines go with it); superbills already made keep
    it, as records."""
    session.delete()


def superbill_request(*, case: CoverageCase, by: User) -> Packet:
    """Queue a superbill, or refuse while a field is missing: a superbill is never printed with
    a blank (DOMAIN.md §6 [R65]). The refusal's message names nothing (it may be kept in the
    messages cookie, and the missing fields name codes and dates of service); the session page
    lists them (superbill_missing_fields), and the error carries them."""
    missing = superbill_missing_fields(case)
    if missing:
        raise SuperbillIncompleteError(
            _("The superbill still needs a few details: see the list on this page."),
            missing=missing,
        )
    return packet_request(case=case, kind=Packet.Kind.SUPERBILL, by=by)
