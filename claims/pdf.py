"""Packets as PDF: HTML rendered by WeasyPrint, the uploaded documents appended with pypdf, and a
footer (patient, member ID, page X of Y) stamped on every page, appended ones included.

`render_packet_pdf` only reads: no database writes (the task records the result). Packets render
in English whatever the interface language: insurers read English.
"""

import io
import logging
import mimetypes
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from PIL import Image
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import RectangleObject
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import codes, timeline
from .letters.text import split_closing
from .models import CoverageCase, Letter, Packet, PriorAuthorizationRequest, SupportingDocument
from .selectors import PacketSources, criteria_check_for, packet_sources_of, superbill_for

logger = logging.getLogger(__name__)

LETTER_W, LETTER_H = 612, 792  # US Letter, in points: what fax machines and portals expect
STATIC_BASE = "https://static.coverage-guide.invalid/"
# A missing fact is a bracketed note that names it (the cover sheet says the same).
LEGAL_NAME_PLACEHOLDER = "[Patient's legal name]"


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types
    """Serves the app's own static files and nothing else: no file://, no network.

    Template text is escaped, so a patient's field cannot become markup; this is the second
    wall, should an <img src="file:///etc/passwd"> or an outside URL ever reach WeasyPrint.
    """

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if not url.startswith(STATIC_BASE):
            raise ValueError("refused: packets load only the app's static files")
        relative = url.removeprefix(STATIC_BASE).split("?")[0]
        if ".." in Path(relative).parts:
            raise ValueError("refused: path outside the static files")
        found = finders.find(relative)
        if not found:
            raise ValueError("not a static file")
        mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=Path(found).read_bytes(), headers={"Content-Type": mime}
        )


@dataclass
class Enclosure:
    number: int
    title: str
    category: str
    pages: int
    reader: PdfReader | None  # None: could not be attached

    @property
    def attached(self) -> bool:
        return self.reader is not None


def _enclosure_reader(document: SupportingDocument) -> PdfReader | None:
    """The document as PDF pages, or None when it cannot be read (encrypted, broken, missing)."""
    try:
        with document.file.open("rb") as fh:
            data = fh.read()
        if document.content_type == "application/pdf":
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                return None
            _ = [page.mediabox for page in reader.pages]
            return reader
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        dpi = image.info.get("dpi", (150, 150))[0] or 150
        image.save(buffer, "PDF", resolution=float(dpi))
        return PdfReader(io.BytesIO(buffer.getvalue()))
    except Exception:  # an unreadable upload must not sink the whole packet
        logger.warning("packet: an enclosure could not be attached", exc_info=False)
        return None


def _request_lines(
    case: CoverageCase, sources: PacketSources, today: date
) -> list[codes.CodeUnits]:
    """The request's codes with units, for the first day of service asked (or today)."""
    request = sources.treatment_request
    if request is None or not request.sessions:
        return []
    policy = sources.policy
    return codes.request_units(
        treatment=case.treatment,
        plan_type=policy.plan_type if policy else "",
        service_date=request.start_date or today,
        dose_mg=request.dose_or_default,
        sessions=request.sessions,
        infusion_minutes=request.infusion_minutes,
    )


def packet_facts(packet: Packet) -> dict[str, Any]:
    """Everything the packet shows, read from the case (no writes): its source records
    (claims.selectors.packet_sources, which also fingerprint it), the billing codes and the
    timeline drawing."""
    case = packet.case
    sources = packet_sources_of(packet)
    # A packet answering a denial shows that denial's own request (a denied out-of-network
    # claim's, issue 16); others the request for care ahead, not a claim's.
    latest_request: PriorAuthorizationRequest | None
    if sources.denial is not None:
        latest_request = sources.denial.pa_request
    else:
        requests = list(case.pa_requests.exclude(kind=PriorAuthorizationRequest.Kind.CLAIM))
        latest_request = requests[0] if requests else None
    today = timezone.localdate()
    policy = sources.policy
    return {
        "packet": packet,
        "case": case,
        "patient": case.patient,
        "policy": policy,
        "diagnoses": sources.diagnoses,
        "trials": sources.trials,
        "scores": sources.scores,
        "request": sources.treatment_request,
        "request_lines": _request_lines(case, sources, today),
        "codes": codes.treatment_codes(
            treatment=case.treatment,
            plan_type=policy.plan_type if policy else "",
            service_date=today,
        ),
        "urgency": latest_request.get_urgency_display()
        if latest_request
        else PriorAuthorizationRequest.Urgency.STANDARD.label,
        "latest_request": latest_request,
        "denial": sources.denial,
        "referral": sources.referral,
        "clinic": case.clinic,
        "letter": sources.letter,
        # The closing paragraph and the signatures print together (the template keeps them on one
        # page): a signature alone on a page reads as detached from the letter.
        "letter_parts": split_closing(sources.letter.text) if sources.letter else ("", ""),
        "documents": sources.documents,
        "today": today,
        "timeline_svg": timeline.trials_timeline_svg(sources.trials, sources.scores, today=today),
        # The letter's criteria table: the case against the payer's policy (issue 12).
        "criteria": criteria_check_for(case, today=today)
        if packet.kind == Packet.Kind.PRIOR_AUTHORIZATION
        else None,
    }


