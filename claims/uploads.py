"""Check and clean a patient's uploaded document before anything else touches it.

Uploads are health information, and a file's name and declared content type can lie, so the type
is found by parsing the bytes. PDFs are legal records and are kept byte for byte, but only if they
open fully and are not locked. Photos are re-encoded so that no metadata survives: a phone photo's
EXIF carries the GPS position where it was taken, which is often where the patient lives.
"""

import contextlib
import io
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Real
from typing import Literal, Protocol, TypeGuard

import pillow_heif
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Far beyond any record an insurer reads (or a fax line carries), and within the page-count field.
MAX_PDF_PAGES = 1000
MAX_NAME_CHARS = 120
# Pixels a picture may have, checked from its header before anything is decoded (issue 14,
# finding 6: a 370 KB PNG of 9,400 x 9,400 pixels took 3.5 s and 1 GB to decode under Pillow's
# default limit of about 89 million). A letter page scanned at 300 dpi is 8.4 million pixels and a
# phone photo 12 million; 40 million still takes most phones' full-resolution mode.
MAX_IMAGE_PIXELS = 40_000_000

# Browsers and PDF tools can't read HEIC, so iPhone photos are converted to JPEG.
pillow_heif.register_heif_opener()
# Pillow's default, restated because a half-decoded scan must be refused, never padded out with
# grey. The setting is process-wide: no other module may turn it on.
ImageFile.LOAD_TRUNCATED_IMAGES = False

_PDF_TAIL_BYTES = 1024  # where readers look for the closing %%EOF marker
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}

_Kind = Literal["pdf", "png", "jpeg", "heif"]


