from celery import shared_task


@shared_task
def entry_video_process_task(entry_id: int) -> str:
    """Transcode a video entry; idempotent, quiet when the entry is gone."""
    from .services import entry_video_process

    entry = entry_video_process(entry_id=entry_id)
    return entry.video_status if entry else "gone"
