"""The session log and the superbill (issue 16): sessions received, with their billing lines and
what was paid, and the superbill PDF made from them (rendered like packets; downloaded through
claims:packet_download)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.decorators import patient_required

from .. import services
from ..forms import SessionLineFormSet, TreatmentSessionForm
from ..models import CoverageCase, Packet, TreatmentRequest, TreatmentSession
from ..selectors import (
    SUPERBILL_DIAGNOSIS_LETTERS,
    packet_is_out_of_date,
    session_totals,
    sessions_of,
    superbill_diagnoses,
    superbill_missing_fields,
)
from .base import bound, case_for, item_or_404, posted, save_once


def _new_session_initial(case: CoverageCase) -> dict:
    """A new session starts from the request (step 5): its dose, length, NDC and place."""
    request = TreatmentRequest.objects.filter(case=case).first()
    from_request = (
        {
            "dose_mg": request.dose_or_default,
            "infusion_minutes": request.infusion_minutes,
            "ndc": request.ndc_or_default,
            "place_of_service": request.place_of_service,
        }
        if request is not None
        else {}
    )
    today = timezone.localdate()
    # Paid starts empty, not at the model's 0: "nothing yet" is the patient's to say.
    return {"treatment": case.treatment, "service_date": today, "amount_paid": None, **from_request}


def _lines_initial(session: TreatmentSession) -> list[dict]:
    return [
        {
            "code": line.code,
            "units": line.units,
            "modifiers": line.modifiers,
            "diagnosis_pointer": line.diagnosis_pointer,
            "charge": line.charge,
        }
        for line in session.lines.all()
    ]


@patient_required
def sessions(request, coveragecase_id):
    case = case_for(request, coveragecase_id)
    data = bound(posted(request), "session")
    editing = item_or_404(
        case.treatment_sessions.all(),
        data.get("id") if data is not None else request.GET.get("session"),
    )
    form = TreatmentSessionForm(
        data,
        instance=editing or TreatmentSession(case=case),
        initial=None if editing else _new_session_initial(case),
        editing=editing is not None,
    )
    lines = (
        SessionLineFormSet(data, prefix="lines", initial=_lines_initial(editing))
        if editing
        else None
    )
    if (
        request.method == "POST"
        and data is not None
        and form.is_valid()
        and (lines is None or lines.is_valid())
    ):
        try:
            if editing is not None and lines is not None:
                services.session_update(
                    session=form.instance,
                    lines=[services.LineInput(**values) for values in lines.line_values()],
                    refill=form.cleaned_data.get("refill_codes", False),
                )
                message = _("The session is saved.")
            else:
                save_once(
                    request,
                    form,
                    lambda: services.session_add(case=case, session=form.instance, by=request.user),
                )
                message = _("The session is added, with its billing codes. Check them below.")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, message)
            return redirect("claims:sessions", coveragecase_id=case.public_id)
    rows = list(sessions_of(case))
    packets = list(case.packets.filter(kind=Packet.Kind.SUPERBILL))
    newest = next((p for p in packets if p.is_newest), None)
    return render(
        request,
        "claims/sessions.html",
        {
            "case": case,
            "sessions": rows,
            "totals": session_totals(rows),
            "form": form,
            "lines": lines,
            "editing": editing,
            "packets": packets,
            "packet_kind": Packet.Kind.SUPERBILL,
            "packet_out_of_date": bool(
                newest and newest.status == Packet.Status.READY and packet_is_out_of_date(newest)
            ),
            "superbill_missing": superbill_missing_fields(case),
            "diagnosis_letters": list(
                zip(SUPERBILL_DIAGNOSIS_LETTERS, superbill_diagnoses(case), strict=False)
            ),
        },
    )


@patient_required
@require_POST
def session_delete(request, coveragecase_id, treatmentsession_id):
    case = case_for(request, coveragecase_id)
    session = item_or_404(case.treatment_sessions.all(), treatmentsession_id)
    services.session_delete(session=session)
    messages.success(request, _("The session was removed."))
    return redirect("claims:sessions", coveragecase_id=case.public_id)


@patient_required
@require_POST
def superbill_create(request, coveragecase_id):
    case = case_for(request, coveragecase_id)
    try:
        services.superbill_request(case=case, by=request.user)
    except services.CaseStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("We are making your superbill. This page will update by itself.")
        )
    return redirect("claims:sessions", coveragecase_id=case.public_id)
