"""xlsx and csv rows: headers in Chinese or English, keys and words in every common spelling."""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from openpyxl.utils import get_column_letter

from quizsite.spreadsheets import (
    HEADER_SEARCH_ROWS,
    MergedRange,
    SpreadsheetError,
    cell_text,
    normalise_header,
    read_sheet_values,
    read_table,
)

from ..grading import parse_true_false
from ..models.questions import OPTION_LETTERS, QuestionType
from ..validation import QuestionContent, QuestionInvalid, check_question
from .common import Draft, ImportReport

COLUMNS = {
    "type": ("题型", "类型", "试题类型", "type", "question type"),
    "stem": ("题干", "题目", "试题内容", "stem", "question"),
    **{
        f"option_{letter}": (f"选项{letter}", f"{letter}选项", letter, f"option {letter}", f"option{letter}")
        for letter in OPTION_LETTERS
    },
    "key": ("答案", "正确答案", "标准答案", "answer", "key"),
    "explanation": ("解析", "答案解析", "试题解析", "explanation"),
    "difficulty": ("难度", "difficulty"),
    "tags": ("知识点", "标签", "tags", "knowledge points", "tag"),
    "source": ("出处", "来源", "source"),
}
REQUIRED = ("type", "stem", "key")
HEADERS = {"type": "题型", "stem": "题干", "key": "答案", "explanation": "解析", "difficulty": "难度", "tags": "知识点"}
# A problem's column as the page names it, with the sheet's header beside it where they differ.
COLUMN_NAMES = {
    "题型": pgettext_lazy("question import column", "Type"),
    "题干": pgettext_lazy("question import column", "Question"),
    "答案": pgettext_lazy("question import column", "Answer"),
    "解析": pgettext_lazy("question import column", "Explanation"),
    "难度": pgettext_lazy("question import column", "Difficulty"),
    "知识点": pgettext_lazy("question import column", "Knowledge points"),
}

# The required columns' names, for a header lacking one to name it in the page's language.
REQUIRED_NAMES = {key: COLUMN_NAMES[COLUMNS[key][0]] for key in REQUIRED}


def column_label(header: str, *, sheet: bool = True) -> str:
    """ "Answer (答案)" on an English page, "答案" on a Chinese one; a header it does not know as is.
    A text file's part of a question (Aiken's) has no header to point at: "Answer" alone."""
    if header.startswith("选项") and len(header) == 3:
        name = pgettext("question import column", "Option %(letter)s") % {"letter": header[2]}
    else:
        name = str(COLUMN_NAMES.get(header, header))
    if not sheet or name == header:
        return name
    return f"{name} ({header})"


TYPE_NAMES = {
    QuestionType.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "单", "single", "single choice", "sc"),
    QuestionType.MULTIPLE: ("多选", "多选题", "多项选择", "多项选择题", "多", "multiple", "multiple choice", "mc"),
    QuestionType.TRUE_FALSE: ("判断", "判断题", "是非题", "对错题", "true_false", "true/false", "truefalse", "tf"),
    QuestionType.FILL_BLANK: ("填空", "填空题", "fill_blank", "fill", "blank", "fill in the blank"),
}
TYPE_BY_NAME = {name.replace(" ", ""): code for code, names in TYPE_NAMES.items() for name in names}
EXPORT_TYPE_NAMES = {code: names[1] for code, names in TYPE_NAMES.items()}
DIFFICULTY_WORDS = {
    "易": 1,
    "容易": 1,
    "简单": 1,
    "较易": 2,
    "中": 3,
    "中等": 3,
    "一般": 3,
    "较难": 4,
    "难": 5,
    "困难": 5,
}


def accepted_difficulties() -> str:
    """What the difficulty column takes, as its error message lists it in the page's language:
    1 to 5, then the words by level ("1～5、易、容易…" in Chinese, "1-5, 易, 容易…" in English)."""
    return pgettext("between list items", ", ").join([_("1-5"), *DIFFICULTY_WORDS])


BLANK_SEPARATORS = (";", "；")
# Knowledge points as organisers list them: 党章、党史 or 党章，党史 as often as 党章;党史.
TAG_SEPARATORS = (";", "；", "、", "，", ",")
ALTERNATIVE_SEPARATORS = ("|", "｜")


