"""Reading spreadsheets the way organisers really write them.

The header row may sit below a title or notes; blank rows can appear anywhere; numbers arrive as
numbers. Every problem is reported against the spreadsheet's own row number and column header.
"""

import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from typing import IO

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

HEADER_SEARCH_ROWS = 15
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes | Workbook, filename: str) -> HttpResponse:
    """A workbook (or its bytes) as a download named `filename`."""
    if isinstance(content, Workbook):
        out = BytesIO()
        content.save(out)
        content = out.getvalue()
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
    columns: dict[str, int] = field(default_factory=dict)  # key -> 1-based sheet column


def normalise_header(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower().replace(" ", "")


def cell_text(value: object, *, fold: bool = False) -> str:
    """A cell as trimmed text; 1001.0 becomes "1001". With `fold`, full-width forms become
    half-width (for codes, numbers and keys; never for prose, whose punctuation is meant)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return (unicodedata.normalize("NFKC", text) if fold else text).strip()


def too_large(size: int, max_bytes: int) -> str | None:
    """The message for an upload over the limit, or None: every upload says it the same way."""
    if size <= max_bytes:
        return None
    return _("The file is %(size).1f MB; the limit is %(limit).0f MB.") % {
        "size": size / 2**20,
        "limit": max_bytes / 2**20,
    }


def _check_size(file: IO[bytes], max_bytes: int) -> None:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    if size == 0:
        raise SpreadsheetError(_("The file is empty."))
    if message := too_large(size, max_bytes):
        raise SpreadsheetError(message)


def _load(file: IO[bytes], **options):
    try:
        return load_workbook(file, **options)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise SpreadsheetError(
            _("This is not an Excel .xlsx workbook. Save it from Excel or WPS as .xlsx and try again.")
        ) from None


def open_first_sheet(file: IO[bytes], *, max_bytes: int):
    """Open an uploaded .xlsx read-only (fast), refusing files that are too big or not spreadsheets."""
    _check_size(file, max_bytes)
    return _load(file, read_only=True, data_only=True).worksheets[0]


@dataclass
class Sheet:
    rows: list[tuple]
    formula_cells: list[tuple[int, int]]  # (row, column), 1-based: formulas with no saved result


def read_sheet_values(file: IO[bytes], *, max_bytes: int) -> Sheet:
    """Read the first sheet as organisers leave it: merged cells repeat their value in every cell
    they cover, and formulas count by their saved result (a formula with none is reported)."""
    _check_size(file, max_bytes)
    book = _load(file, data_only=True)
    sheet = book.worksheets[0]
    for merged in list(sheet.merged_cells.ranges):
        value = sheet.cell(merged.min_row, merged.min_col).value
        sheet.unmerge_cells(str(merged))
        for row in range(merged.min_row, merged.max_row + 1):
            for column in range(merged.min_col, merged.max_col + 1):
                sheet.cell(row, column).value = value
    rows = list(sheet.iter_rows(values_only=True))
    file.seek(0)
    formulas = _load(file, read_only=True, data_only=False).worksheets[0]
    missing = [
        (cell.row, cell.column)
        for row in formulas.iter_rows()
        for cell in row
        if cell.data_type == "f" and _value_at(rows, cell.row, cell.column) is None
    ]
    return Sheet(rows=rows, formula_cells=missing)


def _value_at(rows: list[tuple], row: int, column: int) -> object:
    if row - 1 < len(rows) and column - 1 < len(rows[row - 1]):
        return rows[row - 1][column - 1]
    return None


def read_table(
    rows: Iterable[tuple], *, columns: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> list[SheetRow]:
    """Find the header row, then return each non-blank row keyed by canonical column name.

    `columns` maps a canonical name to the header spellings that mean it (Chinese and English).
    Each returned row also knows which sheet column each key came from (`SheetRow.columns`).
    """
    spellings = {normalise_header(s): key for key, names in columns.items() for s in names}
    rows = iter(rows)
    header_at: dict[int, str] | None = None
    header_number = 0
    for number, cells in enumerate(rows, start=1):
        found: dict[int, str] = {}
        for i, cell in enumerate(cells):
            key = spellings.get(normalise_header(cell))
            if key and key not in found.values():
                found[i] = key
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
        table.append(SheetRow(number, values, {key: i + 1 for i, key in header_at.items()}))
    return table
