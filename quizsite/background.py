"""Jobs people wait on (a ranking's computation, a question import) go to the Celery worker
through the broker. When no worker runs they sit queued for ever, so their pages say so once a
job has waited longer than a worker ever lets one wait."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def worker_missing(queued_at: datetime | None) -> bool:
    """Whether a job queued at `queued_at`, and still queued, has waited longer than
    BACKGROUND_QUEUE_PATIENCE_S: no worker seems to be taking jobs. Never where tasks run inline
    (no broker: nothing waits for a worker)."""
    if settings.CELERY_TASK_ALWAYS_EAGER or queued_at is None:
        return False
    return queued_at < timezone.now() - timedelta(seconds=settings.BACKGROUND_QUEUE_PATIENCE_S)