def _split(text: str, separators: tuple[str, ...]) -> list[str]:
    for separator in separators[1:]:
        text = text.replace(separator, separators[0])
    return [part.strip() for part in text.split(separators[0]) if part.strip()]


def parse_key(question_type: str, raw: str) -> list:
    if question_type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return [raw]  # as typed: check_question reads the letters and quotes what is not one
    if question_type == QuestionType.TRUE_FALSE:
        value = parse_true_false(raw)
        return [] if value is None else [value]
    return [_split(blank, ALTERNATIVE_SEPARATORS) for blank in _split(raw, BLANK_SEPARATORS)]


def _difficulty(raw: str) -> int | None:
    if not raw:
        return 3
    if raw in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[raw]
    return int(raw) if raw.isdecimal() and 1 <= int(raw) <= 5 else None


def _column_name(key: str) -> str:
    """A column's name as problems give it: its standard Chinese header."""
    return COLUMNS[key][0]


# A letter written before an option's text: "A.", "A、", "A．", "A)", "(A)", "（Ａ）".
_LETTER_PREFIX = re.compile(
    r"^\s*(?:[(（]\s*(?P<wrapped>[A-Za-zＡ-Ｚａ-ｚ])\s*[)）]|(?P<marked>[A-Za-zＡ-Ｚａ-ｚ])\s*[.．。、,，:：)）])\s*"
)


def without_own_letter(text: str, letter: str) -> str:
    """An option's text less a leading letter of its own column ("A.实现共产主义" in 选项A ->
    "实现共产主义"): members see each option's letter beside it, so it would read "A A.实现…".
    Another letter ("B." in 选项A) is left as typed: it may be the text itself."""
    match = _LETTER_PREFIX.match(text)
    if match is None or not text[match.end() :].strip():
        return text
    written = unicodedata.normalize("NFKC", match.group("wrapped") or match.group("marked")).upper()
    return text[match.end() :] if written == letter else text


def draft_from_row(row, report: ImportReport, *, formula_keys: Iterable[str] = ()) -> Draft | None:
    """Turn one table row into a Draft, or record every one of its errors against its row and columns.

    `formula_keys`: the row's columns holding a formula with no saved result, each reported once
    (its empty value would otherwise bring a second, misleading problem: "option A is empty")."""
    where = {"row": row.number}
    text = {key: cell_text(row.values.get(key), fold=key in ("type", "key", "difficulty")) for key in COLUMNS}
    report.stems_typed[row.number] = text["stem"]
    refused = set()  # the columns already reported: each column of a row says one problem

    def refuse(column: str, message: str) -> None:
        if column not in refused:
            report.error(where, column, message)
        refused.add(column)

    for key in sorted(formula_keys, key=lambda key: row.columns[key]):
        refuse(
            _column_name(key),
            _("This cell holds a formula with no saved result: open the file in Excel or WPS, save it, and try again."),
        )
    question_type = TYPE_BY_NAME.get(text["type"].lower().replace(" ", ""))
    if question_type is None:
        refuse("题型", _("Unknown question type “%(t)s”: use 单选, 多选, 判断 or 填空.") % {"t": text["type"]})
    difficulty = _difficulty(text["difficulty"])
    if difficulty is None:
        refuse(
            "难度",
            _("Difficulty “%(d)s” is not one of %(accepted)s.")
            % {"d": text["difficulty"], "accepted": accepted_difficulties()},
        )
    if question_type is None:
        return None  # the answer and options mean nothing without a type
    key = parse_key(question_type, text["key"])
    if question_type == QuestionType.TRUE_FALSE and not key:
        refuse("答案", _("Write the answer of a true-or-false question as 对 or 错, not “%(k)s”.") % {"k": text["key"]})
    options, prefixes = [], []
    for letter in OPTION_LETTERS:
        typed = text[f"option_{letter}"]
        options.append(without_own_letter(typed, letter))
        if options[-1] != typed:
            prefixes.append(f"“{typed[: len(typed) - len(options[-1])].strip()}”")
    content = QuestionContent(
        type=question_type,
        stem=text["stem"],
        options=options,
        key=key,
        explanation=text["explanation"],
        source=text["source"],
        difficulty=3 if difficulty is None else difficulty,
        tags=_split(text["tags"], TAG_SEPARATORS),
    )
    try:
        checked = check_question(content)
    except QuestionInvalid as invalid:
        for field_name, message in invalid.errors.items():
            key = f"option_{invalid.option_letter or 'A'}" if field_name == "options" else field_name
            refuse(_column_name(key), message)
        return None
    if refused:
        return None
    notes = []
    if prefixes:
        notes.append(
            _("Taken off the options' start (members see each option's letter beside it): %(prefixes)s.")
            % {"prefixes": pgettext("between list items", ", ").join(prefixes)}
        )
    return Draft(where, checked, notes)


