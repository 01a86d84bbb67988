"""Paying for care out of network (issue 16): the patient's out-of-network claims with their
answers, and the in-network providers they checked with the network-gap request it drafts."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.decorators import patient_required

from .. import services
from ..forms import NetworkProviderCheckForm, OutOfNetworkClaimForm
from ..models import Letter, NetworkProviderCheck, OutOfNetworkClaim, Packet
from ..selectors import network_checks_digest, oon_claims_of
from .base import bound, case_for, item_or_404, posted, save_once


@patient_required
def oon_claims(request, coveragecase_id):
    case = case_for(request, coveragecase_id)
    data = posted(request)
    claim = item_or_404(
        case.oon_claims.all(),
        (data or {}).get("id") if data is not None else request.GET.get("claim"),
    )
    form = OutOfNetworkClaimForm(
        bound(data, "claim"),
        request.FILES if request.method == "POST" else None,
        instance=claim or OutOfNetworkClaim(case=case),
        case=case,
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data

        def save():
            return services.oon_claim_save(
                case=case,
                claim=form.save(commit=False),
                sessions=values["sessions"],
                by=request.user,
                denial_reason=values["denial_reason"],
                eob_upload=values["eob_file"],
            )

        try:
            saved = save() if claim else save_once(request, form, save)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if saved is not None and saved.status == OutOfNetworkClaim.Status.DENIED:
                messages.success(
                    request,
                    _(
                        "Saved. A denied claim can be appealed: step 6 now shows this denial "
                        "with its deadlines."
                    ),
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("claims:oon_claims", coveragecase_id=case.public_id)
    rows, totals = oon_claims_of(case, today=timezone.localdate())
    return render(
        request,
        "claims/oon_claims.html",
        {
            "case": case,
            "form": form,
            "editing": claim,
            "rows": rows,
            "totals": totals,
            "has_sessions": case.treatment_sessions.exists(),
            # The newest denied claim's denial; each denied claim links to its own as well.
            "appeal_denial": next(
                (d for d in (_denial_of(row.claim) for row in rows) if d is not None), None
            ),
        },
    )


def _denial_of(claim: OutOfNetworkClaim):
    request = claim.pa_request
    return getattr(request, "denial", None) if request is not None else None


def _add_errors(form, error: ValidationError) -> None:
    """A service's refusal, on the field it names when the form has that field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@patient_required
def network_gap(request, coveragecase_id):
    case = case_for(request, coveragecase_id)
    data = posted(request)
    action = data.get("action") if data is not None else None
    check = item_or_404(
        case.network_checks.all(),
        (data or {}).get("id") if action in ("provider", "delete") else request.GET.get("provider"),
    )
    form = NetworkProviderCheckForm(
        bound(data, "provider"), instance=check or NetworkProviderCheck(case=case)
    )
    if request.method == "POST" and action == "delete" and check is not None:
        services.network_check_delete(check=check)
        messages.success(request, _("Removed from your list."))
        return redirect("claims:network_gap", coveragecase_id=case.public_id)
    if request.method == "POST" and action == "draft":
        try:
            services.network_gap_letter_draft(case=case, by=request.user)
        except services.CaseStateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your letter is drafted from your list. Read and edit it."))
        return redirect("claims:network_gap", coveragecase_id=case.public_id)
    if request.method == "POST" and action == "provider" and form.is_valid():
        try:
            if check is not None:
                services.network_check_save(case=case, check=form.save(commit=False))
            else:
                save_once(
                    request,
                    form,
                    lambda: services.network_check_save(case=case, check=form.save(commit=False)),
                )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("claims:network_gap", coveragecase_id=case.public_id)
    checks = list(case.network_checks.all())
    letter = case.letters.filter(kind=Letter.Kind.NETWORK_GAP, denial=None).first()
    packets = list(case.packets.filter(kind=Packet.Kind.NETWORK_GAP))
    # The list as the letter was drafted from it (a fingerprint: a removed provider counts too);
    # a letter drafted before fingerprints were kept compares the providers' last changes.
    changed_since_letter = letter is not None and (
        letter.source_digest != network_checks_digest(checks)
        if letter.source_digest
        else not checks or any(c.updated_at > letter.updated_at for c in checks)
    )
    context: dict[str, Any] = {
        "case": case,
        "form": form,
        "editing": check,
        "checks": checks,
        "letter": letter,
        "packets": packets,
        "changed_since_letter": changed_since_letter,
    }
    return render(request, "claims/network_gap.html", context)


@patient_required
@require_POST
def network_gap_packet(request, coveragecase_id):
    """A PDF of the network-gap request letter (Packet.Kind.NETWORK_GAP); downloads go through
    the authorized claims:packet_download."""
    case = case_for(request, coveragecase_id)
    try:
        services.network_gap_packet_request(case=case, by=request.user)
    except services.CaseStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("We are making your PDF. This page will update by itself."))
    return redirect("claims:network_gap", coveragecase_id=case.public_id)
