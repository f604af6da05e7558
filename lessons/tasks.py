"""Celery tasks for self-study. Thin: take ids, re-fetch, call a service; safe to run twice."""

from celery import shared_task
from django.utils import timezone

from .models import Attempt
from .services import attempts


@shared_task
def attempt_expire(attempt_id: int) -> str:
    """Submit an exam attempt at its deadline, even if the browser is gone."""
    attempt = Attempt.objects.select_related("paper").filter(pk=attempt_id).first()
    if attempt is None or not attempt.is_open:
        return "nothing to do"
    if attempt.deadline_at and timezone.now() < attempt.deadline_at:
        return "not due yet"  # eager mode runs ETA tasks at once; the sweep will catch it
    attempts.ensure_current(attempt)
    return "submitted"


@shared_task
def question_images_sweep() -> int:
    """The daily sweep of question pictures uploaded for a preview and never saved."""
    from .services.questions import question_images_sweep as sweep

    return sweep()


@shared_task
def uploads_sweep() -> int:
    """The daily sweep of resumable uploads given up on, and the bytes they received."""
    from .services.videos import uploads_sweep as sweep

    return sweep()


@shared_task
def expire_overdue_attempts() -> int:
    """The periodic sweep: catches deadlines whose ETA task was lost (worker restart, eager mode)."""
    return attempts.attempts_expire_due()


def question_import_restart(job_id: int) -> bool:
    """Queue a stalled import again (its worker died: the job was left "running"); False when it
    is not stalled. Questions are stored in one transaction at the end, so a run that died stored
    none, or all of them, and a second run skips those as duplicates: nothing is stored twice."""
    from django.db import transaction
    from django.db.models import Q

    from .models import ImportJob
    from .models.questions import stalled_after

    silent = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=timezone.now() - stalled_after())
    with transaction.atomic():
        queued = ImportJob.objects.filter(silent, pk=job_id, status=ImportJob.Status.RUNNING).update(
            status=ImportJob.Status.PENDING, stage="", processed=0, total=0, heartbeat_at=None
        )
        if queued:
            transaction.on_commit(lambda: question_import_run.delay(job_id))
    return bool(queued)


@shared_task
def question_import_run(job_id: int) -> str:
    """Run an uploaded import. Only the run that moves the job from pending to running works."""
    from django.db import transaction

    from .importing.jobs import import_job_finish
    from .importing.run import questions_import
    from .models import ImportJob

    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("bank", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status != ImportJob.Status.PENDING:
            return "nothing to do"
        job.status, job.stage, job.heartbeat_at = ImportJob.Status.RUNNING, "checking", timezone.now()
        job.save(update_fields=["status", "stage", "heartbeat_at"])

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            processed=done, total=total, stage="saving" if done == total else "checking", heartbeat_at=timezone.now()
        )

    with job.file.open("rb") as handle:
        data = handle.read()
    report = questions_import(
        data=data,
        fmt=job.format,
        bank=job.bank,
        by=job.created_by,
        progress=progress,
        status=job.status_given,
        import_job_id=job.pk,
    )
    job.refresh_from_db()
    import_job_finish(job=job, report=report)
    return job.status


# Back on the queue if its worker dies (a deploy, the OOM killer): a lesson would otherwise stay
# "processing" for ever, and running again is safe (ffmpeg overwrites the same files; only the end
# marks the lesson ready). ffmpeg runs as a child process, so a file that exhausts memory kills
# ffmpeg, which fails the lesson, rather than the worker, which would loop the task.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def lesson_process_task(lesson_id: int) -> str:
    """Validate and transcode an uploaded micro-class; a ready or missing lesson is left alone."""
    from .services.videos import lesson_process

    lesson = lesson_process(lesson_id=lesson_id)
    return lesson.status if lesson else "nothing to do"
