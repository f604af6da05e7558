from celery import shared_task


@shared_task
def entry_video_process_task(entry_id: int) -> str:
    """Transcode a video entry; idempotent, quiet when the entry is gone."""
    from .services import entry_video_process

    entry = entry_video_process(entry_id=entry_id)
    return entry.video_status if entry else "gone"


@shared_task
def similarity_check_task(call_id: int) -> int | None:
    """Check a call's essays for near-duplicates; idempotent, quiet when the call is gone."""
    from .similarity import similarity_check

    return similarity_check(call_id=call_id)


@shared_task
def similarity_sweep() -> int:
    """Beat: check each essay call whose deadline passed since its last check."""
    from .similarity import calls_due

    due = calls_due()
    for call_id in due:
        similarity_check_task.delay(call_id)
    return len(due)


@shared_task
def judges_remind_task(call_id: int, by_id: int | None = None) -> int:
    """Remind the call's judges who have unscored assignments; returns how many were reminded."""
    from .judges import judges_remind

    return judges_remind(call_id=call_id, by_id=by_id)
