"""Spreadsheets in and out.

In: reading spreadsheets the way organisers really write them. The header row may sit below a
title or notes; blank rows can appear anywhere; numbers arrive as numbers. Every problem is
reported against the spreadsheet's own row number and column header.

Out: every xlsx export is written by `ExportWorkbook` and sent by `xlsx_response`, so whatever
leaves the platform is inert (text is never a live formula) and every name is a valid file name
and sheet title.
"""

import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import IO, Literal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.packaging.core import DocumentProperties
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.xml.constants import SHEET_MAIN_NS

from .archives import PackageTooLarge, check_unpacked_size
from .naming import listed

HEADER_SEARCH_ROWS = 15
# The most cells a sheet read may hold in memory, counting the blanks before each row's last cell
# and every row above the last (a blank row counts one). A workbook of a few kilobytes can put a
# cell in column XFD of thousands of rows, or merge A1:XFD1048576: each is a few bytes of XML but
# 16,384 cells a row once read. Real imports hold tens of thousands of rows of a dozen columns.
SHEET_CELLS_MAX = 5_000_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SHEET_TITLE_MAX = 31  # Excel's limit
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
# Characters no common file system (or a Content-Disposition header) takes in a file name.
FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
FILENAME_MAX_BYTES = 200  # below the 255 bytes most file systems allow, with room for a suffix
ASCII_FILENAME_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

TEXT_TAG, RUN_TAG = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"

RowStyle = Literal["plain", "title", "header"]
ROW_FONTS = {"title": Font(bold=True, size=13), "header": Font(bold=True, color="FFFFFF")}
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")


def sheet_title(name: str, *, default: str = "Sheet") -> str:
    """`name` as a sheet title Excel accepts: at most 31 characters, none of \\ / ? * [ ] :, not
    starting or ending with an apostrophe, not the reserved "History"."""
    title = SHEET_TITLE_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", name))
    title = " ".join(title.split())[:SHEET_TITLE_MAX].strip(" '")
    if title.lower() == "history":
        title += "_"
    return title or default


def _filename_stem(name: str) -> str:
    stem = " ".join(FILENAME_FORBIDDEN.sub("_", name).split()).strip(" .")
    return stem.encode()[:FILENAME_MAX_BYTES].decode(errors="ignore").strip(" .")


def attachment_disposition(name: str, *, extension: str, ascii_name: str = "", inline: bool = False) -> str:
    """A Content-Disposition header for a download called `name` + `extension` (`inline`: for
    the browser to show, a PDF say, and saved under that name).

    The name loses what file systems refuse and is shortened; a name beyond ASCII (Chinese) goes
    in RFC 5987's `filename*`, with `ascii_name` (or what is ASCII in `name`, or "export") as the
    plain `filename` for clients that do not read it."""
    stem = _filename_stem(name) or "export"
    plain = ASCII_FILENAME_SAFE.sub("_", _filename_stem(ascii_name) or stem).strip("_.") or "export"
    header = f'{"inline" if inline else "attachment"}; filename="{plain}{extension}"'
    if plain != stem:
        header += f"; filename*=UTF-8''{quote(stem + extension, safe='')}"
    return header


def xlsx_response(content: bytes, name: str, *, ascii_name: str = "") -> HttpResponse:
    """An exported workbook as a download called `name`.xlsx (see `attachment_disposition`)."""
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment_disposition(name, extension=".xlsx", ascii_name=ascii_name)
    return response


@dataclass(frozen=True)
class Formatted:
    """A number shown with an Excel number format and read back as the number: a rate of 0.95
    written as `Formatted(0.95, PERCENT)` reads 95.0% in a spreadsheet and 0.95 to a formula."""

    value: float | None
    number_format: str


PERCENT = "0.0%"
TWO_DECIMALS = "0.00"
# A place others share, as a board writes it (3=), still the number 3 to sort and count by.
SHARED_PLACE = '0"="'


