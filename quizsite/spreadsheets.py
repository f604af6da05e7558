"""Reading spreadsheets the way organisers really write them.

The header row may sit below a title or notes; blank rows can appear anywhere; numbers arrive as
numbers. Every problem is reported against the spreadsheet's own row number and column header.
"""

import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

HEADER_SEARCH_ROWS = 15


class SpreadsheetError(Exception):
    """The file as a whole cannot be read (not an xlsx, too large, no header row...)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class SheetRow:
    number: int  # as Excel shows it, 1-based
    values: dict[str, object] = field(default_factory=dict)


def normalise_header(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower().replace(" ", "")


def cell_text(value: object) -> str:
    """A cell as text: 1001.0 becomes "1001", full-width forms become half-width, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def open_first_sheet(file: IO[bytes], *, max_bytes: int):
    """Open an uploaded .xlsx read-only, refusing files that are too big or not spreadsheets."""
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    if size == 0:
        raise SpreadsheetError(_("The file is empty."))
    if size > max_bytes:
        raise SpreadsheetError(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB.")
            % {"size": size / 1e6, "limit": max_bytes / 1e6}
        )
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise SpreadsheetError(
            _("This is not an Excel .xlsx workbook. Save it from Excel or WPS as .xlsx and try again.")
        ) from None
    return workbook.worksheets[0]


def read_table(sheet, *, columns: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> list[SheetRow]:
    """Find the header row, then return each non-blank row keyed by canonical column name.

    `columns` maps a canonical name to the header spellings that mean it (Chinese and English).
    """
    spellings = {normalise_header(s): key for key, names in columns.items() for s in names}
    rows = sheet.iter_rows(values_only=True)
    header_at: dict[int, str] | None = None
    header_number = 0
    for number, cells in enumerate(rows, start=1):
        found = {i: spellings[normalise_header(c)] for i, c in enumerate(cells) if normalise_header(c) in spellings}
        if all(key in found.values() for key in required):
            header_at, header_number = found, number
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header_at is None:
        wanted = "、".join(columns[key][0] for key in required)
        raise SpreadsheetError(
            _("No header row found in the first %(n)d rows: it needs the columns %(cols)s.")
            % {"n": HEADER_SEARCH_ROWS, "cols": wanted}
        )
    table = []
    for number, cells in enumerate(rows, start=header_number + 1):
        values = {key: cells[i] if i < len(cells) else None for i, key in header_at.items()}
        if all(cell_text(v) == "" for v in values.values()):
            continue
        table.append(SheetRow(number, values))
    return table