def superbill_facts(packet: Packet) -> dict[str, Any]:
    """What a superbill shows (issue 16): claims.selectors.superbill_for, read as it stands."""
    today = timezone.localdate()
    bill = superbill_for(packet.case, today=today)
    return {
        "packet": packet,
        "case": packet.case,
        "patient": bill.patient,
        "policy": bill.policy,
        "bill": bill,
        "documents": [],
        "today": today,
    }


def _fit_to_letter(page: PageObject) -> None:
    """Scale a page (any size) to fit US Letter, centred."""
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    if (round(width), round(height)) == (LETTER_W, LETTER_H) and float(box.left) == 0:
        return
    scale = min(LETTER_W / width, LETTER_H / height)
    dx = (LETTER_W - width * scale) / 2 - float(box.left) * scale
    dy = (LETTER_H - height * scale) / 2 - float(box.bottom) * scale
    page.add_transformation(Transformation().scale(scale, scale).translate(dx, dy))
    page.mediabox = RectangleObject([0, 0, LETTER_W, LETTER_H])
    page.cropbox = RectangleObject([0, 0, LETTER_W, LETTER_H])


def render_packet_pdf(packet: Packet) -> tuple[bytes, int]:
    """The packet as one PDF, and its page count."""
    with translation.override("en"):
        superbill = packet.kind == Packet.Kind.SUPERBILL
        facts = superbill_facts(packet) if superbill else packet_facts(packet)
        enclosures = []
        for number, document in enumerate(facts["documents"], start=1):
            reader = _enclosure_reader(document)
            enclosures.append(
                Enclosure(
                    number=number,
                    title=document.title or document.get_category_display(),
                    category=document.get_category_display(),
                    pages=len(reader.pages) if reader else 0,
                    reader=reader,
                )
            )
        template = (
            "claims/pdf/packet.html"
            if packet.kind in (Packet.Kind.PRIOR_AUTHORIZATION, Packet.Kind.APPEAL)
            else "claims/pdf/letter.html"  # one escalation letter (issue 15)
        )
        if superbill:
            template = "claims/pdf/superbill.html"
        html = render_to_string(template, {**facts, "enclosures": enclosures})
        fetcher = StaticOnlyFetcher()
        body = HTML(string=html, base_url=STATIC_BASE, url_fetcher=fetcher).write_pdf()

        writer = PdfWriter()
        writer.append(PdfReader(io.BytesIO(body)))
        for enclosure in enclosures:
            if enclosure.reader is not None:
                writer.append(enclosure.reader)
        for page in writer.pages:
            _fit_to_letter(page)

        total = len(writer.pages)
        policy = facts["policy"]
        footer_html = render_to_string(
            "claims/pdf/footer.html",
            {
                # Never the email address: the insurer knows the patient by name.
                "name": facts["patient"].legal_name or LEGAL_NAME_PLACEHOLDER,
                "member_id": policy.member_id if policy else "",
                "pages": range(1, total + 1),
                "total": total,
            },
        )
        footers = PdfReader(io.BytesIO(HTML(string=footer_html, url_fetcher=fetcher).write_pdf()))
        for page, footer in zip(writer.pages, footers.pages, strict=True):
            page.merge_page(footer)

        output = io.BytesIO()
        writer.write(output)
        return output.getvalue(), total


def render_reading_copy_pdf(*, letter: Letter, text: str) -> bytes:
    """A Spanish reading copy of a letter (issue 17): `text`, the letter drafted in Spanish,
    under a banner saying the English letter is the one sent. Called with Spanish active."""
    html = render_to_string(
        "claims/pdf/reading_copy.html",
        {"letter": letter, "letter_parts": split_closing(text), "today": timezone.localdate()},
    )
    return bytes(
        HTML(string=html, base_url=STATIC_BASE, url_fetcher=StaticOnlyFetcher()).write_pdf()
    )