class ExportSheet:
    """One sheet of an export, written row by row (rows are streamed, not kept in memory).

    Most cells go to openpyxl as bare values, which its write-only sheet writes through one cell
    it reuses: a cell object of our own for each of an organ's 100,000 cells cost as much again
    as the writing (docs/benchmarks.md, "xlsx exports"). A cell is made only where a bare value
    would not read back as written (text openpyxl would take for a formula or an error) or where
    it carries a style (a title or header row, a number format), and then from the style made
    once for the sheet."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self._sheet = sheet
        self._styles: dict[tuple[RowStyle, str], StyleArray | None] = {}

    def append(self, values: Iterable[object], *, style: RowStyle = "plain") -> None:
        if style == "plain":
            self._sheet.append([self._plain(value) for value in values])
        else:
            self._sheet.append([self._cell(value, style) for value in values])

    def _plain(self, value: object) -> object:
        if isinstance(value, str):
            text = ILLEGAL_CHARACTERS_RE.sub("", value)
            # openpyxl makes text starting with "=" a formula and "#N/A"-like text an error.
            return self._cell(text, "plain") if text[:1] == "=" or text in ERROR_CODES else text
        if isinstance(value, Formatted):
            return self._cell(value, "plain")
        return value

    def _cell(self, value: object, style: RowStyle) -> Cell:
        number_format = value.number_format if isinstance(value, Formatted) else ""
        key = (style, number_format)
        if key not in self._styles:
            self._styles[key] = self._style_of(style, number_format)
        if isinstance(value, str):
            cell = Cell(self._sheet, row=1, column=1, style_array=self._styles[key])
            # Stored as a string, any text reads back exactly as written and runs nothing.
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell.data_type = "s"
            return cell
        plain = value.value if isinstance(value, Formatted) else value
        return Cell(self._sheet, row=1, column=1, value=plain, style_array=self._styles[key])

    def _style_of(self, style: RowStyle, number_format: str) -> StyleArray | None:
        """The style of a cell of a `style` row with `number_format`, registered in the workbook."""
        cell = WriteOnlyCell(self._sheet)
        if number_format:
            cell.number_format = number_format
        if style in ROW_FONTS:
            cell.font = ROW_FONTS[style]
        if style == "header":
            cell.fill = HEADER_FILL
        return cell._style  # what `Cell(style_array=...)` takes; None for a cell with no style


class ExportWorkbook:
    """The writer every xlsx export uses: text is always stored as text (never a live formula,
    whatever it starts with: = + - @ tab), numbers stay numbers and dates stay dates."""

    def __init__(self) -> None:
        self._book = Workbook(write_only=True)

    @property
    def properties(self) -> DocumentProperties:
        return self._book.properties

    def sheet(
        self, title: str, *, default: str = "Sheet", widths: Sequence[float] = (), frozen_rows: int = 0
    ) -> ExportSheet:
        """A new sheet; its title is made valid (`sheet_title`), `widths` set its columns', and
        its first `frozen_rows` rows (the header) stay in view while scrolling."""
        sheet = self._book.create_sheet(sheet_title(title, default=default))
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        if frozen_rows:
            sheet.freeze_panes = f"A{frozen_rows + 1}"
        return ExportSheet(sheet)

    def to_bytes(self) -> bytes:
        out = BytesIO()
        self._book.save(out)
        return out.getvalue()


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
    headers: dict[str, str] = field(default_factory=dict)  # key -> its header as the sheet writes it


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


# An OLE compound file (CFB): an old .xls, or an .xlsx that Excel or WPS encrypted with a password,
# which is its zip package sealed inside such a file, beside the key it needs.
COMPOUND_FILE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE_STREAMS = ("EncryptionInfo", "EncryptedPackage")
DIRECTORY_ENTRY_BYTES = 128  # a CFB directory entry; sectors (512 or 4,096 bytes) hold whole ones


def _has_compound_stream(data: bytes, name: str) -> bool:
    """Whether the compound file `data` has a directory entry named `name`: the name in UTF-16LE
    with its terminating NUL at the start of an entry, and the entry's name length (bytes 64-65)
    saying so. Searching for the name alone could meet the same text inside a sheet's cells."""
    encoded = (name + "\x00").encode("utf-16-le")
    length = len(encoded).to_bytes(2, "little")
    at = data.find(encoded)
    while at != -1:
        if at % DIRECTORY_ENTRY_BYTES == 0 and data[at + 64 : at + 66] == length:
            return True
        at = data.find(encoded, at + 1)
    return False


