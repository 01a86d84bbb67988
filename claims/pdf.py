"""Packets as PDF: HTML rendered by WeasyPrint, the uploaded documents appended with pypdf, and a
footer (patient, member ID, page X of Y) stamped on every page, appended ones included.

`render_packet_pdf` only reads: no database writes (the task records the result). Packets render
in English whatever the interface language: insurers read English.

WeasyPrint runs once per packet (issue 18, item 5). The footer is drawn by pypdf after the uploads
are appended, as a few lines of PDF in Helvetica, when Helvetica can draw it (WinAnsiEncoding, one
line): a second WeasyPrint pass for the footers alone made the render about twice WeasyPrint's
time. A name it cannot draw (Cyrillic, Vietnamese, a very long one) is left to WeasyPrint in the
same pass, which can: margin boxes, and a blank page for each appended page to be drawn onto.
"""

import io
import logging
import mimetypes
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from PIL import Image
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf._codecs.core_font_metrics import CORE_FONT_METRICS
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    RectangleObject,
    StreamObject,
)
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
MEMBER_ID_PLACEHOLDER = "[Member ID]"

# The stamped footer: Helvetica, a PDF standard font (every reader has it: nothing to embed), in
# WinAnsiEncoding (cp1252), 8 pt, 0.75 in from the sides and 0.3 in from the foot, under a rule.
FOOTER_NAME = NameObject("/CoverageGuideFooter")  # its resource's name on each page
FOOTER_SIZE = 8
FOOTER_LEFT, FOOTER_RIGHT = 54, LETTER_W - 54
FOOTER_BASELINE, FOOTER_RULE = 23.5, 33
FOOTER_GAP = 12  # at least this between the name and the page number
HELVETICA_WIDTHS = CORE_FONT_METRICS["Helvetica"].character_widths  # per 1000 of the size


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


@contextmanager
def _timed(stages: dict[str, float] | None, stage: str) -> Iterator[None]:
    """Add the block's time (s) to `stages[stage]`; bench/packet_bench.py reads them."""
    started = time.perf_counter()
    yield
    if stages is not None:
        stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - started


def _helvetica_width(text: str) -> float:
    return (
        sum(HELVETICA_WIDTHS.get(c, HELVETICA_WIDTHS["default"]) for c in text) * FOOTER_SIZE / 1000
    )


def _page_label(number: int, total: int) -> str:
    return f"Page {number} of {total}"


