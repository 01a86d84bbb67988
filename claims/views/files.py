"""Documents, letters and packets: editing a letter, asking for a packet, and the authorized
downloads (never a public media URL)."""

import io
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients import services as patient_services
from patients.decorators import patient_required
from patients.models import AccessLog

from .. import services
from ..forms import (
    LetterForm,
)
from ..models import Letter, Packet
from ..selectors import (
    escalation_letter_fits,
)
from .base import (
    case_for,
    denial_for,
    item_or_404,
    posted,
    staff_may_open_files,
    with_denial,
)


@login_required
def document_download(request, coveragecase_id, supportingdocument_id):
    """A document, for the patient or reviewers of the clinic the case is shared with."""
    case = case_for(request, coveragecase_id)
    staff_may_open_files(request)
    document = item_or_404(case.documents.all(), supportingdocument_id)
    handle = _opened(document.file)
    patient_services.access_log_record(
        actor=request.user, action=AccessLog.Action.DOWNLOAD, obj=document
    )
    # The name the patient uploaded it under (sanitized at upload), with the type it was kept as.
    stem = (
        PurePath(document.original_name).stem or document.title or document.get_category_display()
    )
    filename = f"{stem}{document.extension}"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@patient_required
def letter_edit(request, coveragecase_id, letter_id):
    case = case_for(request, coveragecase_id)
    letter = item_or_404(case.letters.all(), letter_id)
    form = LetterForm(posted(request), initial={"text": letter.text})
    back = LETTER_PAGES.get(letter.kind, "claims:step_appeal")
    if request.method == "POST" and form.is_valid():
        services.letter_save(letter=letter, text=form.cleaned_data["text"], by=request.user)
        messages.success(request, _("Your letter is saved. Make a new packet to use it."))
        return redirect(back, coveragecase_id=case.public_id)
    return render(
        request,
        "claims/letter_edit.html",
        {
            "case": case,
            "letter": letter,
            "form": form,
            "back": back,
            "reading_copy": letter.kind in services.READING_COPY_KINDS,
        },
    )


@patient_required
def letter_reading_copy(request, coveragecase_id, letter_id):
    """A Spanish reading copy of the letter of medical necessity or the appeal letter, as a PDF
    (issue 17): for the patient only, rendered now (a 1-3 page letter renders in about a second)."""
    case = case_for(request, coveragecase_id)
    letter = item_or_404(case.letters.filter(kind__in=services.READING_COPY_KINDS), letter_id)
    body = services.letter_reading_copy_pdf(letter)
    # What it is, never whose it is or what it says ("reading-copy-appeal-letter.pdf").
    filename = f"reading-copy-{letter.kind.replace('_', '-')}-letter.pdf"
    response = FileResponse(
        io.BytesIO(body), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "no-store"
    return response


# The page each kind of letter is made on, to go back to (the appeal step for the rest).
LETTER_PAGES = {
    Letter.Kind.MEDICAL_NECESSITY: "claims:step_submit",
    Letter.Kind.NETWORK_GAP: "claims:network_gap",  # issue 16
}


# Packets asked for on steps 5 and 6: the request, the appeal and the letters after it. The
# superbill and the network-gap request have their own pages and checks (issue 16 review).
STEP_PACKET_KINDS = frozenset(Packet.Kind.values) - {Packet.Kind.SUPERBILL, Packet.Kind.NETWORK_GAP}


@patient_required
@require_POST
def packet_create(request, coveragecase_id):
    case = case_for(request, coveragecase_id)
    kind = request.POST.get("kind")
    if kind not in STEP_PACKET_KINDS:
        raise Http404
    if not escalation_letter_fits(case, kind):
        # The page offers only the letters of the plan type's ladder: a stale page (the plan
        # type changed since) or a hand-made request.
        messages.error(
            request,
            _("This letter does not fit your kind of plan. Step 6 lists the letters that do."),
        )
        return redirect("claims:step_appeal", coveragecase_id=case.public_id)
    denial = None
    if kind != Packet.Kind.PRIOR_AUTHORIZATION:  # an appeal or a letter after it
        # The denial step 6 showed (a case may have several, issue 16), else the newest.
        denial = denial_for(case, request.POST.get("denial"))
    try:
        packet = services.packet_request(case=case, kind=kind, by=request.user, denial=denial)
    except services.CaseStateError as error:
        messages.error(request, str(error))
    else:
        packet.refresh_from_db()
        if packet.status == Packet.Status.QUEUED and packet.dispatched_at is None:
            # The broker did not take it (claims/services/packets.py): the sweep will.
            messages.success(
                request,
                _(
                    "Your request is saved. Our system is busy, so your packet will be made in "
                    "the next few minutes: this page will update by itself, or come back later."
                ),
            )
        else:
            messages.success(
                request, _("We are making your packet. This page will update by itself.")
            )
    back = "submit" if kind == Packet.Kind.PRIOR_AUTHORIZATION else "appeal"
    return with_denial(
        redirect(f"claims:step_{back}", coveragecase_id=case.public_id), case, denial
    )


@login_required
def packet_status(request, coveragecase_id, packet_id):
    """For the page that waits for a packet: its state, no health data."""
    case = case_for(request, coveragecase_id)
    staff_may_open_files(request)
    packet = item_or_404(case.packets.all(), packet_id)
    return JsonResponse({"status": packet.status})


@login_required
def packet_download(request, coveragecase_id, packet_id):
    """The packet PDF, for the patient or reviewers of the clinic the case is shared with."""
    case = case_for(request, coveragecase_id)
    staff_may_open_files(request)
    packet = item_or_404(case.packets.filter(status=Packet.Status.READY), packet_id)
    handle = _opened(packet.file)
    patient_services.access_log_record(
        actor=request.user, action=AccessLog.Action.DOWNLOAD, obj=packet
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{_download_name(packet)}-v{packet.version}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    return response


def _opened(file):
    """The stored file, open for reading; 404 when the storage no longer has it (files restored
    from a backup older than the database, README "Deploying"), not a server error."""
    try:
        return file.open("rb")
    except FileNotFoundError:
        raise Http404 from None


def _download_name(packet: Packet) -> str:
    """What the PDF is, in English like the PDF itself ("external-review-request"): never whose
    it is or what it is about, which a file name would show wherever it is saved."""
    if packet.kind == Packet.Kind.PRIOR_AUTHORIZATION:
        return "preauthorization-packet"
    with translation.override("en"):
        return slugify(packet.get_kind_display())
