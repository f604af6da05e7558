"""Export a bank to the same xlsx layout the import reads, so an export re-imports unchanged."""

from quizsite.spreadsheets import ExportWorkbook

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
    """The bank as the import's xlsx layout: a title row, the header, one row per question."""
    questions = Question.objects.filter(bank=bank).select_related("current").prefetch_related("tags").order_by("id")
    if not include_retired:
        questions = questions.exclude(status=Question.Status.RETIRED)
    book = ExportWorkbook()
    # The sheet and the title row name the bank as organisers know it in the reader's language
    # (its title and unit), never its slug.
    sheet = book.sheet(bank.display_name, default="questions")
    sheet.append([f"{bank.display_name} · {bank.unit.display_name}"])
    sheet.append(HEADER, style="header")
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
    return book.to_bytes()