@dataclass(frozen=True)
class Footer:
    """What the foot of every page says: whose packet it is (never the email: the insurer knows
    the patient by name) and, beside it, where the page belongs."""

    identity: str  # "name · Member ID ..."
    appended_pages: int

    @property
    def stamped(self) -> bool:
        """Whether pypdf can draw it in Helvetica: every character in WinAnsiEncoding, and room on
        one line beside the widest page number a packet can have (1,000 uploaded pages)."""
        try:
            self.identity.encode("cp1252")
        except UnicodeEncodeError:
            return False
        room = FOOTER_RIGHT - FOOTER_LEFT - FOOTER_GAP - _helvetica_width(_page_label(9999, 9999))
        return self.identity.isprintable() and _helvetica_width(self.identity) <= room

    @property
    def identity_css(self) -> str:
        """The identity as the inside of a CSS string: all but ASCII letters, digits and spaces
        escaped, so no name can end the string (templates/claims/pdf/_footer.html). An escape
        ends with a space, which CSS takes as part of it, so a space after it stays a space."""
        return "".join(
            c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x} "
            for c in self.identity
        )

    @property
    def placeholders(self) -> range:
        return range(self.appended_pages)


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
    """The document as PDF pages, or None when it cannot be read (encrypted, broken, missing).

    Only a file that is gone or will not parse is left out. Any other error reading it from the
    storage propagates, so the task tries the render again when it is transient (a bucket that
    does not answer, claims.services.packets.packet_render_error_is_transient) instead of
    making a packet without the document."""
    try:
        with document.file.open("rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        logger.warning("packet: an enclosure's file is missing from storage")
        return None
    try:
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


def _wrap_contents(writer: PdfWriter, page: PageObject, before: bytes, after: bytes) -> None:
    """Draw `before` and `after` around the page's own content without parsing it (pypdf's
    add_transformation and merge_page parse every operator, which a long upload pays per page).
    The page's content runs between q and Q, so nothing it leaves set reaches `after`."""
    reference = page.raw_get("/Contents") if "/Contents" in page else None
    contents = reference.get_object() if reference is not None else None
    if isinstance(contents, ArrayObject):  # perhaps behind a reference itself
        own = list(contents)
    elif isinstance(contents, StreamObject):
        own = [reference]
    else:
        own = []  # no content, or null
    streams = []
    for data in (b"q\n" + before, b"\nQ\n" + after):
        stream = DecodedStreamObject()
        stream.set_data(data)
        # pypdf has no public way to add a stream that is not a whole page's content.
        streams.append(writer._add_object(stream))
    page[NameObject("/Contents")] = ArrayObject([streams[0], *own, streams[1]])


def _fit_to_letter(writer: PdfWriter, page: PageObject) -> None:
    """Scale a page (any size) to fit US Letter, centred."""
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    if (round(width), round(height)) == (LETTER_W, LETTER_H) and float(box.left) == 0:
        return
    scale = min(LETTER_W / width, LETTER_H / height)
    dx = (LETTER_W - width * scale) / 2 - float(box.left) * scale
    dy = (LETTER_H - height * scale) / 2 - float(box.bottom) * scale
    _wrap_contents(
        writer, page, f"{scale:.6f} 0 0 {scale:.6f} {dx:.4f} {dy:.4f} cm\n".encode(), b""
    )
    page.mediabox = RectangleObject([0, 0, LETTER_W, LETTER_H])
    page.cropbox = RectangleObject([0, 0, LETTER_W, LETTER_H])


def _copy_of(value: PdfObject | None) -> DictionaryObject:
    """A shallow copy of a dictionary, perhaps behind a reference; empty if None or not one."""
    value = value.get_object() if value is not None else None
    return DictionaryObject(value) if isinstance(value, DictionaryObject) else DictionaryObject()


def _draw_over(
    writer: PdfWriter, page: PageObject, ops: bytes, category: str, resource: IndirectObject
) -> None:
    """Draw `ops` over the page's own content, with `resource` in its `category` resources as
    FOOTER_NAME. The page gets its own copy of the resource dictionaries, which the pages of one
    PDF often share: each page's footer stays its own."""
    _wrap_contents(writer, page, b"", ops)
    resources = _copy_of(page.get_inherited("/Resources"))
    named = _copy_of(resources.get(category))
    # Only a packet of ours, uploaded again, has this name already: for its own footer.
    named[FOOTER_NAME] = resource
    resources[NameObject(category)] = named
    page[NameObject("/Resources")] = resources


def _stamp_footers(writer: PdfWriter, footer: Footer) -> None:
    """The footer on every page, drawn over it in Helvetica: the identity on the left, "Page X of
    Y" on the right, a grey rule above (the look of the WeasyPrint footer it replaces)."""
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    identity = footer.identity.encode("cp1252").hex()
    text = f"BT {FOOTER_NAME} {FOOTER_SIZE} Tf"
    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        label = _page_label(number, total)
        label_at = FOOTER_RIGHT - _helvetica_width(label)
        ops = (
            f"q 0.6 G 0.5 w {FOOTER_LEFT} {FOOTER_RULE} m {FOOTER_RIGHT} {FOOTER_RULE} l S 0.2 g\n"
            f"{text} {FOOTER_LEFT} {FOOTER_BASELINE} Td <{identity}> Tj ET\n"
            f"{text} {label_at:.2f} {FOOTER_BASELINE} Td ({label}) Tj ET Q\n"
        )
        _draw_over(writer, page, ops.encode("ascii"), "/Font", font)


def _draw_weasyprint_footers(
    writer: PdfWriter, pages: list[PageObject], blanks: list[PageObject]
) -> None:
    """Each appended page drawn over with its blank page from WeasyPrint (only the footer is on
    it), as a Form XObject: it keeps its own resources, so nothing on either page is parsed or
    renamed (merge_page would parse both)."""
    for page, blank in zip(pages, blanks, strict=True):
        contents = blank["/Contents"]
        streams = contents if isinstance(contents, ArrayObject) else [contents]
        form = DecodedStreamObject()
        form.set_data(b"\n".join(cast(StreamObject, s.get_object()).get_data() for s in streams))
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): RectangleObject([0, 0, LETTER_W, LETTER_H]),
                NameObject("/Resources"): blank["/Resources"].clone(writer),
            }
        )
        ops = f"q {FOOTER_NAME} Do Q\n".encode("ascii")
        _draw_over(writer, page, ops, "/XObject", writer._add_object(form))


