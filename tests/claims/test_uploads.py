import io
import random
import re

import pillow_heif
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from claims import uploads
from claims.uploads import MAX_UPLOAD_BYTES, clean_upload

ACCEPTED_TYPES = "PDF, PNG, JPEG or HEIC (iPhone photo)"


# --- Building files in memory --------------------------------------------------------------------


def _upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _pdf(pages: int = 3) -> bytes:
    """A valid PDF whose pages carry some drawing, so that it has a body worth truncating."""
    writer = PdfWriter()
    for number in range(pages):
        page = writer.add_blank_page(612, 792)
        drawing = DecodedStreamObject()
        drawing.set_data(
            b"".join(b"%d %d m %d %d l S\n" % (number, y, 600 - y, y) for y in range(0, 780, 3))
        )
        page.replace_contents(drawing)
        page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf()))
    # RC4 because AES needs the cryptography package, which this project does not install.
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _noise(mode: str, size: tuple[int, int]) -> Image.Image:
    """Random pixels: they barely compress, so the encoded file has a real body to cut short."""
    rgb = Image.frombytes("RGB", size, random.Random(0).randbytes(size[0] * size[1] * 3))
    return rgb.convert(mode)


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _phone_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: the camera, the time, and where the photo was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)  # tag 0x8825
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 26.0, 46.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (79.0, 58.0, 56.0)
    return exif


_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b"<rdf:Description>GPSLatitude 40,26.77N</rdf:Description></rdf:RDF></x:xmpmeta>"
)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _phone_jpeg(orientation: int = 1, size: tuple[int, int] = (80, 40)) -> bytes:
    return _encode(
        _noise("RGB", size),
        "JPEG",
        exif=_phone_exif(orientation),
        xmp=_XMP,
        icc_profile=_SRGB,
        comment=b"Taken at 12 Elm Street",
    )


