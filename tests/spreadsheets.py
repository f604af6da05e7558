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
