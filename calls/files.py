"""Checking what members upload and making the copies judges see.

The extension says what the file claims to be; its first bytes (sniffed with `filetype`) and, for
documents, its structure must agree. A .docx carrying macros and a PDF carrying JavaScript or an
automatic action are refused (PDFs are parsed with pikepdf, so actions inside compressed object
streams are found too). For blind review the copy judges receive has its document properties
(docx core.xml and app.xml, PDF Info and XMP metadata) emptied.
"""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess  # noqa: S404 - ffmpeg is run with argument lists, never a shell
import zipfile
from pathlib import Path

import filetype
import mammoth
import nh3
import pikepdf
import pikepdf.settings

from quizsite.archives import PackageDamaged, PackageTooLarge, check_package
from quizsite.naming import listed
from quizsite.pictures import PictureTooLarge, open_picture

# What `filetype` reports for each allowed extension's real content.
SNIFFED = {
    "docx": {"docx", "zip"},
    "pdf": {"pdf"},
    "mp4": {"mp4", "m4v", "mov"},
    "m4v": {"mp4", "m4v", "mov"},
    "mov": {"mov", "mp4", "m4v"},
    "webm": {"webm", "mkv"},
    "jpg": {"jpg"},
    "jpeg": {"jpg"},
    "png": {"png"},
}
VIDEO_EXTENSIONS = ("mp4", "m4v", "mov", "webm")
# What one Flate stream may inflate to when pikepdf (qpdf) decodes it: it decodes an object stream
# whole to read the objects inside, so a 300 kB PDF whose catalog sits in an object stream of 300 MB
# of spaces took 550 MB to check. Real object streams hold a few hundred small objects (kilobytes).
# qpdf's limits are process-wide; pikepdf is used nowhere else.
PDF_FLATE_MAX_BYTES = 32 * 2**20
pikepdf.settings.set_qpdf_limits(flate_max_memory=PDF_FLATE_MAX_BYTES)
# How qpdf says so (a PDF whose catalog is in such a stream cannot be opened at all).
PDF_FLATE_LIMIT_WARNING = "memory limit exceeded"
PDF_ACTIVE_KEYS = ("/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch")


class FileRefused(Exception):
    """The file cannot be accepted; `code` for tests, the message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def extension_of(name: str) -> str:
    return Path(name).suffix.lower().lstrip(".")


def types_listed(extensions) -> str:
    """File types as a page lists them in its language: ".docx、.pdf", ".docx, .pdf"."""
    return listed(f".{extension}" for extension in extensions)


def check_content(*, extension: str, head: bytes, path: Path) -> None:
    """Raise FileRefused unless the content is what the extension claims and carries no code."""
    from django.utils.translation import gettext as _

    guessed = filetype.guess(head)
    if guessed is None or guessed.extension not in SNIFFED.get(extension, set()):
        raise FileRefused(
            "wrong_type",
            _("This file is not really a .%(ext)s file (its content says otherwise).") % {"ext": extension},
        )
    if extension == "docx":
        _check_docx(path)
    elif extension == "pdf":
        _check_pdf(path)
    elif extension in VIDEO_EXTENSIONS:
        _check_video(path)


def _check_docx(path: Path) -> None:
    from django.utils.translation import gettext as _

    try:
        with zipfile.ZipFile(path) as archive:
            check_package(archive, packed_size=path.stat().st_size)
            names = archive.namelist()
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        raise FileRefused("wrong_type", _("This is not a Word document (.docx).")) from None
    except PackageTooLarge as refused:
        raise FileRefused("unpacks_too_large", str(refused)) from None
    except PackageDamaged:
        raise FileRefused(
            "damaged", _("This Word document is damaged: open it in Word or WPS, save it again and upload that.")
        ) from None
    if "word/document.xml" not in names:
        raise FileRefused("wrong_type", _("This is not a Word document (.docx)."))
    if any(name.lower().endswith("vbaproject.bin") for name in names) or "macroEnabled" in types:
        raise FileRefused("macros", _("This document contains macros; save it as a plain .docx without macros."))


def _check_video(path: Path) -> None:
    """Refuse a video whose header shows it is beyond the pipeline's limits (`lessons.video`), now,
    before it replaces the entry's file, rather than when the worker transcodes it."""
    from django.utils.translation import gettext as _

    from lessons import video

    try:
        video.inspect(path)
    except video.VideoRejected as rejected:
        if rejected.code == "tools_missing":
            raise FileRefused(
                "tools_missing", _("ffmpeg is not installed on this server; videos cannot be accepted.")
            ) from None
        raise FileRefused(f"video_{rejected.code}", rejected.message()) from None


def _check_pdf(path: Path) -> None:
    """Refuse a PDF that qpdf cannot read, one with a stream that inflates past
    `PDF_FLATE_MAX_BYTES` while its objects are read (qpdf stops there and only warns, reading
    the objects inside as null), or one that carries scripts or automatic actions."""
    from django.utils.translation import gettext as _

    try:
        with pikepdf.open(path) as pdf:
            scripted = any(
                isinstance(obj, pikepdf.Dictionary | pikepdf.Stream)
                and bool(set(obj.keys()) & set(PDF_ACTIVE_KEYS) or obj.get("/S") == pikepdf.Name.JavaScript)
                for obj in itertools.chain([pdf.Root], pdf.objects)
            )
            inflates_too_much = any(PDF_FLATE_LIMIT_WARNING in warning for warning in pdf.get_warnings())
    except pikepdf.PdfError:
        raise FileRefused("wrong_type", _("This PDF cannot be read.")) from None
    if inflates_too_much:
        raise FileRefused(
            "unpacks_too_large",
            _("This PDF unpacks to more than %(limit)d MB in one part: it cannot be read safely.")
            % {"limit": PDF_FLATE_MAX_BYTES // 2**20},
        )
    if scripted:
        raise FileRefused("pdf_script", _("This PDF contains scripts or automatic actions; print it to a plain PDF."))


def docx_html(path: Path) -> str:
    """The essay as clean HTML: mammoth's semantic output, then allow-listed by nh3."""
    with open(path, "rb") as handle:
        result = mammoth.convert_to_html(handle)
    return nh3.clean(
        result.value,
        tags={"p", "h1", "h2", "h3", "h4", "strong", "em", "ul", "ol", "li", "table", "tr", "td", "th", "br"},
    )


_CORE_BLANK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"></cp:coreProperties>'
)
_APP_BLANK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"></Properties>'
)


