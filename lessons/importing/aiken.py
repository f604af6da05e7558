"""Aiken: a stem, lettered options (A. or A)), then ANSWER: X; questions separated by blank lines.

Each problem is filed where it is, under the part of the question it is about, named as the
spreadsheet's columns are (题干, 选项B, 答案) so that the preview shows it in that column: the
stem's line, the option's own line, the “ANSWER:” line, or, for the file's layout (a question
with no “ANSWER:”, text after the options), the question's first line with no part."""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..models.questions import OPTION_LETTERS
from ..validation import QuestionContent, QuestionInvalid, check_question
from .common import Draft, ImportReport

OPTION = re.compile(r"^([A-Ha-h])[.)．、]\s*(.*)$")
ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)

STEM, ANSWER_PART = "题干", "答案"


def option_part(letter: str) -> str:
    return f"选项{letter}"


@dataclass
class _Question:
    start: int = 0  # the stem's first line
    stem: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    option_lines: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.stem or self.options)


def _check(question: _Question, key: str, answer_line: int, report: ImportReport) -> None:
    """Keep the question, or file each of its problems at the line and part it is about."""
    content = QuestionContent(type="single", stem="\n".join(question.stem), options=question.options, key=[key])
    try:
        report.drafts.append(Draft({"line": question.start}, check_question(content)))
    except QuestionInvalid as invalid:
        for field_name, message in invalid.errors.items():
            if field_name == "options":
                index = OPTION_LETTERS.index(invalid.option_letter) if invalid.option_letter else 0
                # A missing option (one given of two needed) belongs where it should have come.
                line = question.option_lines[index] if index < len(question.option_lines) else answer_line
                place, part = line, option_part(invalid.option_letter or "A")
            elif field_name == "key":
                place, part = answer_line, ANSWER_PART
            elif field_name == "stem":
                place, part = question.start, STEM
            else:
                place, part = question.start, ""
            report.error({"line": place, "question_line": question.start}, part, message)


def parse_aiken(text: str, report: ImportReport) -> None:
    question = _Question()
    for number, raw in enumerate(text.splitlines() + [""], start=1):
        line = raw.strip()
        if not line:
            if question:
                report.error(
                    {"line": question.start, "question_line": question.start},
                    "",
                    _("This question has no “ANSWER:” line."),
                )
                question = _Question()
            continue
        if not question:
            question.start = number
        answer = ANSWER.match(line)
        option = OPTION.match(line)
        if answer:
            if not question.options:
                where = {"line": number, "question_line": question.start}
                report.error(where, ANSWER_PART, _("“ANSWER:” comes before any option."))
            else:
                _check(question, answer.group(1), number, report)
            question = _Question()
        elif option and question.stem:
            expected = OPTION_LETTERS[len(question.options)] if len(question.options) < len(OPTION_LETTERS) else "?"
            if option.group(1).upper() != expected:
                where = {"line": number, "question_line": question.start}
                part = option_part(expected) if expected != "?" else ""
                report.error(where, part, _("Expected option %(letter)s here.") % {"letter": expected})
            question.options.append(option.group(2))
            question.option_lines.append(number)
        elif question.options:
            where = {"line": number, "question_line": question.start}
            report.error(where, "", _("Text after the options: expected another option or “ANSWER:”."))
        else:
            question.stem.append(line)
        if question.stem and question.start:
            report.stems_typed[question.start] = "\n".join(question.stem)
