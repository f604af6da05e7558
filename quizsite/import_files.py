"""Files an import keeps for a while under MEDIA_ROOT/imports/: the sheet between its preview and
its confirmation, and the report of every problem a refused file had.

An organiser's confirmation, or download, is honoured for `preview_window()` after the upload
(IMPORT_PREVIEW_HOURS); the daily sweep deletes what is older, so a sheet of names, phone numbers
and initial passwords, or a question bank's keys, does not stay on disk for ever after its
organiser went away without confirming.
"""

import json
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache

from .spreadsheets import ExportWorkbook, xlsx_response

DIRECTORY = "imports/"
ERROR_REPORT_PREFIX = "errors-"
# How many of a refused file's problems its page lists; all of them are in the report.
ERRORS_SHOWN = 200


def preview_window() -> timedelta:
    """How long after an upload its preview may be confirmed (and its error report downloaded)."""
    return timedelta(hours=settings.IMPORT_PREVIEW_HOURS)


def within_window(name: str, *, at: datetime | None = None) -> bool:
    """Whether the stored file `name` exists and was written within the preview window."""
    try:
        written = default_storage.get_modified_time(name)
    except (FileNotFoundError, OSError):
        return False
    return written >= (at or timezone.now()) - preview_window()


def stored_files_sweep(
    *, directory: str = DIRECTORY, prefix: str = "", keep: set[str] = frozenset(), at: datetime | None = None
) -> int:
    """Delete the files `directory``prefix`* written before the preview window, except `keep`
    (names relative to MEDIA_ROOT). Returns how many were deleted."""
    cutoff = (at or timezone.now()) - preview_window()
    try:
        _folders, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in sorted(directory + file for file in files if file.startswith(prefix)):
        if name in keep:
            continue
        try:
            written = default_storage.get_modified_time(name)
        except FileNotFoundError:
            continue
        if written < cutoff:
            default_storage.delete(name)
            deleted += 1
    return deleted


def error_report_store(request: HttpRequest, *, session_key: str, place: str, errors: list[tuple]) -> None:
    """Keep every problem of a refused file, (place, column, message) each, for the report this
    session may download (`error_report_response`) within the preview window. `place` says what
    the first value counts: "row" (a sheet's row) or "line" (a text file's). The messages are
    already in the page's language."""
    previous = request.session.get(session_key)
    if previous and previous.startswith(DIRECTORY + ERROR_REPORT_PREFIX):
        default_storage.delete(previous)
    body = json.dumps({"place": place, "errors": errors}, ensure_ascii=False).encode()
    name = default_storage.save(f"{DIRECTORY}{ERROR_REPORT_PREFIX}{uuid.uuid4().hex}.json", ContentFile(body))
    request.session[session_key] = name


def error_reports_sweep(*, at: datetime | None = None) -> int:
    """Delete the error reports older than the preview window."""
    return stored_files_sweep(prefix=ERROR_REPORT_PREFIX, at=at)


@never_cache
def error_report_response(request: HttpRequest, *, session_key: str, filename: str, back: str) -> HttpResponse:
    """This session's last error report as an .xlsx (place, column, problem, one row each), text
    written as text; when there is none, or it has expired, back to `back` with a message."""
    name = request.session.get(session_key)
    if not name or not within_window(name):
        messages.error(request, _("That list of problems has expired. Upload the file again."))
        return redirect(back)
    try:
        with default_storage.open(name, "rb") as handle:
            report = json.load(handle)
    except FileNotFoundError:
        messages.error(request, _("That list of problems has expired. Upload the file again."))
        return redirect(back)
    book = ExportWorkbook()
    sheet = book.sheet(_("Problems"), widths=(10, 18, 90), frozen_rows=1)
    place = (
        pgettext("place in an imported file", "Line")
        if report["place"] == "line"
        else pgettext("place in an imported file", "Row")
    )
    sheet.append([place, _("Column"), _("Problem")], style="header")
    for place, column, message in report["errors"]:
        sheet.append([place or None, column, message])
    return xlsx_response(book.to_bytes(), filename)
