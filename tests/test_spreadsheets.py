"""The one xlsx writer every export uses, and the names it gives files and sheets."""

import datetime as dt
from decimal import Decimal
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from quizsite.spreadsheets import (
    ExportWorkbook,
    SpreadsheetError,
    attachment_disposition,
    read_sheet_values,
    read_table,
    sheet_title,
)
from tests.archives import inflated
from tests.compound_files import encrypted_xlsx, old_xls
from tests.spreadsheets import FORMULA, assert_written_as_text, with_sheet_xml

DANGEROUS_TEXT = [FORMULA, "=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "=", "#N/A", "-", "- 选项"]


def test_text_that_looks_like_a_formula_or_an_error_is_written_as_the_text_itself():
    book = ExportWorkbook()
    # XML reads a carriage return back as a line feed, so that one is checked for formulas only.
    book.sheet("题").append([*DANGEROUS_TEXT, "\r=1+1"])
    assert_written_as_text(book.to_bytes(), *DANGEROUS_TEXT)


def test_numbers_dates_and_blanks_keep_their_types():
    book = ExportWorkbook()
    day, moment = dt.date(2026, 7, 1), dt.datetime(2026, 7, 1, 9, 30)
    book.sheet("数").append([1, 2.5, Decimal("3.25"), day, moment, None, "文本"])
    row = next(load_workbook(BytesIO(book.to_bytes())).active.iter_rows())
    assert [cell.data_type for cell in row[:5]] == ["n", "n", "n", "d", "d"]
    assert [cell.value for cell in row] == [1, 2.5, 3.25, dt.datetime(2026, 7, 1), moment, None, "文本"]


def test_characters_xml_cannot_hold_are_dropped_instead_of_failing_the_export():
    book = ExportWorkbook()
    book.sheet("x").append(["题\x0b干\x00"])
    assert load_workbook(BytesIO(book.to_bytes())).active["A1"].value == "题干"


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("党章/题库", "党章_题库"),
        ("a\\b?c*d[e]f:g", "a_b_c_d_e_f_g"),
        ("'引号'", "引号"),
        ("History", "History_"),
        ("", "Sheet"),
        ("[]", "__"),
        ("第" * 40, "第" * 31),
    ],
)
def test_sheet_titles_are_made_valid(name, title):
    assert sheet_title(name) == title
    Workbook().create_sheet(sheet_title(name))  # openpyxl accepts it


def test_sheets_named_the_same_after_cleaning_both_exist():
    book = ExportWorkbook()
    book.sheet("a/b").append([1])
    book.sheet("a:b").append([2])
    assert len(load_workbook(BytesIO(book.to_bytes())).sheetnames) == 2


def _filenames(header: str) -> dict[str, str]:
    parts = dict(part.strip().split("=", 1) for part in header.split(";")[1:])
    names = {"filename": parts["filename"].strip('"')}
    if "filename*" in parts:
        charset, _, quoted = parts["filename*"].partition("''")
        assert charset == "UTF-8"
        names["filename*"] = unquote(quoted)
    return names


def test_an_ascii_name_is_sent_as_it_is():
    header = attachment_disposition("contest-ABC123", extension=".xlsx")
    assert header == 'attachment; filename="contest-ABC123.xlsx"'


def test_a_chinese_name_goes_in_filename_star_with_an_ascii_fallback():
    names = _filenames(attachment_disposition("党章题库", extension=".xlsx", ascii_name="dangzhang"))
    assert names == {"filename": "dangzhang.xlsx", "filename*": "党章题库.xlsx"}
    names = _filenames(attachment_disposition("党章题库", extension=".xlsx"))
    assert names == {"filename": "export.xlsx", "filename*": "党章题库.xlsx"}


def test_characters_file_systems_refuse_are_replaced_and_long_names_shortened():
    names = _filenames(attachment_disposition('a/b\\c:d*e?f"g<h>i|j\r\nk', extension=".xlsx"))
    assert names["filename"] == "a_b_c_d_e_f_g_h_i_j_k.xlsx"
    assert _filenames(attachment_disposition("党章/题库:2024", extension=".xlsx"))["filename*"] == "党章_题库_2024.xlsx"
    long = _filenames(attachment_disposition("题" * 300, extension=".xlsx"))["filename*"]
    assert long.endswith(".xlsx") and len(long.encode()) <= 210


