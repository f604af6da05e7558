"""Run an import: parse any format, drop duplicates, and store all questions or none."""

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from orgs.models import User
from quizsite.spreadsheets import too_large

from ..models import Question, QuestionBank
from ..services.questions import questions_bulk_create
from ..validation import fingerprint
from .aiken import parse_aiken
from .common import ImportReport
from .gift import parse_gift
from .tabular import parse_csv, parse_xlsx

FORMATS = ("xlsx", "csv", "aiken", "gift")
Progress = Callable[[int, int], None]


class UploadRefused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def upload_format(*, name: str, size: int, chosen: str = "") -> str:
    """The format to read an uploaded file with; refuses one too large or of unknown format."""
    if message := too_large(size, settings.QUESTION_IMPORT_MAX_BYTES):
        raise UploadRefused("file", message)
    fmt = chosen or format_for(name)
    if fmt is None:
        raise UploadRefused(
            "format",
            _(
                "“%(name)s” is not a file the import reads: it takes .xlsx, .csv, Aiken .txt and .gift files. "
                "Save the questions as one of those, or choose the format if the name is wrong."
            )
            % {"name": Path(name).name},
        )
    return fmt


def format_for(filename: str) -> str | None:
    suffix = Path(filename).suffix.lower().lstrip(".")
    return {"xlsx": "xlsx", "csv": "csv", "txt": "aiken", "aiken": "aiken", "gift": "gift"}.get(suffix)


def _text(data: bytes, report: ImportReport) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    report.error({"line": 0}, "", _("The file is neither UTF-8 nor GBK text."))
    return None


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a bulk parse, then restore it as it was.

    An import keeps some twenty acyclic objects per row until it ends; that growth sets off full
    collections of the whole heap, over a quarter of a 10,000-row parse's time, that find nothing.
    The pause is process-wide: any cyclic garbage (this thread's or another's) waits the second or
    two until the collector resumes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse(data: bytes, fmt: str, progress: Progress | None = None) -> ImportReport:
    """Parse and check every question; nothing touches the database.

    The import preview calls this too: keep its signature."""
    with cycle_collection_paused():
        return _parse(data, fmt, progress)


def _parse(data: bytes, fmt: str, progress: Progress | None) -> ImportReport:
    report = ImportReport()
    limit = settings.QUESTION_IMPORT_MAX_BYTES
    if message := too_large(len(data), limit):
        report.error({"row": 0} if fmt in ("xlsx", "csv") else {"line": 0}, "", message)
        return report
    if fmt == "xlsx":
        parse_xlsx(BytesIO(data), report, max_bytes=limit, progress=progress)
    elif fmt == "csv":
        parse_csv(data, report, progress)
    elif (text := _text(data, report)) is not None:
        (parse_aiken if fmt == "aiken" else parse_gift)(text, report)
    return report


def mark_duplicates(report: ImportReport, bank: QuestionBank) -> list[str]:
    """Drop drafts whose normalised stem and key match a question in the bank or an earlier row,
    each recorded with what it repeats: {"row": 7, "of": {"row": 5}} or {"row": 7, "of": {"stem":
    the bank question's text}}.

    One query for the bank's fingerprints, then a dict; returns the kept drafts' fingerprints."""
    first_seen: dict[str, dict] = {}
    if bank.pk is not None:
        for mark, stem in (
            Question.objects.filter(bank=bank)
            .exclude(status=Question.Status.RETIRED)
            .values_list("current__fingerprint", "current__stem")
        ):
            first_seen.setdefault(mark, {"stem": strip_tags(stem or "")})
    kept, marks = [], []
    for draft in report.drafts:
        mark = fingerprint(draft.content)
        if mark in first_seen:
            report.duplicates.append({**draft.where, "of": first_seen[mark]})
        else:
            first_seen[mark] = dict(draft.where)
            kept.append(draft)
            marks.append(mark)
    report.drafts = kept
    return marks


def questions_import(
    *,
    data: bytes,
    fmt: str,
    bank: QuestionBank,
    by: User | None,
    dry_run: bool = False,
    progress: Progress | None = None,
    status: str = Question.Status.PUBLISHED,
    import_job_id: int | None = None,
) -> ImportReport:
    """Check every question; unless `dry_run` or anything is wrong, store them all at once, of
    `status` (published, or drafts to review).

    `progress(done, total)` is called while rows are checked (tables only); the questions
    record `import_job_id`, the import job storing them, so that import can be undone.
    """
    with cycle_collection_paused():
        report = parse(data, fmt, progress)
        fingerprints = mark_duplicates(report, bank)
        for draft in report.drafts:
            report.by_type[draft.content.type] += 1
        if report.ok and not dry_run:
            report.imported = questions_bulk_create(
                bank=bank,
                contents=[d.content for d in report.drafts],
                by=by,
                fingerprints=fingerprints,
                status=status,
                import_job_id=import_job_id,
            )
    return report
