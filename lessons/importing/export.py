"""Export a bank to the same xlsx layout the import reads, so an export re-imports unchanged."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ..models import Question, QuestionBank, QuestionType
from ..models.questions import OPTION_LETTERS
from .tabular import EXPORT_TYPE_NAMES

HEADER = ["题型", "题干", *[f"选项{letter}" for letter in OPTION_LETTERS], "答案", "解析", "难度", "知识点", "出处"]


def key_text(question_type: str, key: list) -> str:
    if question_type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(key)
    if question_type == QuestionType.TRUE_FALSE:
        return "对" if key and key[0] else "错"
    return ";".join("|".join(alternatives) for alternatives in key)


def bank_export(bank: QuestionBank, *, include_retired: bool = False) -> bytes:
    questions = Question.objects.filter(bank=bank).select_related("current").prefetch_related("tags").order_by("id")
    if not include_retired:
        questions = questions.exclude(status=Question.Status.RETIRED)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(bank.name[:31] or "questions")
    sheet.append([f"{bank.name}（{bank.slug}）"])
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="B71C1C")
    from openpyxl.cell import WriteOnlyCell

    header = []
    for title in HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = header_font, header_fill
        header.append(cell)
    sheet.append(header)
    for question in questions.iterator(chunk_size=1000):
        version = question.current
        options = list(version.options) + [""] * (len(OPTION_LETTERS) - len(version.options))
        sheet.append(
            [
                EXPORT_TYPE_NAMES[version.type],
                version.stem,
                *options,
                key_text(version.type, version.key),
                version.explanation,
                version.difficulty,
                ";".join(t.name for t in question.tags.all()),
                version.source,
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
