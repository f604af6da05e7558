"""The first rows of a checked import, as they will be stored, with each error in its column."""

from django.utils.translation import gettext as _

from ..editor import difficulty_label
from ..models import QuestionType
from ..models.questions import OPTION_LETTERS
from .common import ImportReport
from .export import key_text

PREVIEW_ROWS = 20
STEM_SHOWN = 30  # characters of a bank question a duplicate row names
# Where an error's column shows in the preview (the option columns fold into one).
PREVIEW_COLUMN = {"题型": "type", "题干": "stem", "答案": "key", "难度": "difficulty", "知识点": "tags"}


def _place(where: dict) -> int:
    return where.get("row", where.get("line", 0))


def _blank_row(place: int, stem: str = "") -> dict:
    return {
        "place": place,
        "type": "",
        "stem": stem,
        "options": [],
        "key": "",
        "difficulty": "",
        "tags": [],
        "errors": {},
        "notes": [],
        "duplicate": False,
    }


def _key_shown(question_type: str, key: list) -> str:
    """A key as the page's reader reads it: true or false in their language (对/错, True/False),
    a fill-in's blanks split by "；" and its alternatives by " | ", as the file writes them."""
    if question_type == QuestionType.TRUE_FALSE:
        return _("True") if key and key[0] else _("False")
    return key_text(question_type, key).replace(";", "；")


def _duplicate_of(first: dict) -> str:
    """What a skipped row repeats: an earlier row or line of the file, or a question of the bank."""
    if "row" in first:
        return _("A duplicate of row %(n)d: skipped.") % {"n": first["row"]}
    if "line" in first:
        return _("A duplicate of the question at line %(n)d: skipped.") % {"n": first["line"]}
    stem = first.get("stem", "")
    # Cut by hand: Django's Chinese catalogue ends a cut text with "...", not the one-character "…".
    shown = stem if len(stem) <= STEM_SHOWN else stem[: STEM_SHOWN - 1] + "…"
    return _("A duplicate of “%(stem)s”, already in the bank: skipped.") % {"stem": shown}


def import_preview_rows(report: ImportReport, *, limit: int = PREVIEW_ROWS) -> list[dict]:
    """One dict per source row (the first `limit`), ordered by row or line: a row to be stored
    shows its stored content; a refused row carries its messages under the columns at fault."""
    rows: dict[int, dict] = {}
    for draft in report.drafts:
        content = draft.content
        rows[_place(draft.where)] = {
            "place": _place(draft.where),
            "type": QuestionType(content.type).label,
            "stem": content.stem,
            "options": list(zip(OPTION_LETTERS, content.options, strict=False)),
            "key": _key_shown(content.type, content.key),
            "difficulty": difficulty_label(content.difficulty),
            "tags": content.tags,
            "errors": {},
            "notes": draft.notes,
            "duplicate": False,
        }
    for where in report.duplicates:
        rows[_place(where)] = {**_blank_row(_place(where)), "duplicate": _duplicate_of(where.get("of", {}))}
    for error in report.errors:
        # A text file's problem sits on its own line, and shows in its question's row.
        place = error.get("question_line") or _place(error)
        if place == 0:
            continue  # a whole-file problem: shown above the table
        column = PREVIEW_COLUMN.get(error["column"], "options" if error["column"].startswith("选项") else "stem")
        row = rows.setdefault(place, _blank_row(place, report.stems_typed.get(place, "")))
        row["errors"][column] = " ".join(filter(None, [row["errors"].get(column), error["message"]]))
    return [rows[place] for place in sorted(rows)[:limit]]