def _not_a_workbook(file: IO[bytes]) -> str:
    """Why `file`, which is no xlsx zip package, cannot be read, said so the organiser can fix it:
    a password to remove, an old .xls to save again as .xlsx, or any other file."""
    file.seek(0)
    data = file.read()
    if data.startswith(COMPOUND_FILE_SIGNATURE):
        if all(_has_compound_stream(data, name) for name in ENCRYPTED_PACKAGE_STREAMS):
            return _(
                "This workbook is protected by a password, so it cannot be read. Open it in Excel or WPS, remove "
                "the password (Excel: File > Info > Protect Workbook > Encrypt with Password, clear the password; "
                "WPS: File > Document Encryption > Password Encryption, clear the password), save it and upload "
                "it again."
            )
        return _(
            "This is an old Excel 97-2003 workbook (.xls). Open it in Excel or WPS, save it as an Excel "
            "workbook (.xlsx) and upload that file."
        )
    return _("This is not an Excel .xlsx workbook. Save it from Excel or WPS as .xlsx and try again.")


def _load(file: IO[bytes], **options):
    try:
        file.seek(0, 2)
        packed_size = file.tell()
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            check_unpacked_size(archive, packed_size=packed_size)
        file.seek(0)
        return load_workbook(file, **options)
    except PackageTooLarge as refused:
        raise SpreadsheetError(str(refused)) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise SpreadsheetError(_not_a_workbook(file)) from None


@dataclass(frozen=True)
class MergedRange:
    """A merged block of cells, 1-based and inclusive, as Excel's A1:B2 names it."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass
class Sheet:
    rows: list[tuple]
    formula_cells: list[tuple[int, int]]  # (row, column), 1-based: formulas with no saved result
    merged: list[MergedRange] = field(default_factory=list)  # the merges whose value was repeated


class _OnePassParser(WorkSheetParser):
    """openpyxl's own sheet parser, the one its read-only mode runs, noting on the way the
    formulas that have no saved result; its `merged_cells` is filled once the rows are read.

    This leans on openpyxl internals (`WorkSheetParser`, a read-only sheet's `_worksheet_path`
    and `_shared_strings`), which is why openpyxl is pinned in requirements.txt: the read-only
    mode's public API gives neither a formula's presence beside its saved value nor the merged
    ranges, and reading the file a second time for them cost as much as the whole import's checks.
    Cell values come out exactly as openpyxl gives them (shared and inline strings, numbers,
    dates by their number format, booleans, errors).
    """

    def __init__(self, sheet: ReadOnlyWorksheet) -> None:
        book = sheet.parent
        super().__init__(
            book._archive.open(sheet._worksheet_path),
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        self.formulas_without_value: list[tuple[int, int]] = []

    def parse_cell(self, element) -> dict:
        if element.get("t") == "inlineStr":
            return self._inline_string(element)
        cell = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            self.formulas_without_value.append((cell["row"], cell["column"]))
        return cell

    def _inline_string(self, element) -> dict:
        """What openpyxl 3.1's `parse_cell` makes of an inline string (the kind openpyxl itself
        writes), without building the `Text` objects that cost half its read: the plain text,
        then each rich-text run's text; phonetic hints are not content."""
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        value = None
        text = element.find(INLINE_STRING)
        if text is not None and len(text) == 1 and text[0].tag == TEXT_TAG:
            value = text[0].text or ""
        elif text is not None:
            parts = [text.find(TEXT_TAG), *(run.find(TEXT_TAG) for run in text.iterfind(RUN_TAG))]
            value = "".join(part.text or "" for part in parts if part is not None)
        return {"row": row, "column": column, "value": value, "data_type": "s" if text is not None else "inlineStr"}


