"""Aiken: a stem, lettered options (A. or A)), then ANSWER: X; questions separated by blank lines."""

import re

from django.utils.translation import gettext as _

from ..validation import QuestionContent, QuestionInvalid, check_question
from .common import Draft, ImportReport

OPTION = re.compile(r"^([A-Ha-h])[.)．、]\s*(.*)$")
ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


def parse_aiken(text: str, report: ImportReport) -> None:
    stem: list[str] = []
    options: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines() + [""], start=1):
        line = raw.strip()
        if not line:
            if stem or options:
                report.error({"line": start}, "ANSWER", _("This question has no “ANSWER:” line."))
                stem, options = [], []
            continue
        if not stem:
            start = number
        answer = ANSWER.match(line)
        option = OPTION.match(line)
        if answer:
            if not options:
                report.error({"line": number}, "ANSWER", _("“ANSWER:” comes before any option."))
            else:
                content = QuestionContent(type="single", stem="\n".join(stem), options=options, key=[answer.group(1)])
                try:
                    report.drafts.append(Draft({"line": start}, check_question(content)))
                except QuestionInvalid as invalid:
                    for message in invalid.errors.values():
                        report.error({"line": number if "key" in invalid.errors else start}, "ANSWER", message)
            stem, options = [], []
        elif option and stem:
            expected = "ABCDEFGH"[len(options)] if len(options) < 8 else "?"
            if option.group(1).upper() != expected:
                report.error({"line": number}, "", _("Expected option %(letter)s here.") % {"letter": expected})
            options.append(option.group(2))
        elif options:
            report.error({"line": number}, "", _("Text after the options: expected another option or “ANSWER:”."))
        else:
            stem.append(line)
