"""Import jobs: the file a preview keeps, its confirmation, and the sweep of those never confirmed."""

import uuid
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from orgs.models import User
from quizsite import import_files

from ..models import ImportJob, QuestionBank
from .common import ImportReport

DIRECTORY = ImportJob._meta.get_field("file").upload_to


def import_job_create(
    *, bank: QuestionBank, filename: str, fmt: str, data: bytes, by: User | None, confirmed: bool
) -> ImportJob:
    """A pending job holding the uploaded file: `confirmed` when it runs at once (the API),
    otherwise a preview's, which `import_preview_confirm` confirms within the preview window."""
    job = ImportJob(
        bank=bank, filename=filename, format=fmt, created_by=by, confirmed_at=timezone.now() if confirmed else None
    )
    job.file.save(f"{uuid.uuid4().hex}-{fmt}", ContentFile(data), save=False)
    job.save()
    return job


def import_job_finish(*, job: ImportJob, report: ImportReport) -> None:
    """Record a run's outcome on its job: the summary, and done (its questions, which record the
    job, can then be undone from the bank's page) or failed (nothing was stored)."""
    job.result = report.summary()
    job.status = ImportJob.Status.DONE if report.ok else ImportJob.Status.FAILED
    job.stage = ""
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "status", "stage", "finished_at"])


def import_preview_confirm(
    *, job_id: int, bank: QuestionBank, status: str, at: datetime | None = None
) -> ImportJob | None:
    """Confirm the preview's job, its questions to be stored of `status` (published or drafts), if
    it is still within the preview window; None when it is not
    (or was swept, or confirmed already). The conditional update serialises with the sweep's row
    lock: a job is either confirmed and kept, or swept, never both."""
    at = at or timezone.now()
    confirmed = ImportJob.objects.filter(
        pk=job_id,
        bank=bank,
        status=ImportJob.Status.PENDING,
        confirmed_at__isnull=True,
        created_at__gte=at - import_files.preview_window(),
    ).update(confirmed_at=at, status_given=status)
    return ImportJob.objects.get(pk=job_id) if confirmed else None


def import_preview_discard(*, job_id: int) -> None:
    """Delete a preview's job and file if it was never confirmed: the same session's new preview
    replaced it, so it can no longer be confirmed."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, confirmed_at__isnull=True).first()
        if job is None:
            return
        job.delete()
    job.file.storage.delete(job.file.name)


def import_previews_sweep(*, at: datetime | None = None) -> int:
    """Delete the jobs never confirmed whose preview window has passed, with their files, and
    files under imports/questions/ no job holds (a deleted bank's). A confirmed job's file is
    kept: a stopped import runs again from it. Returns how many files went."""
    at = at or timezone.now()
    cutoff = at - import_files.preview_window()
    swept = 0
    stale = ImportJob.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            # A confirmation in progress holds the row: leave it; it will be confirmed or refused.
            job = stale.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:
                continue
            job.delete()
        job.file.storage.delete(job.file.name)  # once the row is gone for good
        swept += 1
    try:
        _folders, files = ImportJob.file.field.storage.listdir(DIRECTORY)
    except FileNotFoundError:
        return swept
    names = {DIRECTORY + file for file in files}
    held = set(ImportJob.objects.filter(file__in=names).values_list("file", flat=True))
    return swept + import_files.stored_files_sweep(directory=DIRECTORY, keep=held, at=at)