def read_sheet_values(file: IO[bytes], *, max_bytes: int) -> Sheet:
    """Read the first sheet as organisers leave it: merged cells repeat their value in every cell
    they cover (`Sheet.merged` lists the merges, for a reader to judge them), and formulas count
    by their saved result (a formula with none is reported).

    One pass over the sheet's XML, as openpyxl's read-only mode makes it (see `_OnePassParser`).
    `rows[i]` is sheet row i + 1; a row is as long as its last filled cell.
    """
    _check_size(file, max_bytes)
    book = _load(file, read_only=True, data_only=True)
    budget = _CellBudget()
    try:
        parser = _OnePassParser(book.worksheets[0])
        rows: list[list] = []
        for number, cells in parser.parse():
            budget.spend(number - len(rows))
            while len(rows) < number:
                rows.append([])
            if cells:
                budget.spend(cells[-1]["column"] - 1)
                values = rows[number - 1] = [None] * cells[-1]["column"]
                for cell in cells:
                    values[cell["column"] - 1] = cell["value"]
        parser.source.close()
    except (zipfile.BadZipFile, KeyError, IndexError, OSError, ValueError, SyntaxError):
        raise SpreadsheetError(_not_a_workbook(file)) from None
    finally:
        book.close()
    merges = []
    for merged in parser.merged_cells.mergeCell if parser.merged_cells else ():
        merges.append(MergedRange(merged.min_row, merged.min_col, merged.max_row, merged.max_col))
        value = _value_at(rows, merged.min_row, merged.min_col)
        budget.spend(merged.max_row - len(rows))
        while len(rows) < merged.max_row:
            rows.append([])
        for number in range(merged.min_row, merged.max_row + 1):
            values = rows[number - 1]
            if len(values) < merged.max_col:
                budget.spend(merged.max_col - len(values))
                values.extend([None] * (merged.max_col - len(values)))
            values[merged.min_col - 1 : merged.max_col] = [value] * (merged.max_col - merged.min_col + 1)
    missing = [(row, column) for row, column in parser.formulas_without_value if _value_at(rows, row, column) is None]
    return Sheet(rows=[tuple(values) for values in rows], formula_cells=missing, merged=merges)


class _CellBudget:
    """Counts the cells a sheet read has made room for; refuses the sheet past `SHEET_CELLS_MAX`."""

    def __init__(self) -> None:
        self.cells = 0

    def spend(self, cells: int) -> None:
        self.cells += max(cells, 0)
        if self.cells > SHEET_CELLS_MAX:
            raise SpreadsheetError(
                _(
                    "This sheet is too large to read: its rows and columns span more than %(cells)s cells. "
                    "Delete the rows and columns you do not need (look far below and to the right) and try again."
                )
                % {"cells": f"{SHEET_CELLS_MAX:,}"}
            )


def _value_at(rows: list, row: int, column: int) -> object:
    if row - 1 < len(rows) and column - 1 < len(rows[row - 1]):
        return rows[row - 1][column - 1]
    return None


def column_label(name: object, header: str) -> str:
    """A column as a page names it: "Unit (单位)" on an English page, "单位" on a Chinese one,
    from its `name` in the page's language and its Chinese `header`."""
    name = str(name)
    return header if name == header else f"{name} ({header})"