def merges_across_columns(table: list, merged: list[MergedRange]) -> dict[int, list[tuple[str, str]]]:
    """The problems, by row, of the merges that span columns over question rows.

    A merge repeats its first cell's value in every cell it covers. Down one column that is how
    organisers give a block of rows one type or difficulty; across columns it copies one column's
    text into the next (a question merged over 选项A becomes its option A), so each row it covers
    is refused, under the first column that received a copy. Title rows above the header are no
    question rows and may be merged as they like."""
    problems: dict[int, list[tuple[str, str]]] = {}
    if not table:
        return problems
    read_columns = sorted((column, key) for key, column in table[0].columns.items())
    numbers = {row.number for row in table}
    for merge in merged:
        if merge.min_col == merge.max_col:
            continue
        copied_into = next((key for column, key in read_columns if merge.min_col < column <= merge.max_col), None)
        if copied_into is None:
            continue  # it only fills columns the import does not read
        cells = f"{get_column_letter(merge.min_col)}{merge.min_row}:{get_column_letter(merge.max_col)}{merge.max_row}"
        message = _(
            "Cells %(cells)s are merged: unmerge them. A merge across columns copies its first cell's text "
            "into every column it covers."
        ) % {"cells": cells}
        for number in range(merge.min_row, merge.max_row + 1):
            if number in numbers:
                problems.setdefault(number, []).append((_column_name(copied_into), message))
    return problems


# A header cell over all the option columns, their letters in the row below it (选项 merged over C:F).
OPTION_GROUP_HEADERS = {"选项", "options", "option"}


