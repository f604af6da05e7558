"""Platform-wide Celery tasks. Thin: each calls the services that do the work; safe to run twice."""

from celery import shared_task


@shared_task
def import_files_sweep() -> dict[str, int]:
    """The daily sweep of files imports keep for a while: member sheets and question files
    previewed and never confirmed, and lists of problems, once their preview window has passed."""
    from lessons.importing.jobs import import_previews_sweep
    from orgs.importing import member_import_previews_sweep

    from .import_files import error_reports_sweep

    return {
        "member_sheets": member_import_previews_sweep(),
        "question_files": import_previews_sweep(),
        "problem_lists": error_reports_sweep(),
    }
