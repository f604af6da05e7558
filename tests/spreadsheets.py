"""Checks on exported workbooks shared by the tests of every export."""

import re
import zipfile
from io import BytesIO

from openpyxl import load_workbook

# What an attacker types into a name or a stem, hoping an organiser opens the export in Excel.
FORMULA = '=HYPERLINK("http://evil.example/x","click")'
FORMULA_ELEMENT = re.compile(rb"<(\w+:)?f[ >/]")


def assert_written_as_text(content: bytes, *texts: str) -> None:
    """Each of `texts` is in the workbook as a string cell holding exactly it, and no sheet of the
    file holds a formula."""
    book = load_workbook(BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    for text in texts:
        found = [cell for cell in cells if cell.value == text]
        assert found, f"{text!r} is not in the workbook"
        assert {cell.data_type for cell in found} == {"s"}, f"{text!r} is not stored as text"
    with zipfile.ZipFile(BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not FORMULA_ELEMENT.search(archive.read(name)), f"{name} holds a formula"


def with_sheet_xml(content: bytes, edit) -> bytes:
    """The workbook `content` with its first sheet's XML replaced by `edit(xml)` (text in, text out):
    for files Excel would never write but an upload may be."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            copy.writestr(item, data)
    return out.getvalue()


# Cells whose XML no reader can make sense of, each added as row 9 of a sheet: a number that is
# not one, a shared string that does not exist, a date that is not one, a cell reference that is
# not one, a boolean that is not one; and XML cut off in the middle.
DAMAGED_CELLS = {
    "number": '<c r="A9" t="n"><v>abc</v></c>',
    "shared string": '<c r="A9" t="s"><v>999</v></c>',
    "date": '<c r="A9" t="d"><v>not-a-date</v></c>',
    "reference": '<c r="!!" t="inlineStr"><is><t>q</t></is></c>',
    "boolean": '<c r="A9" t="b"><v>maybe</v></c>',
    "cut off": "<c",
}


def damaged(content: bytes, cell: str) -> bytes:
    """The workbook `content` with one of `DAMAGED_CELLS` in a row 9 of its first sheet."""
    return with_sheet_xml(content, lambda xml: xml.replace("</sheetData>", f'<row r="9">{cell}</row></sheetData>'))