class _Upload(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> bytes: ...

    def seek(self, offset: int, /) -> object: ...


@dataclass(frozen=True)
class CleanUpload:
    content: bytes
    content_type: str  # "application/pdf" | "image/png" | "image/jpeg"
    extension: str  # ".pdf" / ".png" / ".jpg"
    page_count: int  # PDFs: pages; images: 1
    original_name: str  # the basename the patient gave, sanitized: no path parts or control chars


def clean_upload(upload: _Upload) -> CleanUpload:
    """Return the upload's checked content, or raise ValidationError saying what to do instead."""
    data = _read_capped(upload)
    name = _sanitize_name(getattr(upload, "name", None) or "")
    kind = _sniff(data)
    if kind is None:
        raise ValidationError(
            _(
                "We can't open this kind of file. Please upload a PDF, PNG, JPEG or HEIC "
                "(iPhone photo)."
            ),
            code="unsupported_type",
        )
    if kind == "pdf":
        reader = _read_pdf(data)
        return CleanUpload(
            content=_without_active_content(reader),
            content_type="application/pdf",
            extension=".pdf",
            page_count=len(reader.pages),
            original_name=name or "document.pdf",
        )
    content, content_type, extension = _reencode_image(data, kind)
    return CleanUpload(
        content=content,
        content_type=content_type,
        extension=extension,
        page_count=1,
        original_name=name or f"photo{extension}",
    )


def _read_capped(upload: _Upload) -> bytes:
    too_large = ValidationError(
        _(
            "This file is larger than %(max_mb)d MB. Please upload a smaller copy: for example, "
            "scan it at a lower quality, or split it into parts and upload each one."
        ),
        code="too_large",
        params={"max_mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )
    # The declared size is checked first so a huge file is refused without reading it.
    if (getattr(upload, "size", None) or 0) > MAX_UPLOAD_BYTES:
        raise too_large
    with contextlib.suppress(AttributeError, io.UnsupportedOperation):
        upload.seek(0)  # a form may already have read part of it
    # Reading one byte past the cap is enough to know the declared size was wrong.
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_large
    if not data:
        raise ValidationError(
            _("This file is empty. Please choose the file again, or try another copy of it."),
            code="empty",
        )
    return data


def _sanitize_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    # Category C covers control characters and also invisible format characters, such as the
    # right-to-left override that makes "gpj.exe" display as "exe.jpg".
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip()
    if name in {".", ".."}:
        return ""
    if len(name) > MAX_NAME_CHARS:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 10 else ""
        name = stem[: MAX_NAME_CHARS - len(ext)].rstrip() + ext
    return name


def _sniff(data: bytes) -> _Kind | None:
    # PDF readers accept the header anywhere in the first 1024 bytes, so we do too.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[4:8] == b"ftyp":
        # The ftyp box lists brands: the major one, a version, then compatible ones. AVIF uses
        # the same container, so a HEVC brand must be among them.
        box_size = int.from_bytes(data[0:4], "big")
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, min(box_size, 256), 4)}
        if brands & _HEIC_BRANDS:
            return "heif"
    return None


def _read_pdf(data: bytes) -> PdfReader:
    """The PDF with every page read once (the rewrite then uses this reader), or a
    ValidationError saying why it cannot be used."""
    damaged = ValidationError(
        _(
            "This PDF seems damaged or incomplete, so we can't open it. Please download or scan "
            "it again, then upload the new copy."
        ),
        code="pdf_damaged",
    )
    encrypted = ValidationError(
        _(
            "This PDF is locked with a password, so it can't be added to your packet. Please "
            "upload an unlocked copy: open it, then save or print it as a new PDF."
        ),
        code="pdf_encrypted",
    )
    try:
        try:
            reader = _read_every_page(data, strict=True)
        except Exception:
            # Strict mode also refuses files that every viewer opens, such as those whose
            # producer wrote slightly wrong offsets, so try again leniently. Lenient mode would
            # also "repair" a download cut in half, so the closing marker must be there.
            if b"%%EOF" not in data[-_PDF_TAIL_BYTES:]:
                raise
            reader = _read_every_page(data, strict=False)
    except Exception as exc:  # any parser failure on untrusted bytes is a refusal, never a 500
        # A locked file can fail before we get to ask (e.g. AES without a crypto library).
        raise (encrypted if b"/Encrypt" in data else damaged) from exc
    if reader is None:
        raise encrypted
    page_count = len(reader.pages)
    if page_count == 0:
        raise ValidationError(
            _("This PDF has no pages. Please check that you chose the right file."),
            code="pdf_no_pages",
        )
    if page_count > MAX_PDF_PAGES:
        raise ValidationError(
            _(
                "This PDF has more than %(max)d pages. Please upload only the pages that matter "
                "for this request, for example the last year of visit notes."
            ),
            code="pdf_too_many_pages",
            params={"max": MAX_PDF_PAGES},
        )
    return reader


# Annotation actions that run or fetch something (PDF 32000-1:2008 §12.6.4); links to web pages
# (/URI) and within the document (/GoTo) stay.
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR"}
_ACTIVE_ANNOTATIONS = {"/FileAttachment", "/Movie", "/Sound", "/Screen", "/RichMedia"}


def _without_active_content(reader: PdfReader) -> bytes:
    """The PDF's pages rewritten into a new file, without what could run when the packet is
    opened (issue 14, finding 4): only the pages are copied, so the document's open action,
    JavaScript, embedded files, forms and document-level actions stay behind; each page loses
    its own actions (/AA) and any annotation that runs a script, launches, submits or carries a
    file. What the pages show is kept."""
    writer = PdfWriter()
    # Each page is cleaned in the reader, before it is copied: the writer copies only what the
    # cleaned page still refers to.
    for page in reader.pages:
        page.pop(NameObject("/AA"), None)
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        kept = ArrayObject()
        for reference in annotations.get_object():
            annotation = reference.get_object()
            action = annotation.get("/A")
            kind = action.get_object().get("/S") if action is not None else None
            if kind in _ACTIVE_ACTIONS or annotation.get("/Subtype") in _ACTIVE_ANNOTATIONS:
                continue
            annotation.pop(NameObject("/AA"), None)
            kept.append(reference)
        page[NameObject("/Annots")] = kept
    for page in reader.pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _read_every_page(data: bytes, *, strict: bool) -> PdfReader | None:
    """Return the reader, or None if the PDF is locked.

    Every page is read, so that a missing or broken page fails now rather than in the packet task.
    """
    reader = PdfReader(io.BytesIO(data), strict=strict)
    if reader.is_encrypted:
        return None
    page_count = len(reader.pages)
    # Lenient mode quietly skips a page it cannot find, so compare with the count the file states.
    pages = reader.root_object["/Pages"]
    stated = pages.get("/Count") if isinstance(pages, DictionaryObject) else None
    if not isinstance(stated, int | float) or page_count != int(stated):
        raise PdfReadError("Pages are missing")
    for page in reader.pages:
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
        page.mediabox  # noqa: B018
    return reader


def _reencode_image(data: bytes, kind: _Kind) -> tuple[bytes, str, str]:
    damaged = ValidationError(
        _(
            "This picture seems damaged or incomplete, so we can't open it. Please save or take "
            "the picture again, then upload the new copy."
        ),
        code="image_damaged",
    )
    too_many_pixels = ValidationError(
        _(
            "This picture is too big for us to process. Please upload a smaller copy, for "
            "example a screenshot of it or a photo at your phone's normal size."
        ),
        code="image_too_large",
    )
    fmt = {"png": "PNG", "jpeg": "JPEG", "heif": "HEIF"}[kind]
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            # Opening reads only the header: the size is known before any pixel is decoded.
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise too_many_pixels
            with _strict_decoding():
                image.load()
            dpi = image.info.get("dpi")
            upright = ImageOps.exif_transpose(image)  # phone photos are stored sideways
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many_pixels from exc
    except Exception as exc:  # any decoder failure on untrusted bytes is a refusal, never a 500
        raise damaged from exc

    if kind == "png":
        out_format, content_type, extension = "PNG", "image/png", ".png"
        clean = upright
    else:
        out_format, content_type, extension = "JPEG", "image/jpeg", ".jpg"
        clean = _to_jpeg_mode(upright)
    # Start the metadata from nothing: Pillow falls back to image.info for some fields on save
    # (the ICC profile for PNG, the comment for JPEG). Only what drawing needs is kept.
    clean.info = {k: v for k, v in clean.info.items() if k == "transparency"}
    options: dict[str, object] = {}
    if _sane_dpi(dpi):
        # Kept: it later sets the page size when the picture becomes a PDF page.
        options["dpi"] = tuple(float(v) for v in dpi)
    if out_format == "JPEG":
        options["quality"] = 90
    out = io.BytesIO()
    clean.save(out, out_format, **options)
    return out.getvalue(), content_type, extension


@contextlib.contextmanager
def _strict_decoding() -> Iterator[None]:
    """Refuse truncated pictures while decoding an upload.

    WeasyPrint sets Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES to True when it is
    imported (the worker imports both), so the check cannot rely on the module default. Packet
    rendering runs in worker processes, one task at a time, so the switch is not shared with it.
    """
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _to_jpeg_mode(image: Image.Image) -> Image.Image:
    if image.mode in {"RGB", "L"}:
        return image
    if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info:
        # JPEG has no transparency; flatten onto white paper rather than black.
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return image.convert("RGB")


def _sane_dpi(dpi: object) -> TypeGuard[tuple[Real, Real]]:
    return (
        isinstance(dpi, tuple)
        and len(dpi) == 2
        and all(isinstance(v, Real) and 1 <= float(v) <= 10_000 for v in dpi)
    )
