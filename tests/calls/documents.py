"""Small real files for upload tests: a .docx with an author in its properties, PDFs with and
without metadata or scripts, a PNG."""

import io
import zipfile
import zlib
from xml.sax.saxutils import escape

import pikepdf

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    '<Relationship Id="rId2" Target="docProps/core.xml" '
    'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"/>'
    "</Relationships>"
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{author}</dc:creator>'
    "<cp:lastModifiedBy>{author}</cp:lastModifiedBy></cp:coreProperties>"
)


def docx(paragraphs=("学习贯彻党的二十大精神",), *, author="张三", macros=False, main=DOCX_MAIN) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>" for text in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.replace("{main}", main))
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", document)
        archive.writestr("docProps/core.xml", CORE.replace("{author}", author))
        if macros:
            archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    return out.getvalue()


def pdf(*, author="张三", script=None) -> bytes:
    """A one-page PDF with `author` in its Info; `script` adds "open_action" or "names" JavaScript."""
    document = pikepdf.new()
    document.add_blank_page()
    document.docinfo["/Author"] = author
    document.docinfo["/Title"] = "征文"
    action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')"))
    if script == "open_action":
        document.Root.OpenAction = document.make_indirect(action)
    elif script == "names":
        document.Root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), document.make_indirect(action)]))
        )
    out = io.BytesIO()
    document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def picture(fmt: str = "PNG", *, artist: str = "") -> bytes:
    """A small picture; `artist` goes into its EXIF (the camera owner, as phones write it)."""
    from PIL import Image

    image = Image.new("RGB", (8, 6), (200, 30, 30))
    exif = Image.Exif()
    if artist:
        exif[0x013B] = artist  # Artist
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


PNG = picture()


def pdf_with_inflating_object_stream(*, inflated_mb: int) -> bytes:
    """A one-page PDF whose document information sits in an object stream that inflates to
    `inflated_mb` MB (the dictionary, then spaces: a few hundredths of that once deflated), found
    through a cross-reference stream as in PDF 1.5 files."""
    packer = zlib.compressobj(1)
    packed = packer.compress(b"1 0 << /Title (Essay) >>")
    packed += b"".join(packer.compress(b" " * 2**20) for _ in range(inflated_mb)) + packer.flush()
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in (
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>"),
        (4, b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)),
        (6, b"<< /Type /Catalog /Pages 2 0 R >>"),
    ):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s" % (number, body)
        out += (packed + b"\nendstream" if number == 4 else b"") + b"\nendobj\n"
    offsets[5] = len(out)
    rows = [(0, 0, 65535), (2, 4, 0), *((1, offsets[number], 0) for number in range(2, 7))]
    table = b"".join(
        kind.to_bytes(1, "big") + at.to_bytes(4, "big") + last.to_bytes(2, "big") for kind, at, last in rows
    )
    out += b"5 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 6 0 R /Info 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[5]
    return bytes(out)