def _strip_docx(source: Path, target: Path) -> None:
    """Rewrite the package with empty core and app properties, comments' authors and custom
    properties dropped; the body is kept."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in archive.infolist():
            data = archive.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = _CORE_BLANK.encode()
            elif item.filename == "docProps/app.xml":
                data = _APP_BLANK.encode()
            elif item.filename == "docProps/custom.xml":
                continue
            elif item.filename.startswith("word/") and item.filename.endswith(".xml"):
                # Tracked changes and comments carry w:author="…" and w:initials="…".
                data = re.sub(rb'w:(author|initials)="[^"]*"', rb'w:\1=""', data)
            copy.writestr(item.filename, data)
    target.write_bytes(out.getvalue())


def _strip_pdf(source: Path, target: Path) -> None:
    with pikepdf.open(source) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        if "/Metadata" in pdf.Root:
            del pdf.Root["/Metadata"]
        # Streams are copied as they are, never decoded: only the metadata goes.
        pdf.save(target, fix_metadata_version=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)


def _strip_image(source: Path, target: Path, extension: str) -> None:
    """Re-save the picture upright without EXIF (camera owner, GPS) or text chunks: Pillow writes
    only what it is given."""
    from PIL import ImageOps

    with open_picture(source) as image:
        upright = ImageOps.exif_transpose(image)
        upright.save(target, format="PNG" if extension == "png" else "JPEG", quality=92)


def _strip_video(source: Path, target: Path) -> None:
    """Remux the streams untouched, without global metadata (title, artist, comment) or chapters."""
    from django.utils.translation import gettext as _

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FileRefused("tools_missing", _("ffmpeg is not installed on this server; videos cannot be accepted."))
    result = subprocess.run(  # noqa: S603
        [ffmpeg, "-v", "error", "-y", "-i", str(source), "-map", "0", "-map_metadata", "-1", "-map_chapters", "-1"]
        + ["-c", "copy", str(target)],
        capture_output=True,
        timeout=600,
    )
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise FileRefused("not_a_video", _("This video cannot be read."))


def make_blind_copy(source: Path, target: Path, extension: str) -> None:
    """Write the copy judges see, with what could name the author removed: document properties,
    PDF metadata, pictures' EXIF, videos' tags. Raises FileRefused when that cannot be done."""
    from PIL import UnidentifiedImageError

    target.parent.mkdir(parents=True, exist_ok=True)
    if extension == "docx":
        _strip_docx(source, target)
    elif extension == "pdf":
        _strip_pdf(source, target)
    elif extension in ("jpg", "jpeg", "png"):
        try:
            _strip_image(source, target, extension)
        except PictureTooLarge as refused:
            raise FileRefused("picture_too_large", str(refused)) from None
        except (UnidentifiedImageError, OSError):
            from django.utils.translation import gettext as _

            raise FileRefused("wrong_type", _("This picture cannot be read.")) from None
    else:
        _strip_video(source, target)


# A page's picture fits this many pixels on its long side whatever the page's size (an A4 page
# comes out at about 110 dpi): rendering at a fixed resolution let a 1 kB PDF with a 200-inch page
# take over a gigabyte of memory per page.
PREVIEW_LONG_SIDE_PX = 1300
PREVIEW_MAX_PAGES = 30
THUMBNAIL_PX = 480


def make_previews(blind: Path, extension: str) -> list[Path]:
    """Pictures shown in the page beside the file, made from the blind copy (so they hide what it
    hides): each page of a PDF rendered to PNG with poppler's pdftoppm (at most
    `PREVIEW_MAX_PAGES`, each within `PREVIEW_LONG_SIDE_PX`), a photo's JPEG thumbnail. None for
    other files, or without pdftoppm."""
    if extension == "pdf":
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm is None:
            return []
        prefix = blind.with_name(f"{blind.stem}-page")
        result = subprocess.run(  # noqa: S603
            [pdftoppm, "-png", "-scale-to", str(PREVIEW_LONG_SIDE_PX), "-l", str(PREVIEW_MAX_PAGES)]
            + [str(blind), str(prefix)],
            capture_output=True,
            timeout=120,
        )
        if result.returncode != 0:
            return []
        # pdftoppm numbers pages with as many digits as the last page needs: sort by the number.
        pages = blind.parent.glob(f"{prefix.name}-*.png")
        return sorted(pages, key=lambda page: int(page.stem.rsplit("-", 1)[1]))
    if extension in ("jpg", "jpeg", "png"):
        from PIL import Image

        thumbnail = blind.with_name(f"{blind.stem}-thumb.jpg")
        with Image.open(blind) as image:
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            image.convert("RGB").save(thumbnail, format="JPEG", quality=85)
        return [thumbnail]
    return []