@dataclass
class PacketParts:
    """What `render_packet_pdf` puts together: the HTML for WeasyPrint, the uploads to append
    after it, and the footer for every page."""

    html: str
    enclosures: list[Enclosure]
    footer: Footer


def packet_parts(packet: Packet) -> PacketParts:
    """The packet's HTML, uploads and footer, read from the case (no writes). Called in English."""
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
    policy = facts["policy"]
    name = facts["patient"].legal_name or LEGAL_NAME_PLACEHOLDER
    member_id = (policy.member_id if policy else "") or MEMBER_ID_PLACEHOLDER
    footer = Footer(
        # One line, as HTML would print it: a tab or a newline in a name is a space.
        identity=" ".join(f"{name} · Member ID {member_id}".split()),
        appended_pages=sum(enclosure.pages for enclosure in enclosures),
    )
    template = (
        "claims/pdf/packet.html"
        if packet.kind in (Packet.Kind.PRIOR_AUTHORIZATION, Packet.Kind.APPEAL)
        else "claims/pdf/letter.html"  # one escalation letter (issue 15)
    )
    if superbill:
        template = "claims/pdf/superbill.html"
    html = render_to_string(template, {**facts, "enclosures": enclosures, "footer": footer})
    return PacketParts(html=html, enclosures=enclosures, footer=footer)


def render_packet_pdf(
    packet: Packet, *, stages: dict[str, float] | None = None
) -> tuple[bytes, int]:
    """The packet as one PDF, and its page count. `stages` collects each stage's time."""
    with translation.override("en"):
        with _timed(stages, "html"):
            parts = packet_parts(packet)
        with _timed(stages, "weasyprint"):
            html = HTML(string=parts.html, base_url=STATIC_BASE, url_fetcher=StaticOnlyFetcher())
            body_pdf = html.write_pdf()

        footer = parts.footer
        with _timed(stages, "merge"):
            body = PdfReader(io.BytesIO(body_pdf))
            # Drawn by WeasyPrint, the footer has blank pages at the end for the uploads.
            own_pages = len(body.pages) - (0 if footer.stamped else footer.appended_pages)
            writer = PdfWriter()
            writer.append(body, pages=(0, own_pages))
            for enclosure in parts.enclosures:
                if enclosure.reader is not None:
                    writer.append(enclosure.reader)
            for page in writer.pages[own_pages:]:
                _fit_to_letter(writer, page)

        with _timed(stages, "stamp"):
            if footer.stamped:
                _stamp_footers(writer, footer)
            else:
                _draw_weasyprint_footers(
                    writer, list(writer.pages[own_pages:]), list(body.pages[own_pages:])
                )

        with _timed(stages, "write"):
            output = io.BytesIO()
            writer.write(output)
        return output.getvalue(), len(writer.pages)


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
