"""Contest tasks for the worker: thin wrappers that take ids and call a service."""

from celery import shared_task


@shared_task
def online_reminder_deliver(reminder_id: int) -> int:
    """Send an online contest's reminder to the members who have not started (idempotent)."""
    from .online.reminders import online_reminder_deliver as deliver

    return deliver(reminder_id=reminder_id)
