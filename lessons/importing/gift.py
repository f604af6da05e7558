"""Moodle's GIFT format, for the kinds we model.

Accepted: multiple choice with one answer (``{=right ~wrong}``) or several with weights
(``{~%50%a ~%50%b ~%-100%c}``), true/false (``{T}``, ``{FALSE}``), short answer as fill-in
(``{=one =another}``), and missing word (text on both sides of the braces). Matching, numerical
and essay questions are refused with their line number, and so are weights our scoring cannot
keep: a paper scores multiple choice all-or-nothing or by equal shares of the right options, and
any wrong pick scores 0. So weights are accepted only as equal shares of 100% over the right
options with -100% (or less) on every wrong one; ``{~%70%a ~%30%b ~%-100%c}`` would score A
alone 0.5 instead of 0.7 and is refused rather than imported with different scoring.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..grading import parse_true_false
from ..models.questions import OPTION_LETTERS
from ..validation import QuestionContent, QuestionInvalid, check_question
from .common import Draft, ImportReport

ESCAPES = {
    "\\~": "\x00tilde",
    "\\=": "\x00eq",
    "\\#": "\x00hash",
    "\\{": "\x00open",
    "\\}": "\x00close",
    "\\:": "\x00colon",
}
TITLE = re.compile(r"^::(.*?)::", re.DOTALL)
FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def _hide(text: str) -> str:
    for escaped, token in ESCAPES.items():
        text = text.replace(escaped, token)
    return text


def _show(text: str) -> str:
    for escaped, token in ESCAPES.items():
        text = text.replace(token, escaped[1])
    return text.replace("\\n", "\n").strip()


def _blocks(text: str):
    """Questions are separated by blank lines; // comment lines are dropped. Yields (line, text)."""
    lines: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines() + [""], start=1):
        if line.strip().startswith("//"):
            continue
        if line.strip():
            if not lines:
                start = number
            lines.append(line)
        elif lines:
            yield start, "\n".join(lines)
            lines = []


def _answers(body: str) -> list[tuple[str, float | None, str]]:
    """Split ``=a#fb ~%50%b`` into (mark, weight, text) with feedback dropped."""
    parts = re.split(r"(?=[=~])", body)
    answers = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        mark, rest = part[0], part[1:].strip()
        weight = None
        found = WEIGHT.match(rest)
        if found:
            weight, rest = float(found.group(1)), rest[found.end() :]
        answers.append((mark, weight, _show(rest.split("#", 1)[0])))
    return answers


def _content(stem: str, body: str, explanation: str) -> QuestionContent | str:
    """The question, or the name of the unsupported kind."""
    body = body.strip()
    if not body:
        return "essay"
    if body.startswith("#"):
        return "numerical"
    if "->" in body:
        return "matching"
    truth = parse_true_false(_show(body.split("#", 1)[0]))
    if truth is not None and not body.startswith(("=", "~")):
        return QuestionContent(type="true_false", stem=stem, key=[truth], explanation=explanation)
    answers = _answers(body)
    if not answers or any(mark not in "=~" for mark, _w, _t in answers):
        return "unknown"
    if all(mark == "=" for mark, _w, _t in answers):
        return QuestionContent(
            type="fill_blank", stem=stem, key=[[text for _m, _w, text in answers]], explanation=explanation
        )
    if any(weight is not None for _m, weight, _t in answers) and not _weights_we_score(answers):
        return "weighted"
    options = [text for _m, _w, text in answers]
    right = [
        OPTION_LETTERS[i]
        for i, (mark, weight, _t) in enumerate(answers)
        if i < len(OPTION_LETTERS) and (mark == "=" or (weight is not None and weight > 0))
    ]
    # One right answer is a single choice, weighted or not (100 % for it, -100 % for any other).
    kind = "single" if len(right) == 1 else "multiple"
    return QuestionContent(type=kind, stem=stem, options=options, key=right, explanation=explanation)


def _weights_we_score(answers: list[tuple[str, float | None, str]]) -> bool:
    """Whether the weights mean what our multiple-choice scoring does (see the module docstring)."""
    if any(mark == "=" or weight is None for mark, weight, _t in answers):
        return False  # "=" is 100% and a bare "~" is 0%: neither fits beside weighted answers
    right = [weight for _m, weight, _t in answers if weight > 0]
    wrong = [weight for _m, weight, _t in answers if weight <= 0]
    equal_shares = bool(right) and all(abs(weight - 100 / len(right)) < 0.01 for weight in right)
    return equal_shares and all(weight <= -100 for weight in wrong)


UNSUPPORTED = {
    "essay": gettext_lazy("essay or description"),
    "numerical": gettext_lazy("numerical"),
    "matching": gettext_lazy("matching"),
    "unknown": gettext_lazy("unrecognised"),
    "weighted": gettext_lazy(
        "weighted-answer (other than equal shares of the right options and minus 100 percent for each wrong one)"
    ),
}


def parse_gift(text: str, report: ImportReport) -> None:
    for line, block in _blocks(text):
        where = {"line": line}
        hidden = _hide(block)
        if hidden.lstrip().startswith("$CATEGORY:"):
            continue
        hidden = TITLE.sub("", hidden.strip(), count=1).strip()
        hidden = FORMAT.sub("", hidden, count=1).strip()
        opening, closing = hidden.find("{"), hidden.rfind("}")
        if opening < 0 or closing < opening:
            report.error(where, "", _("No answer block {…}: descriptions are not questions."))
            continue
        before, body, after = hidden[:opening], hidden[opening + 1 : closing], hidden[closing + 1 :]
        explanation = ""
        if "####" in body:
            body, explanation = body.split("####", 1)
        stem = _show(before) + ("____" + _show(after) if _show(after) else "")
        content = _content(stem, body, _show(explanation))
        if isinstance(content, str):
            report.error(where, "", _("GIFT %(kind)s questions are not supported.") % {"kind": UNSUPPORTED[content]})
            continue
        try:
            report.drafts.append(Draft(where, check_question(content)))
        except QuestionInvalid as invalid:
            for message in invalid.errors.values():
                report.error(where, "", message)