def read_table(
    rows: Iterable[tuple],
    *,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    names: dict[str, object] | None = None,
    open_header: bool = False,
) -> list[SheetRow]:
    """Find the header row, then return each non-blank row keyed by canonical column name.

    `columns` maps a canonical name to the header spellings that mean it (Chinese and English).
    Each returned row also knows which sheet column each key came from (`SheetRow.columns`) and
    its header as written (`SheetRow.headers`), for problems to name the column the way the sheet
    does. With `names` (each key's name in the page's language), the header row must hold only
    known columns, each once: a header neither language knows, or two headers for one column,
    refuse the sheet naming them, where otherwise the column would be silently left unread. With
    `open_header`, `names` only names columns in problems and the header row may hold others.

    A row that is clearly the header (at least two known columns, and known columns for at least
    half its cells) but lacks a required column is named with the columns it lacks.
    """
    spellings = {normalise_header(s): key for key, names in columns.items() for s in names}
    rows = iter(rows)
    header_at: dict[int, str] | None = None
    header_cells: tuple = ()
    header_number = 0
    # The first of the rows with the most cells written (a title above it has one): where the
    # sheet's own header most likely is, to name it when it is not the header wanted.
    first_written: tuple[int, list[str]] | None = None
    # The row with the most known columns that reads as a header lacking a required one.
    partial_header: tuple[int, dict[int, str]] | None = None
    for number, cells in enumerate(rows, start=1):
        written = [text for text in (cell_text(cell) for cell in cells) if text]
        if written and (first_written is None or len(written) > len(first_written[1])):
            first_written = (number, written)
        found: dict[int, str] = {}
        for i, cell in enumerate(cells):
            key = spellings.get(normalise_header(cell))
            if key and key not in found.values():
                found[i] = key
        if all(key in found.values() for key in required):
            header_at, header_cells, header_number = found, cells, number
            break
        if len(found) >= 2 and 2 * len(found) >= len(written):
            if partial_header is None or len(found) > len(partial_header[1]):
                partial_header = (number, found)
        if number >= HEADER_SEARCH_ROWS:
            break
    if header_at is None:

        def label(key: str) -> str:
            return columns[key][0] if names is None else column_label(names[key], columns[key][0])

        wanted = "、".join(label(key) for key in required) if names is None else listed(map(label, required))
        if partial_header is not None:
            row, found = partial_header
            missing = [key for key in required if key not in found.values()]
            raise SpreadsheetError(
                ngettext(
                    "The header is in row %(row)d, but it has no %(cols)s column.",
                    "The header is in row %(row)d, but these columns are missing: %(cols)s.",
                    len(missing),
                )
                % {"row": row, "cols": listed(map(label, missing))}
            )
        if names is not None and not open_header:
            if first_written is not None:
                # A header in its place with other names (名称, 人数): say what was found, not that
                # nothing was.
                row, written = first_written
                raise SpreadsheetError(
                    _("Row %(row)d is headed %(found)s; this sheet needs the columns %(cols)s.")
                    % {"row": row, "found": listed([f"“{text}”" for text in written]), "cols": wanted}
                )
        raise SpreadsheetError(
            _("No header row found in the first %(n)d rows: it needs the columns %(cols)s.")
            % {"n": HEADER_SEARCH_ROWS, "cols": wanted}
        )
    if names is not None and not open_header:
        _check_header_row(header_cells, header_at, spellings, columns, names)
    headers = {key: cell_text(header_cells[i]) for i, key in header_at.items()}
    table = []
    for number, cells in enumerate(rows, start=header_number + 1):
        if not cells:  # a row with no cell at all, skipped before any work: a file may hold a million
            continue
        values = {key: cells[i] if i < len(cells) else None for i, key in header_at.items()}
        if all(cell_text(v) == "" for v in values.values()):
            continue
        table.append(SheetRow(number, values, {key: i + 1 for i, key in header_at.items()}, headers))
    return table


def _check_header_row(cells: tuple, found: dict[int, str], spellings: dict, columns: dict, names: dict) -> None:
    known = listed([column_label(names[key], columns[key][0]) for key in columns])
    for i, cell in enumerate(cells):
        written = cell_text(cell)
        if not written or i in found:
            continue
        key = spellings.get(normalise_header(cell))
        if key is None:
            raise SpreadsheetError(
                _("Column %(letter)s, “%(header)s”, is not a column this sheet takes. Its columns: %(known)s.")
                % {"letter": get_column_letter(i + 1), "header": written, "known": known}
            )
        first = next(at for at, found_key in found.items() if found_key == key)
        raise SpreadsheetError(
            _("Columns %(first)s, “%(one)s”, and %(second)s, “%(other)s”, both give %(name)s: keep one of them.")
            % {
                "first": get_column_letter(first + 1),
                "one": cell_text(cells[first]),
                "second": get_column_letter(i + 1),
                "other": written,
                "name": column_label(names[key], columns[key][0]),
            }
        )