def test_a_sheet_reads_in_one_pass_as_openpyxl_reads_it_with_merged_cells_repeated():
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    book = Workbook()
    sheet = book.active
    bold = InlineFont(b=True)
    sheet.append(["标题", None, None])
    sheet.append([CellRichText("党的", TextBlock(bold, "二十大"), "报告"), "  两端空格  ", True])
    sheet.append([])
    sheet.append([1921, 2.5, dt.datetime(2026, 7, 1, 9, 30)])
    sheet.append([None, None, "=1+1"])
    sheet.merge_cells("A1:C1")
    sheet.merge_cells("A4:A5")
    out = BytesIO()
    book.save(out)
    read = read_sheet_values(BytesIO(out.getvalue()), max_bytes=2**20)
    assert read.rows == [
        ("标题", "标题", "标题"),
        ("党的二十大报告", "  两端空格  ", True),
        (),
        (1921, 2.5, dt.datetime(2026, 7, 1, 9, 30)),
        (1921, None, None),
    ]
    assert read.formula_cells == [(5, 3)]  # openpyxl saves no result for a formula
    openpyxl_rows = list(load_workbook(BytesIO(out.getvalue()), data_only=True).active.iter_rows(values_only=True))
    assert [read.rows[1], read.rows[3]] == [openpyxl_rows[1], openpyxl_rows[3]]  # rows no merge touches


@pytest.mark.parametrize("read", [read_sheet_values])
def test_a_workbook_that_unpacks_to_far_more_than_it_weighs_is_refused_before_it_is_read(read):
    """A zip bomb of an xlsx (here under 1 MB, unpacking to 64 MB) would be inflated in the web
    process: openpyxl reads the shared strings whole, and the rows are kept."""
    book = Workbook()
    book.active.append(["题干", "答案"])
    plain = BytesIO()
    book.save(plain)
    bomb = inflated(plain.getvalue(), unpacked_mb=64, name="xl/padding.bin")
    assert len(bomb) < 2**20
    with pytest.raises(SpreadsheetError, match="64 MB"):
        read(BytesIO(bomb), max_bytes=10 * 2**20)
    assert read(BytesIO(plain.getvalue()), max_bytes=10 * 2**20) is not None


def _sheet(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


FAR_RIGHT_ROWS = "".join(f'<row r="{n}"><c r="XFD{n}" t="inlineStr"><is><t>z</t></is></c></row>' for n in range(3, 400))


@pytest.mark.parametrize(
    "edit",
    [
        # A cell in the last column (XFD) of 400 rows: 16,384 cells a row once read, 6.5 million in all.
        lambda xml: xml.replace("</sheetData>", FAR_RIGHT_ROWS + "</sheetData>"),
        # One merged range over A3:XFD400, the same cells.
        lambda xml: xml.replace(
            "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A3:XFD400"/></mergeCells>'
        ),
    ],
    ids=["cells far to the right", "a huge merged range"],
)
def test_a_sheet_spanning_more_cells_than_may_be_held_is_refused_in_words(edit):
    """A few kilobytes of XML (far under the unpacked-size check) made millions of cells in memory:
    a thousand such rows, or a merge over A1:XFD1048576, took gigabytes."""
    data = with_sheet_xml(_sheet(["题干", "答案"], ["一", "A"]), edit)
    assert len(data) < 40_000
    with pytest.raises(SpreadsheetError, match="该工作表过大.*5,000,000 个单元格"):
        read_sheet_values(BytesIO(data), max_bytes=2**20)


def test_a_cell_on_the_last_row_is_read_with_the_blank_rows_above_it():
    """Blank rows count one cell each: a value on row 1,048,576 (Excel's last) is still read."""
    data = with_sheet_xml(
        _sheet(["题干", "答案"]),
        lambda xml: xml.replace(
            "</sheetData>", '<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>末行</t></is></c></row></sheetData>'
        ),
    )
    rows = read_sheet_values(BytesIO(data), max_bytes=2**20).rows
    assert (len(rows), rows[0], rows[1], rows[-1]) == (1_048_576, ("题干", "答案"), (), (None, "末行"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encrypted_xlsx(), "This workbook is protected by a password, so it cannot be read."),
        (old_xls("EncryptionInfo EncryptedPackage"), "This is an old Excel 97-2003 workbook (.xls)."),
    ],
)
def test_a_file_that_is_no_xlsx_package_is_named_for_what_it_is(data, message):
    with translation.override("en"), pytest.raises(SpreadsheetError) as refused:
        read_sheet_values(BytesIO(data), max_bytes=1_000_000)
    assert str(refused.value).startswith(message)


def test_a_header_row_lacking_a_required_column_is_named_not_searched_past():
    rows = [("说明：请按模板填写",), ("姓名", "单位", "角色"), ("张伟", "审计署", "成员")]
    columns = {"name": ("姓名",), "no": ("工号",), "unit": ("单位",), "role": ("角色",)}
    with translation.override("zh-hans"), pytest.raises(SpreadsheetError) as refused:
        read_table(rows, columns=columns, required=("name", "no", "unit"))
    assert str(refused.value) == "表头在第 2 行，但缺少 工号 列。"
    # A row of other headers is no header lacking a column: none is found.
    with translation.override("zh-hans"), pytest.raises(SpreadsheetError) as refused:
        read_table([("序号", "备注"), ("1", "单位")], columns=columns, required=("name", "no", "unit"))
    assert str(refused.value) == "前 15 行中没有找到表头：表头需要包含 姓名、工号、单位 列。"