class OptionsOverLetters:
    """The rows, with a header written over two rows ("选项" merged above A, B, C, D) read as one:
    the letters below become 选项A, 选项B… and their row is left empty (row numbers stay as the
    sheet shows them); the other headers may be merged down over both rows. `group_column` keeps
    the 1-based column of a "选项" header with no letters under it, which names no option column:
    the sheet's options cannot be read."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self.rows = rows
        self.group_column: int | None = None

    def __iter__(self) -> Iterator[tuple]:
        rows = iter(self.rows)
        for number, cells in enumerate(rows, start=1):
            group = next((i for i, cell in enumerate(cells) if normalise_header(cell) in OPTION_GROUP_HEADERS), None)
            if group is None or number > HEADER_SEARCH_ROWS:
                yield cells
                continue
            below = next(rows, None) or ()
            # A header merged down over both rows (题型 in A1:A2) reads again in the row below: the
            # workbook reader copies a merge's text into every cell it covers. That is no letter.
            letters = {
                i: cell_text(cell, fold=True).upper()
                for i, cell in enumerate(below)
                if cell_text(cell) and not _continues_above(cells, i, cell)
            }
            if letters and all(i >= group and letter in OPTION_LETTERS for i, letter in letters.items()):
                header = list(cells) + [None] * (len(below) - len(cells))
                for i, letter in letters.items():
                    header[i] = f"选项{letter}"
                yield tuple(header)
                yield ()
                self.group_column = None
            else:
                self.group_column = group + 1
                yield cells
                if below:
                    yield below
            yield from rows
            return


def _continues_above(cells: tuple, i: int, cell) -> bool:
    """Whether `cell`, under the header row `cells`, repeats the header above it (a merge down)."""
    return i < len(cells) and cell_text(cells[i]) == cell_text(cell)


def parse_rows(
    rows,
    report: ImportReport,
    progress=None,
    *,
    merged: list[MergedRange] = (),
    formula_cells: Iterable[tuple[int, int]] = (),
) -> None:
    """Check every row of a sheet; `formula_cells` are (row, column) of formulas with no saved result."""
    rows = OptionsOverLetters(rows)
    try:
        # Other columns (序号, 备注) may sit beside the question's: they are left unread.
        table = read_table(rows, columns=COLUMNS, required=REQUIRED, names=REQUIRED_NAMES, open_header=True)
    except SpreadsheetError as error:
        report.error({"row": 0}, "", str(error))
        return
    if not table:
        report.error({"row": 0}, "", _("The sheet has a header row but no questions under it."))
        return
    if rows.group_column is not None and not any(key.startswith("option_") for key in table[0].columns):
        report.error(
            {"row": 0},
            "",
            _(
                "The header “%(header)s” in column %(letter)s was not understood, so no option was read: head each "
                "option's column 选项A, 选项B… (or write A, B… in the row below “%(header)s”) and upload again."
            )
            % {"header": "选项", "letter": get_column_letter(rows.group_column)},
        )
        return
    key_at = {column: key for key, column in table[0].columns.items()}
    formula_keys: dict[int, set[str]] = {}
    for number, column in formula_cells:
        if column in key_at:  # a column the import does not read holds nothing it needs
            formula_keys.setdefault(number, set()).add(key_at[column])
    merge_problems = merges_across_columns(table, merged)
    for done, row in enumerate(table, start=1):
        for column, message in merge_problems.get(row.number, ()):
            report.error({"row": row.number}, column, message)
        draft = draft_from_row(row, report, formula_keys=formula_keys.get(row.number, ()))
        if draft is not None and row.number not in merge_problems:
            report.drafts.append(draft)
        if progress and (done % 500 == 0 or done == len(table)):
            progress(done, len(table))


def _is_text(start: bytes) -> bool:
    """Whether a file's first bytes are text (a CSV saved under an .xlsx name), not a binary
    package: an .xlsx is a zip ("PK…"), an old .xls a compound file, and both hold NUL bytes."""
    if not start or b"\x00" in start or start.startswith(b"PK"):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            start.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start < len(start) - 4:  # not just a character cut at the end of the sample
                continue
        return True
    return False


def parse_xlsx(file, report: ImportReport, *, max_bytes: int, progress=None) -> None:
    try:
        sheet = read_sheet_values(file, max_bytes=max_bytes)
    except SpreadsheetError as error:
        message = str(error)
        file.seek(0)
        if _is_text(file.read(4096)):
            message = _(
                "This file is text, not an Excel workbook, though it was read as .xlsx: it looks like a CSV file "
                "with the wrong name. Choose the format “csv” and upload it again (or rename it to .csv)."
            )
        report.error({"row": 0}, "", message)
        return
    parse_rows(sheet.rows, report, progress, merged=sheet.merged, formula_cells=sheet.formula_cells)


def parse_csv(data: bytes, report: ImportReport, progress=None) -> None:
    """CSV from Excel in China is often GB18030 (GBK); UTF-8 (with or without BOM) works too."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        report.error({"row": 0}, "", _("The CSV file is neither UTF-8 nor GBK text."))
        return
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="": the reader itself splits lines at \r\n, \n or a lone \r (Excel for Mac's "CSV
    # (Macintosh)"), and keeps line breaks inside quoted cells.
    parse_rows(_csv_rows(csv.reader(io.StringIO(text, newline=""), dialect)), report, progress)


def _csv_rows(reader) -> Iterator[list[str]]:
    """The reader's rows; what it cannot read (a cell longer than the csv module's limit) becomes a
    SpreadsheetError naming the line, reported as the file's problem."""
    starts_at = 1  # the line the row being read starts on (a quoted cell may span lines)
    try:
        for row in reader:
            yield row
            starts_at = reader.line_num + 1
    except csv.Error:
        raise SpreadsheetError(
            _(
                "Line %(line)d of the CSV file cannot be read: a cell there is longer than %(limit)s characters "
                "(is a quotation mark left open above it?)."
            )
            % {"line": starts_at, "limit": f"{csv.field_size_limit():,}"}
        ) from None