def _refusal(upload) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload)
    return excinfo.value


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _assert_no_metadata(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()  # still decodes
    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment"} & image.info.keys()
    assert b"Exif\x00\x00" not in content
    assert b"xmpmeta" not in content
    assert b"Elm Street" not in content
    assert b"Apple" not in content
    return image


class _PlainUpload:
    """A bare file-like upload: its name and size are whatever the client said, unchecked.

    It records how many bytes were asked of it.
    """

    def __init__(self, content: bytes, *, name: str = "scan.pdf", size: int | None = None) -> None:
        self.name = name
        self.size = len(content) if size is None else size
        self._file = io.BytesIO(content)
        self.reads: list[int] = []

    def seek(self, offset: int) -> int:
        return self._file.seek(offset)

    def read(self, size: int = -1) -> bytes:
        self.reads.append(size)
        return self._file.read(size)


# --- PDFs ----------------------------------------------------------------------------------------


def test_it_keeps_a_valid_pdfs_pages():
    content = _pdf(pages=3)

    result = clean_upload(_upload("denial-letter.pdf", content, "application/pdf"))

    # Rewritten page by page (finding 4 below), so not byte for byte: the same pages.
    kept = PdfReader(io.BytesIO(result.content))
    assert [tuple(p.mediabox) for p in kept.pages] == [(0, 0, 612, 792)] * 3
    assert result.content_type == "application/pdf"
    assert result.extension == ".pdf"
    assert result.page_count == 3
    assert result.original_name == "denial-letter.pdf"


def test_it_finds_a_pdf_whatever_it_is_called():
    result = clean_upload(_upload("records.txt", _pdf(pages=1), "text/plain"))

    assert result.content_type == "application/pdf"
    assert result.extension == ".pdf"
    assert result.page_count == 1


def test_it_accepts_a_pdf_with_slightly_wrong_offsets_as_viewers_do():
    # Some producers write a wrong startxref. pypdf's strict mode refuses such a file; viewers
    # (and pypdf's lenient mode) open it, so patients must not be turned away for it.
    content = re.sub(rb"startxref\n\d+", b"startxref\n100", _pdf(pages=2))

    result = clean_upload(_upload("lab-results.pdf", content))

    assert len(PdfReader(io.BytesIO(result.content)).pages) == 2
    assert result.page_count == 2


def _pdf_with_active_content() -> bytes:
    """Two pages; the document opens with JavaScript and carries an embedded file; page 1 runs
    JavaScript when opened (/AA) and has a JavaScript link, a launch link and a web link."""
    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(width=612, height=792)
    writer.add_open_action(JavaScript("app.alert('opened');"))
    writer.add_attachment("notes.txt", b"embedded health data")
    page = writer.pages[0]
    js = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                           NameObject("/JS"): TextStringObject("app.alert('page');")})  # fmt: skip
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js})

    def link(action: DictionaryObject) -> DictionaryObject:
        return DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (10, 10, 100, 30)]),
            NameObject("/A"): action,
        })  # fmt: skip

    launch = DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                               NameObject("/F"): TextStringObject("calc.exe")})  # fmt: skip
    web = DictionaryObject(
        {
            NameObject("/S"): NameObject("/URI"),
            NameObject("/URI"): TextStringObject("https://example.org/"),
        }
    )
    page[NameObject("/Annots")] = ArrayObject(
        [writer._add_object(link(a)) for a in (js, launch, web)]
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_finding_4_an_uploaded_pdf_is_stored_without_active_content():
    """Issue 14, finding 4: page actions and JavaScript links survived into the packet."""
    content = _pdf_with_active_content()
    for active in (b"/JavaScript", b"/Launch", b"/AA", b"/EmbeddedFile"):
        assert active in content, active  # the file does carry them

    result = clean_upload(_upload("records.pdf", content))

    stored = result.content
    for active in (b"/JavaScript", b"/JS", b"/Launch", b"/OpenAction", b"/AA",
                   b"/EmbeddedFile", b"embedded health data"):  # fmt: skip
        assert active not in stored, active
    kept = PdfReader(io.BytesIO(stored))
    assert result.page_count == len(kept.pages) == 2
    annotations = [a.get_object() for a in kept.pages[0]["/Annots"]]
    assert [a["/A"]["/URI"] for a in annotations] == ["https://example.org/"]  # the web link stays


def test_it_refuses_a_text_file_renamed_pdf():
    upload = _upload("records.pdf", b"Dear patient,\nyour claim was denied.\n", "application/pdf")

    error = _refusal(upload)

    assert error.code == "unsupported_type"
    assert ACCEPTED_TYPES in _message(error)


def test_it_refuses_a_pdf_cut_in_half():
    content = _pdf(pages=6)

    error = _refusal(_upload("records.pdf", content[: len(content) // 2]))

    assert error.code == "pdf_damaged"
    assert "PDF" in _message(error)
    assert "again" in _message(error)


def test_it_refuses_a_pdf_with_a_page_missing():
    # The ending is intact, so the lenient retry runs, but the second page's object is garbage.
    # pypdf's lenient mode would quietly return a one-page document.
    content = _pdf(pages=2)
    second_page = content.index(b"6 0 obj")
    assert content[second_page:].startswith(b"6 0 obj\n<<\n/Type /Page\n")
    broken = content[:second_page] + b"\x00" * 40 + content[second_page + 40 :]

    error = _refusal(_upload("records.pdf", broken))

    assert error.code == "pdf_damaged"


@pytest.mark.parametrize(
    "user_password",
    [
        pytest.param("letmein", id="needs a password to open"),
        pytest.param("", id="opens, but locked against changes"),
    ],
)
def test_it_refuses_a_password_protected_pdf(user_password):
    error = _refusal(_upload("statement.pdf", _encrypted_pdf(user_password)))

    assert error.code == "pdf_encrypted"
    assert "password" in _message(error)
    assert "unlocked copy" in _message(error)


def test_it_refuses_a_locked_pdf_even_when_it_cannot_read_the_lock():
    # Claims AES-256 (/V 5), which pypdf cannot even check without the cryptography package, so
    # opening fails before pypdf can say the file is encrypted.
    content = _encrypted_pdf("letmein").replace(b"/V 2\n/R 3", b"/V 5\n/R 6")

    error = _refusal(_upload("statement.pdf", content))

    assert error.code == "pdf_encrypted"


def test_it_refuses_a_pdf_without_pages():
    out = io.BytesIO()
    PdfWriter().write(out)

    error = _refusal(_upload("empty.pdf", out.getvalue()))

    assert error.code == "pdf_no_pages"
    assert "PDF" in _message(error)


# --- Size ----------------------------------------------------------------------------------------


def test_it_refuses_an_empty_file():
    error = _refusal(_upload("records.pdf", b""))

    assert error.code == "empty"
    assert "empty" in _message(error)


def test_it_refuses_a_file_declared_over_20_mb_without_reading_it():
    upload = _PlainUpload(b"%PDF-1.7\n", size=MAX_UPLOAD_BYTES + 1)

    error = _refusal(upload)

    assert error.code == "too_large"
    assert "20 MB" in _message(error)
    assert upload.reads == []


def test_it_refuses_a_file_bigger_than_it_declared_reading_only_one_byte_past_the_cap(
    monkeypatch,
):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    upload = _PlainUpload(b"%PDF-1.7\n" + b"0" * 5000, size=10)

    error = _refusal(upload)

    assert error.code == "too_large"
    assert "MB" in _message(error)
    assert upload.reads == [1001]


def test_it_accepts_a_file_of_exactly_the_cap(monkeypatch):
    content = _pdf(pages=1)
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", len(content))

    assert clean_upload(_upload("records.pdf", content)).page_count == 1


def test_it_reads_from_the_start_even_if_a_form_already_read_the_file():
    upload = _upload("records.pdf", _pdf(pages=1))
    upload.read(100)

    assert clean_upload(upload).page_count == 1


# --- Pictures ------------------------------------------------------------------------------------


def test_it_refuses_html_renamed_png():
    content = b"<!doctype html><html><body><script>alert(1)</script></body></html>"

    error = _refusal(_upload("xray.png", content, "image/png"))

    assert error.code == "unsupported_type"
    assert ACCEPTED_TYPES in _message(error)


def test_it_refuses_other_picture_formats():
    error = _refusal(_upload("scan.gif", _encode(_noise("RGB", (20, 20)), "GIF")))

    assert error.code == "unsupported_type"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_it_refuses_a_picture_cut_short(fmt):
    content = _encode(_noise("RGB", (200, 200)), fmt)

    error = _refusal(_upload(f"scan.{fmt.lower()}", content[: len(content) // 2]))

    assert error.code == "image_damaged"
    assert "picture" in _message(error)


def test_it_removes_location_and_all_other_metadata_from_a_phone_photo():
    original = _phone_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = clean_upload(_upload("IMG_0042.jpg", original, "image/jpeg"))

    assert result.content_type == "image/jpeg"
    assert result.extension == ".jpg"
    assert result.page_count == 1
    image = _assert_no_metadata(result.content)
    assert image.format == "JPEG"
    assert image.size == (80, 40)


def test_it_turns_a_sideways_phone_photo_upright():
    # Orientation 6: stored sideways, shown rotated 90°, so width and height swap.
    result = clean_upload(_upload("IMG_0043.jpg", _phone_jpeg(orientation=6, size=(80, 40))))

    image = _assert_no_metadata(result.content)
    assert image.size == (40, 80)


def test_it_keeps_a_scans_resolution_so_its_page_size_stays_right():
    original = _encode(_noise("L", (40, 40)), "JPEG", dpi=(300, 300))

    result = clean_upload(_upload("scan.jpg", original))

    image = Image.open(io.BytesIO(result.content))
    assert image.mode == "L"
    assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)


def test_it_keeps_a_png_a_png_with_the_same_pixels():
    picture = _noise("RGB", (30, 20))
    text = PngInfo()
    text.add_text("Comment", "Taken at 12 Elm Street")
    original = _encode(picture, "PNG", pnginfo=text, exif=_phone_exif(), icc_profile=_SRGB)

    result = clean_upload(_upload("screenshot.png", original, "image/png"))

    assert result.content_type == "image/png"
    assert result.extension == ".png"
    image = _assert_no_metadata(result.content)
    assert image.format == "PNG"
    assert image.tobytes() == picture.tobytes()
    assert "Comment" not in image.info


def test_it_keeps_a_transparent_png_transparent():
    picture = Image.new("RGBA", (10, 10), (255, 0, 0, 0))

    result = clean_upload(_upload("sticker.png", _encode(picture, "PNG")))

    assert Image.open(io.BytesIO(result.content)).getpixel((0, 0)) == (255, 0, 0, 0)


def test_it_makes_a_cmyk_jpeg_rgb():
    result = clean_upload(_upload("scan.jpg", _encode(_noise("CMYK", (20, 20)), "JPEG")))

    assert Image.open(io.BytesIO(result.content)).mode == "RGB"


def test_it_keeps_only_the_main_picture_of_a_multi_picture_jpeg():
    # iPhones save some JPEGs as MPO: a main picture plus extra ones, such as a depth map.
    main, extra = Image.new("RGB", (30, 20), "red"), Image.new("RGB", (30, 20), "blue")
    original = _encode(main, "MPO", save_all=True, append_images=[extra])

    result = clean_upload(_upload("IMG_0044.jpg", original))

    image = Image.open(io.BytesIO(result.content))
    assert image.format == "JPEG"
    assert image.getpixel((5, 5))[0] > 200  # red, the main picture


def test_it_converts_an_iphone_heic_photo_to_jpeg_without_metadata():
    # pillow_heif can encode HEIC here (libheif with x265); if a machine lacks the encoder,
    # this fails loudly rather than skipping, since HEIC is what iPhones send by default.
    pillow_heif.register_heif_opener()
    original = _encode(_noise("RGB", (64, 32)), "HEIF", exif=_phone_exif(), xmp=_XMP)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = clean_upload(_upload("IMG_0045.HEIC", original, "image/heic"))

    assert result.content_type == "image/jpeg"
    assert result.extension == ".jpg"
    assert result.content.startswith(b"\xff\xd8\xff")
    assert result.original_name == "IMG_0045.HEIC"
    image = _assert_no_metadata(result.content)
    assert image.size == (64, 32)


def test_it_puts_a_transparent_heic_picture_on_white():
    original = _encode(Image.new("RGBA", (16, 16), (0, 0, 0, 0)), "HEIF", quality=-1)

    result = clean_upload(_upload("sticker.heic", original))

    red, green, blue = Image.open(io.BytesIO(result.content)).getpixel((8, 8))
    assert min(red, green, blue) > 240


@pytest.mark.parametrize(
    "side",
    [
        pytest.param(12, id="over the limit: Pillow warns"),
        pytest.param(20, id="over twice the limit: Pillow raises"),
    ],
)
def test_it_refuses_a_picture_with_absurdly_many_pixels(monkeypatch, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)

    error = _refusal(_upload("bomb.png", _encode(Image.new("L", (side, side)), "PNG")))

    assert error.code == "image_too_large"
    assert "smaller copy" in _message(error)


def test_it_refuses_more_pixels_than_its_own_limit_from_the_header(monkeypatch):
    # Pillow's own limit (about 89 million pixels, and only a warning in production) is far
    # above the app's, so the module checks the size itself before decoding.
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 100)

    error = _refusal(_upload("bomb.png", _encode(Image.new("L", (12, 12)), "PNG")))

    assert error.code == "image_too_large"


# --- Names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\Ana\\Desktop\\denial letter.pdf", "denial letter.pdf"),
        ("denial\x00\r\nletter.pdf", "denialletter.pdf"),
        ("letter\u202efdp.exe.pdf", "letterfdp.exe.pdf"),  # right-to-left override removed
        ("a" * 200 + ".pdf", "a" * 116 + ".pdf"),
        ("..", "document.pdf"),
        ("", "document.pdf"),
    ],
)
def test_it_sanitizes_the_original_name(given, kept):
    # A bare file-like, because Django's UploadedFile already strips some of this itself.
    result = clean_upload(_PlainUpload(_pdf(pages=1), name=given))

    assert result.original_name == kept
    assert len(result.original_name) <= 120


def test_it_refuses_a_pdf_with_too_many_pages(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PDF_PAGES", 2)

    error = _refusal(_upload("records.pdf", _pdf(pages=3)))

    assert error.code == "pdf_too_many_pages"
    assert "more than 2 pages" in _message(error)
    assert uploads.clean_upload(_upload("records.pdf", _pdf(pages=2))).page_count == 2
